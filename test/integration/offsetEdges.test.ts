/**
 * Committed offsets at the edges of the log, on a real broker: beyond the
 * log end (a truncated log: the consumer resets by auto.offset.reset, so it
 * counts like an uncommitted partition, never a 0 that scales the workload
 * away), beyond the last stable offset but within the high watermark (a
 * consumer reading past an open transaction: caught up, 0), and a
 * partitionLimitation that names no partition of the topic (NOT_FOUND).
 * Tagged @compat: runs on 4.x and on 3.9.1.
 */
import assert from 'node:assert/strict';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Admin, Producer } from 'kafkajs';
import { eventually } from '../../tools/eventually.ts';
import { type KedaPoll, kedaPoll } from '../../tools/keda/kedaPoll.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';
import { kafkaVersionFromEnv } from '../../tools/kafka/versions.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import {
  commitOffsets,
  createTopic,
  produceToPartitions,
  testBootstrap,
  testKafkaClient,
  uniqueName,
} from '../support/kafka.ts';

describe(`committed offsets at the edges of the log on Kafka ${kafkaVersionFromEnv().text} @compat`, function () {
  this.timeout(90_000);
  let app: TestApp;
  let client: ScalerClient;
  let admin: Admin;
  let producer: Producer;
  let transactional: Producer | undefined;

  beforeEach(async () => {
    app = await startTestApp();
    client = scalerClient(app.grpcPort);
    const kafka = testKafkaClient();
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    client.close();
    await transactional?.disconnect();
    transactional = undefined;
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await app.stop();
  });

  const trigger = (topic: string, groupId: string, extra: Record<string, string>) =>
    ref(
      {
        scalerAddress: 'scaler:9090',
        bootstrapServers: testBootstrap(),
        consumerGroup: groupId,
        topic,
        lagThreshold: '10',
        allowIdleConsumers: 'true',
        rebalanceCooldown: '0',
        ...extra,
      },
      uniqueName('so'),
    );
  const poll = (so: ReturnType<typeof trigger>, what: string, accept: (p: KedaPoll) => boolean) =>
    eventually(() => kedaPoll(client, so), accept, { timeoutMs: 15_000, what });

  it('a group committed at 1100 on a log that ends at 100 counts like an uncommitted partition, for every strategy', async () => {
    const topic = uniqueName('truncated');
    const groupId = uniqueName('truncated-app');
    await createTopic(admin, topic, 1);
    await produceToPartitions(producer, topic, { 0: 100 });
    await commitOffsets(groupId, topic, { 0: 1100 });

    const earliest = trigger(topic, groupId, { offsetResetPolicy: 'earliest' });
    const counted = await poll(earliest, 'the records in the log', (p) => p.metricValue === 100);
    assert.equal(counted.active, true);
    const latest = await poll(trigger(topic, groupId, {}), 'one, as for an uncommitted partition', () => true);
    assert.deepEqual({ value: latest.metricValue, active: latest.active }, { value: 1, active: true });
    // time cannot date records of an uncommitted partition (0 s behind) but activates; rate sizes by backlog.
    const time = await poll(
      trigger(topic, groupId, { lagStrategy: 'time', offsetResetPolicy: 'earliest' }),
      'time',
      () => true,
    );
    assert.equal(time.active, true, 'time is active');
    const rate = await poll(
      trigger(topic, groupId, { lagStrategy: 'rate', offsetResetPolicy: 'earliest' }),
      'rate',
      () => true,
    );
    assert.deepEqual({ active: rate.active, replicas: rate.replicas }, { active: true, replicas: 1 }); // one partition: one task

    // New records count at once, long before the log end passes 1100.
    await produceToPartitions(producer, topic, { 0: 50 });
    await poll(earliest, 'the records in the log, new ones included', (p) => p.metricValue === 150);
    const decided = app.scaler.statuses().find((s) => s.trigger.scaledObject === `default/${earliest.name}`);
    assert.match(decided?.decision.explanation ?? '', new RegExp(`committed beyond the log end .*: ${topic}-0`));
  });

  it('a consumer that read past an open transaction (committed beyond the last stable offset) is caught up, not reset', async () => {
    const topic = uniqueName('open-tx');
    const groupId = uniqueName('open-tx-app');
    await createTopic(admin, topic, 1);
    transactional = testKafkaClient().producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await transactional.connect();
    const done = await transactional.transaction();
    await done.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `c${i}` })) });
    await done.commit(); // offsets 0-9 and a marker at 10: the last stable offset is 11
    const open = await transactional.transaction();
    await open.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `o${i}` })) });
    // Offsets 11-15 are in the open transaction: high watermark 16, last stable offset 11.
    const [stable] = await admin.fetchTopicOffsets(topic); // kafkajs reads committed: the last stable offset
    assert.equal(stable?.high, '11');
    // A read_uncommitted consumer processed all of it and committed the high watermark.
    await commitOffsets(groupId, topic, { 0: 16 });

    const so = trigger(topic, groupId, { offsetResetPolicy: 'earliest' });
    const answer = await poll(so, 'an answer', () => true);
    // Give the poller a few more reads: the answer must stay 0, never the whole log.
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const again = await kedaPoll(client, so);
      assert.deepEqual({ value: again.metricValue, active: again.active }, { value: 0, active: false });
    }
    assert.deepEqual({ value: answer.metricValue, active: answer.active }, { value: 0, active: false });
    await open.abort();
  });

  it('a partitionLimitation that matches no partition is NOT_FOUND naming the partitions the topic has', async () => {
    const topic = uniqueName('limited');
    const groupId = uniqueName('limited-app');
    await createTopic(admin, topic, 6);
    await commitOffsets(groupId, topic, { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 });
    const so = trigger(topic, groupId, { partitionLimitation: '9' });
    const { metricSpecs } = await client.getMetricSpec(so);
    const failure = await eventually(
      () =>
        client.getMetrics(so, metricSpecs[0]!.metricName).then(
          () => undefined,
          (err: { code: grpcStatus; details: string }) => err,
        ),
      (err) => err !== undefined && err.code !== grpcStatus.UNAVAILABLE,
      { timeoutMs: 15_000, what: 'an answer after the first poll' },
    );
    assert.equal(failure?.code, grpcStatus.NOT_FOUND);
    assert.equal(
      failure?.details,
      `parameter "partitionLimitation" value "9" matches no partition: topic "${topic}" has partitions 0-5`,
    );
    await assert.rejects(client.isActive(so), (err: { code: grpcStatus }) => err.code === grpcStatus.NOT_FOUND);
  });
});
