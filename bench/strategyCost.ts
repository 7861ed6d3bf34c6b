/**
 * What one decision costs, per strategy, at realistic sizes: a full history
 * (450 polls: 15 minutes at 2 s) of an application with two sub-topologies,
 * in two cases: a backlog the group works on (busy: `rate` learns its
 * throughput), and a group that keeps up, committing every 30 s (`rate`
 * finds no busy time and looks for a floor). "first" is a decision on a
 * history never seen before (nothing cached); "per poll" is the next
 * decision after one new poll, which is what the scaler pays in steady
 * state (per-sample figures are cached). Prints the median of repeated
 * runs; it is a benchmark, not a test.
 *
 *   node bench/strategyCost.ts [--partitions 100,300,1000] [--runs 15]
 */
import { parseArgs } from 'node:util';
import { strategyByName } from '../src/lag/registry.ts';
import type { PartitionOffsets, Sample } from '../src/model/sample.ts';
import { parseTriggerMetadata } from '../src/model/metadata/triggerMetadata.ts';

const { values } = parseArgs({
  options: { partitions: { type: 'string', default: '100,300,1000' }, runs: { type: 'string', default: '15' } },
});
const SAMPLES = 450;

interface Case {
  readonly name: string;
  /** Committed and end offsets of partition `p` at poll `i`. */
  readonly offsets: (p: number, i: number) => { committed: bigint; end: bigint };
}

const CASES: readonly Case[] = [
  {
    name: 'backlog',
    // 15/s arriving, 12.5/s processed per partition, 10 000 waiting at the start.
    offsets: (_p, i) => ({ committed: BigInt(25 * i), end: BigInt(10_000 + 30 * i) }),
  },
  {
    name: 'keep-up',
    // 15/s arriving and processed per partition, committed every 30 s (15 polls), partitions not in step.
    offsets: (p, i) => ({ committed: BigInt(30 * (i - ((i + p) % 15))), end: BigInt(30 * i) }),
  },
];

/** Half the partitions on the source topic, half on a repartition topic. */
function history(c: Case, partitions: number, from = 0, count = SAMPLES): Sample[] {
  const half = Math.ceil(partitions / 2);
  const out: Sample[] = [];
  for (let i = from; i < from + count; i++) {
    const t = i * 2_000;
    const rows: PartitionOffsets[] = [];
    for (let p = 0; p < partitions; p++) {
      const topic = p < half ? 'words' : 'app-by-word-repartition';
      const { committed, end } = c.offsets(p, i);
      rows.push({ topic, partition: p % half, committed: committed < 0n ? 0n : committed, end, start: 0n });
    }
    out.push({
      seq: i + 1,
      at: t,
      partitions: rows,
      group: { state: 'Stable', members: 4, instances: 4, memberIds: ['a', 'b', 'c', 'd'] },
    });
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const runs = Number(values.runs);
process.stdout.write(`decision cost in ms, median of ${runs} runs, ${SAMPLES} polls of history\n`);
for (const c of CASES) {
  process.stdout.write(`\n${c.name}\npartitions   offset first/per poll   time first/per poll   rate first/per poll\n`);
  for (const partitions of values.partitions.split(',').map(Number)) {
    const cells: string[] = [];
    for (const name of ['offset', 'time', 'rate']) {
      const { metadata } = parseTriggerMetadata({
        bootstrapServers: 'k:9092',
        consumerGroup: 'app',
        lagStrategy: name,
      });
      const strategy = strategyByName(name);
      const first: number[] = [];
      const perPoll: number[] = [];
      for (let r = 0; r < runs; r++) {
        let h = history(c, partitions);
        let started = performance.now();
        const decision = strategy.decide({ metadata, latest: h[h.length - 1]!, history: h, now: h[h.length - 1]!.at });
        first.push(performance.now() - started);
        h = [...h.slice(1), ...history(c, partitions, SAMPLES, 1)];
        started = performance.now();
        strategy.decide({
          metadata,
          latest: h[h.length - 1]!,
          history: h,
          now: h[h.length - 1]!.at,
          previous: decision,
        });
        perPoll.push(performance.now() - started);
      }
      cells.push(`${median(first).toFixed(1).padStart(8)} / ${median(perPoll).toFixed(1).padEnd(6)}`);
    }
    process.stdout.write(`${String(partitions).padStart(10)}  ${cells.join('  ')}\n`);
  }
}
