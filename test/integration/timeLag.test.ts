/**
 * The `time` strategy against producers that stamp records: its estimate of
 * the age of the oldest unprocessed record is within 10 % (or 2 s) of the
 * truth, for steady and bursty traffic, 0 on an idle caught-up topic, and
 * exact for records older than the poll history (reprocessing from the start).
 *
 * The consumer group trails the producer by committing, every second, the
 * offset produced a fixed time ago on each partition.
 */
import assert from 'node:assert/strict';
import type { Admin, Producer } from 'kafkajs';
import { startTestApp, type TestApp } from '../support/app.ts';
import { commitOffsets, createTopic, testBootstrap, testKafkaClient, uniqueName } from '../support/kafka.ts';

const PARTITIONS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Produces stamped records and remembers when each offset was produced. */
class StampingProducer {
  readonly stamps: Array<Map<number, number>> = Array.from({ length: PARTITIONS }, () => new Map<number, number>());
  readonly ends: number[] = Array.from({ length: PARTITIONS }, () => 0);
  readonly #producer: Producer;
  readonly #topic: string;

  constructor(producer: Producer, topic: string) {
    this.#producer = producer;
    this.#topic = topic;
  }

  async send(perPartition: number): Promise<void> {
    const now = Date.now();
    const messages = Array.from({ length: PARTITIONS }, (_, partition) =>
      Array.from({ length: perPartition }, () => ({ partition, value: String(now), timestamp: String(now) })),
    ).flat();
    const results = await this.#producer.send({ topic: this.#topic, messages });
    for (const r of results) {
      const base = Number(r.baseOffset);
      for (let i = 0; i < perPartition; i++) this.stamps[r.partition]!.set(base + i, now);
      this.ends[r.partition] = base + perPartition;
    }
  }

  /** The offset of the first record produced at or after `time` (the end if none). */
  offsetAt(partition: number, time: number): number {
    for (const [offset, stamp] of this.stamps[partition]!) if (stamp >= time) return offset;
    return this.ends[partition]!;
  }
}

describe('time lag against stamped records', function () {
  this.timeout(120_000);
  let app: TestApp;
  let admin: Admin;
  let producer: Producer;

  beforeEach(async () => {
    app = await startTestApp({ SCALER_POLL_INTERVAL: '500ms' });
    const kafka = testKafkaClient();
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await app.stop();
  });

  const decide = (groupId: string, topic: string) =>
    app.scaler.evaluate({
      name: groupId,
      namespace: 'time',
      scalerMetadata: { bootstrapServers: testBootstrap(), consumerGroup: groupId, topic, lagStrategy: 'time' },
    });

  /** Compares the estimate of every partition with the true age of the record at its committed offset. */
  async function check(
    groupId: string,
    topic: string,
    stamps: StampingProducer,
    committed: number[],
    label: string,
  ): Promise<void> {
    const { decision } = await decide(groupId, topic);
    const now = Date.now();
    const report: string[] = [];
    for (const p of decision.partitions) {
      const offset = committed[p.partition]!;
      const stamp = stamps.stamps[p.partition]!.get(offset);
      const truth = stamp === undefined ? 0 : (now - stamp) / 1000;
      const estimate = p.timeLagSeconds ?? NaN;
      const allowed = Math.max(2, 0.1 * truth);
      report.push(`${label} p${p.partition}: estimate ${estimate}s, true ${truth.toFixed(1)}s`);
      assert.ok(Math.abs(estimate - truth) <= allowed, `${report.join('; ')}: off by more than ${allowed.toFixed(1)}s`);
    }
  }

  it('steady and bursty traffic: within 10 % or 2 s; idle and caught up: exactly 0', async () => {
    const topic = uniqueName('stamped');
    const groupId = uniqueName('trailing');
    await createTopic(admin, topic, PARTITIONS);
    const stamps = new StampingProducer(producer, topic);
    await commitOffsets(groupId, topic, { 0: 0, 1: 0 });
    await decide(groupId, topic).catch(() => undefined); // the poller starts keeping history now

    // Steady: 20 records a second per partition for 12 s, the group trailing 6 s behind.
    const started = Date.now();
    let committed: number[];
    for (let second = 0; second < 12; second++) {
      await stamps.send(20);
      committed = [0, 1].map((p) => stamps.offsetAt(p, Date.now() - 6_000));
      await commitOffsets(groupId, topic, { 0: committed[0]!, 1: committed[1]! });
      await sleep(1_000 - ((Date.now() - started) % 1_000));
      if (second >= 8) await check(groupId, topic, stamps, committed, `steady t=${second}s`);
    }

    // Bursty: 200 records per partition every 4 s, nothing in between; the group 5 s behind.
    for (let burst = 0; burst < 4; burst++) {
      await stamps.send(200);
      for (let second = 0; second < 4; second++) {
        committed = [0, 1].map((p) => stamps.offsetAt(p, Date.now() - 5_000));
        await commitOffsets(groupId, topic, { 0: committed[0]!, 1: committed[1]! });
        await sleep(1_000);
        if (burst >= 1) await check(groupId, topic, stamps, committed, `burst ${burst}+${second}s`);
      }
    }

    // Idle: the group catches up and the topic stays quiet: 0, not a growing number.
    await commitOffsets(groupId, topic, { 0: stamps.ends[0]!, 1: stamps.ends[1]! });
    await sleep(3_000);
    const idle = (await decide(groupId, topic)).decision;
    assert.deepEqual(
      idle.partitions.map((p) => p.timeLagSeconds),
      [0, 0],
    );
    assert.equal(idle.metricValue, 0);
    assert.equal(idle.active, false);
  });

  it('records older than the poll history (reprocessing from the start): their own timestamps, not an extrapolation', async () => {
    const topic = uniqueName('old');
    const groupId = uniqueName('reprocess');
    await createTopic(admin, topic, PARTITIONS);
    const stamps = new StampingProducer(producer, topic);
    await stamps.send(50);
    await sleep(8_000);
    await stamps.send(50);
    // A new group starts from the beginning; the scaler has no history of this topic yet.
    await commitOffsets(groupId, topic, { 0: 0, 1: 0 });
    await decide(groupId, topic).catch(() => undefined);
    await sleep(1_500);
    await check(groupId, topic, stamps, [0, 0], 'reprocessing');
  });
});
