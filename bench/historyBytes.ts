/**
 * What the poll history costs in memory: bytes per partition per minute of
 * history, for partitions that stay the same between polls (an idle or
 * scaled-to-zero group) and for partitions that move on every poll (a busy
 * one), in one group and spread over groups of 10 partitions (each its own
 * poller, as at 2,000 groups × 20,000 partitions). Pollers over an in-memory
 * Kafka are polled every 2 s of a moved clock for the shipped history
 * (15 min); memory (the V8 heap plus array buffers, where typed arrays keep
 * their data) is measured after a full GC, with the pollers and after they
 * are closed (which frees their history). The last case puts a trigger
 * (the `offset` strategy) on each group of a busy spread, served by the
 * scaler service as GetMetrics is: then the figure is everything a tracked
 * trigger holds (its poller's history, its decisions' memo, its status
 * figures), freed with the service. The very last moves one partition of
 * each group per poll and keeps every partition 3 records behind, so the
 * ones standing still are looked at (the transaction-marker check) and a
 * poll's record of it is kept, as for an app that lags a little everywhere.
 * A benchmark that prints figures, not a test.
 *
 *   node --expose-gc bench/historyBytes.ts [--partitions 2000] [--runs 3]
 */
import { parseArgs } from 'node:util';
import { MemoryKafka } from '../src/kafka/memoryKafka.ts';
import { createLogger } from '../src/logger.ts';
import { PollerRegistry } from '../src/poller/pollerRegistry.ts';
import { ScalerService } from '../src/scaler/scalerService.ts';

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
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Partitions per group when spread over groups. */
const GROUP_SIZE = 10;

/**
 * Bytes per partition per minute of history when `moving` partitions change
 * on every poll; one group over every partition, or `spread` over groups of
 * GROUP_SIZE partitions.
 */
async function measure(
  moving: boolean,
  spread: boolean,
  triggers = false,
  { behind = 100, rotating = false } = {},
): Promise<number> {
  const clock = { now: 1_000_000 };
  const kafka = new MemoryKafka('bench:9092', () => clock.now);
  const topics = spread ? PARTITIONS / GROUP_SIZE : 20;
  const perTopic = PARTITIONS / topics;
  const groupOf = (t: number): string => (spread ? `g${t}` : 'g');
  for (let t = 0; t < topics; t++) {
    kafka.createTopic(`t${t}`, perTopic);
    for (let p = 0; p < perTopic; p++) kafka.produce(`t${t}`, p, 1_000).commit(groupOf(t), `t${t}`, p, 1_000 - behind);
  }
  for (const group of new Set(Array.from({ length: topics }, (_, t) => groupOf(t)))) {
    kafka.setGroup(group, {
      state: 'Stable',
      members: [{ memberId: 'm0', clientId: `${group}-1-StreamThread-1-consumer` }],
    });
  }
  const registry = new PollerRegistry({
    config: { pollIntervalMs: POLL_MS, kafkaTimeoutMs: 10_000, historyMs: HISTORY_MS, pollerIdleTimeoutMs: 3_600_000 },
    createReader: () => kafka,
    logger: createLogger('silent'),
    now: () => clock.now,
    polling: 'manual',
  });
  const topicNames = Array.from({ length: topics }, (_, t) => `t${t}`);
  if (spread) {
    for (let t = 0; t < topics; t++) {
      registry.acquire({ cluster: 'bench:9092', groupId: groupOf(t), topics: [`t${t}`] }, { brokers: ['bench:9092'] });
    }
  } else {
    registry.acquire({ cluster: 'bench:9092', groupId: 'g', topics: topicNames }, { brokers: ['bench:9092'] });
  }
  let scaler: ScalerService | undefined = triggers
    ? new ScalerService({
        registry,
        config: { maxStalenessMs: 60_000, firstPollWaitMs: 10_000, historyMs: HISTORY_MS },
        logger: createLogger('silent'),
        now: () => clock.now,
      })
    : undefined;
  const asked = (scaler ? Array.from({ length: topics }, (_, t) => t) : []).map((t) =>
    scaler!.evaluate({
      name: `so${t}`,
      namespace: 'bench',
      scalerMetadata: {
        bootstrapServers: 'bench:9092',
        consumerGroup: groupOf(t),
        topic: `t${t}`,
        lagThreshold: '100',
      },
    }),
  );
  await registry.pollAll();
  await Promise.all(asked);
  const polls = HISTORY_MS / POLL_MS;
  const ends = Array.from({ length: topics }, () => new Array<number>(perTopic).fill(1_000));
  for (let i = 1; i <= polls; i++) {
    clock.now += POLL_MS;
    if (moving) {
      for (let t = 0; t < topics; t++) {
        for (let p = 0; p < perTopic; p++) {
          if (rotating && p !== i % perTopic) continue;
          ends[t]![p]! += 10;
          kafka.produce(`t${t}`, p, 10).commit(groupOf(t), `t${t}`, p, ends[t]![p]! - behind);
        }
      }
    }
    await registry.pollAll();
  }
  // What closing the poller frees is its history (the in-memory Kafka's own logs stay).
  const withHistory = await heapAfterGc();
  await registry.close();
  scaler = undefined;
  const without = await heapAfterGc();
  return (withHistory - without) / PARTITIONS / (HISTORY_MS / 60_000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Array<[string, number]> = [];
const TRIGGERED = `an \`offset\` trigger on each (history, memo, status figures)`;
for (const [name, moving, spread, triggers, lag] of [
  ['idle (nothing moves), one group', false, false, false, {}],
  ['busy (every partition moves every poll), one group', true, false, false, {}],
  [`idle, groups of ${GROUP_SIZE} partitions`, false, true, false, {}],
  [`busy, groups of ${GROUP_SIZE} partitions`, true, true, false, {}],
  [`busy, groups of ${GROUP_SIZE} partitions, ${TRIGGERED}`, true, true, true, {}],
  [
    `one partition of each group of ${GROUP_SIZE} moves per poll, all 3 records behind (the others looked at), ${TRIGGERED}`,
    true,
    true,
    true,
    { behind: 3, rotating: true },
  ],
] as const) {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(await measure(moving, spread, triggers, lag));
  rows.push([name, median(runs)]);
}
process.stdout.write(
  `history memory, ${PARTITIONS} partitions, a poll every ${POLL_MS / 1000} s, ${HISTORY_MS / 60_000} min kept, median of ${RUNS}\n\n` +
    `| partitions | bytes per partition per minute | bytes per partition per poll |\n| --- | --- | --- |\n` +
    rows.map(([name, b]) => `| ${name} | ${Math.round(b)} | ${Math.round(b / (60_000 / POLL_MS))} |`).join('\n') +
    '\n',
);
