/**
 * Proves the harness end to end: a real broker, a real consumer group, and
 * per-partition lag read back through the admin API, exactly.
 * Tagged @compat: runs on 4.x and again on 3.9.1.
 */
import assert from 'node:assert/strict';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { kafkaVersionFromEnv } from '../../tools/kafka/versions.ts';
import { createTopic, produceToPartitions, testKafkaClient, uniqueName } from '../support/kafka.ts';

describe(`harness: committed offsets and lag on a real Kafka ${kafkaVersionFromEnv().text} broker @compat`, () => {
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer | undefined;

  beforeEach(async () => {
    const kafka = testKafkaClient();
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    await consumer?.disconnect();
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('reports the exact lag of every partition after a group consumes and commits part of the records', async () => {
    const topic = uniqueName('harness');
    const groupId = uniqueName('harness-group');
    await createTopic(admin, topic, 4);
    // Records produced per partition, and how many of them the group processes and commits.
    const produced = { 0: 10, 1: 7, 2: 5, 3: 0 };
    const toCommit: Record<number, number> = { 0: 4, 1: 7 };
    await produceToPartitions(producer, topic, produced);

    consumer = testKafkaClient().consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const processed: Record<number, number> = { 0: 0, 1: 0 };
    const done = new Promise<void>((resolve) => {
      void consumer!.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const target = toCommit[partition];
          if (target === undefined || Number(message.offset) >= target) return;
          processed[partition] = Number(message.offset) + 1;
          if (Object.entries(toCommit).every(([p, t]) => processed[Number(p)] === t)) resolve();
          await Promise.resolve();
        },
      });
    });
    await done;
    await consumer.commitOffsets(
      Object.entries(toCommit).map(([p, offset]) => ({ topic, partition: Number(p), offset: String(offset) })),
    );
    await consumer.disconnect();
    consumer = undefined;

    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const byPartition = (rows: ReadonlyArray<{ partition: number; offset: string }>): Record<number, string> =>
      Object.fromEntries(rows.map((r) => [r.partition, r.offset]));

    assert.deepEqual(byPartition(committed!.partitions), { 0: '4', 1: '7', 2: '-1', 3: '-1' });
    assert.deepEqual(byPartition(ends), { 0: '10', 1: '7', 2: '5', 3: '0' });
    const lag = Object.fromEntries(
      ends.map((e) => {
        const c = Number(byPartition(committed!.partitions)[e.partition]);
        return [e.partition, c < 0 ? Number(e.offset) : Number(e.offset) - c];
      }),
    );
    // Uncommitted partitions count from the start of the log here: plain end - 0.
    assert.deepEqual(lag, { 0: 6, 1: 0, 2: 5, 3: 0 });
  });
});
