/**
 * What the poll history costs in memory: bytes per partition per minute of
 * history, for partitions that stay the same between polls (an idle or
 * scaled-to-zero group) and for partitions that move on every poll (a busy
 * one). A poller over an in-memory Kafka is polled every 2 s of a moved clock
 * for the shipped history (15 min); the heap is measured after a full GC,
 * with the poller and after it is closed (which frees its history).
 * A benchmark that prints figures, not a test.
 *
 *   node --expose-gc bench/historyBytes.ts [--partitions 2000] [--runs 3]
 */
import { parseArgs } from 'node:util';
import { MemoryKafka } from '../src/kafka/memoryKafka.ts';
import { createLogger } from '../src/logger.ts';
import { PollerRegistry } from '../src/poller/pollerRegistry.ts';

const { values } = parseArgs({
  options: { partitions: { type: 'string', default: '2000' }, runs: { type: 'string', default: '3' } },
});
const PARTITIONS = Number(values.partitions);
const RUNS = Number(values.runs);
const POLL_MS = 2_000;
const HISTORY_MS = 15 * 60_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Bytes per partition per minute of history when `moving` partitions change on every poll. */
async function measure(moving: boolean): Promise<number> {
  const clock = { now: 1_000_000 };
  const kafka = new MemoryKafka('bench:9092', () => clock.now);
  const topics = 20;
  const perTopic = PARTITIONS / topics;
  for (let t = 0; t < topics; t++) {
    kafka.createTopic(`t${t}`, perTopic);
    for (let p = 0; p < perTopic; p++) kafka.produce(`t${t}`, p, 1_000).commit('g', `t${t}`, p, 900);
  }
  kafka.setGroup('g', { state: 'Stable', members: [{ memberId: 'm0', clientId: 'g-1-StreamThread-1-consumer' }] });
  const registry = new PollerRegistry({
    config: { pollIntervalMs: POLL_MS, kafkaTimeoutMs: 10_000, historyMs: HISTORY_MS, pollerIdleTimeoutMs: 3_600_000 },
    createReader: () => kafka,
    logger: createLogger('silent'),
    now: () => clock.now,
    polling: 'manual',
  });
  const topicNames = Array.from({ length: topics }, (_, t) => `t${t}`);
  registry.acquire({ cluster: 'bench:9092', groupId: 'g', topics: topicNames }, { brokers: ['bench:9092'] });
  await registry.pollAll();
  const polls = HISTORY_MS / POLL_MS;
  for (let i = 1; i <= polls; i++) {
    clock.now += POLL_MS;
    if (moving) {
      for (let t = 0; t < topics; t++) {
        for (let p = 0; p < perTopic; p++) kafka.produce(`t${t}`, p, 10).commit('g', `t${t}`, p, 900 + 10 * i);
      }
    }
    await registry.pollAll();
  }
  // What closing the poller frees is its history (the in-memory Kafka's own logs stay).
  const withHistory = await heapAfterGc();
  await registry.close();
  const without = await heapAfterGc();
  return (withHistory - without) / PARTITIONS / (HISTORY_MS / 60_000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Array<[string, number]> = [];
for (const [name, moving] of [
  ['idle (nothing moves)', false],
  ['busy (every partition moves every poll)', true],
] as const) {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(await measure(moving));
  rows.push([name, median(runs)]);
}
process.stdout.write(
  `history memory, ${PARTITIONS} partitions, a poll every ${POLL_MS / 1000} s, ${HISTORY_MS / 60_000} min kept, median of ${RUNS}\n\n` +
    `| partitions | bytes per partition per minute | bytes per partition per poll |\n| --- | --- | --- |\n` +
    rows.map(([name, b]) => `| ${name} | ${Math.round(b)} | ${Math.round(b / (60_000 / POLL_MS))} |`).join('\n') +
    '\n',
);
