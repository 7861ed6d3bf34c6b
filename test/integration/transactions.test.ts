/**
 * Transaction markers (kedacore/keda#5675): a transactional producer and a
 * read-committed consumer group that commits each processed record's offset
 * + 1 (as Kafka Streams does). Once caught up, end − committed stays ≥ 1
 * (the markers), yet the trigger must be inactive; one real record makes it
 * active again. Tagged @compat: runs on 4.x and on 3.9.1.
 */
import assert from 'node:assert/strict';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { eventually } from '../../tools/eventually.ts';
import { kedaPoll } from '../../tools/keda/kedaPoll.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';
import { kafkaVersionFromEnv } from '../../tools/kafka/versions.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTopic, testBootstrap, testKafkaClient, uniqueName } from '../support/kafka.ts';

describe(`transaction markers on Kafka ${kafkaVersionFromEnv().text} @compat`, function () {
  this.timeout(120_000);
  let app: TestApp;
  let client: ScalerClient;
  let admin: Admin;
  let producer: Producer;
  let transactional: Producer;
  let consumer: Consumer | undefined;

  beforeEach(async () => {
    app = await startTestApp({ SCALER_POLL_INTERVAL: '250ms' });
    client = scalerClient(app.grpcPort);
    const kafka = testKafkaClient();
    admin = kafka.admin();
    producer = kafka.producer();
    transactional = kafka.producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([admin.connect(), producer.connect(), transactional.connect()]);
  });

  afterEach(async () => {
    client.close();
    await consumer?.disconnect();
    consumer = undefined;
    await Promise.all([admin.disconnect(), producer.disconnect(), transactional.disconnect()]);
    await app.stop();
  });

  it('a caught-up read-committed group is inactive despite the markers; one real record activates it', async () => {
    const topic = uniqueName('tx-topic');
    const groupId = uniqueName('tx-app');
    await createTopic(admin, topic, 2);
    // Ends with an aborted transaction: the gap after the last committed record is an abort and its markers.
    for (const outcome of ['commit', 'abort', 'commit', 'abort'] as const) {
      const tx = await transactional.transaction();
      await tx.send({
        topic,
        messages: [0, 1].flatMap((partition) =>
          Array.from({ length: 5 }, (_, i) => ({ partition, value: `${outcome}-${i}` })),
        ),
      });
      await (outcome === 'commit' ? tx.commit() : tx.abort());
    }

    let processed = 0;
    consumer = testKafkaClient().consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }) => {
        processed++;
        // Commit what was processed: the record's offset + 1, as Kafka Streams does.
        await consumer!.commitOffsets([{ topic: t, partition, offset: String(Number(message.offset) + 1) }]);
      },
    });
    await eventually(
      () => processed,
      (n) => n === 20,
      { timeoutMs: 30_000, what: '20 committed records processed (10 aborted skipped)' },
    );

    // The markers are there: what KEDA's scaler would count as lag.
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const c = Number(committed!.partitions.find((p) => p.partition === end.partition)!.offset);
      assert.ok(Number(end.high) - c >= 1, `partition ${end.partition}: end ${end.high}, committed ${c}`);
    }

    const so = ref({ bootstrapServers: testBootstrap(), consumerGroup: groupId, topic });
    const caughtUp = await eventually(
      () => kedaPoll(client, so),
      (p) => !p.active,
      { timeoutMs: 15_000, what: 'inactive' },
    );
    assert.equal(caughtUp.metricValue, 0);
    const { decision } = await app.scaler.evaluate(so);
    assert.ok(
      decision.partitions.every((p) => p.note === 'transaction-markers'),
      decision.explanation,
    );

    // One real, unprocessed record: active. (The consumer is stopped so it stays unprocessed.)
    await consumer.disconnect();
    consumer = undefined;
    await producer.send({ topic, messages: [{ partition: 0, value: 'real' }] });
    // GetMetrics and IsActive may straddle a poll: wait for one KEDA poll whose three calls all saw the record.
    const pending = await eventually(
      () => kedaPoll(client, so),
      (p) => p.active && p.metricValue >= 1,
      { timeoutMs: 15_000, what: 'active again, with the record counted' },
    );
    assert.ok(pending.metricValue >= 1);
    const after = await app.scaler.evaluate(so);
    const partition0 = after.decision.partitions.find((p) => p.partition === 0)!;
    assert.ok(
      partition0.lag >= 1n && partition0.note === undefined,
      `partition 0 counts its gap: ${after.decision.explanation}`,
    );
  });
});
