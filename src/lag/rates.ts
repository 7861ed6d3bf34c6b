/**
 * Rates and backlogs per sub-topology from the poll history, for the `rate`
 * strategy: records waiting, records arriving per second (end offsets
 * moving), how many partitions hold a backlog, and the application's
 * instances. What one replica processes is estimated in throughput.ts.
 */
import { columnsOf, NO_COMMIT, sampleBefore, type GroupInfo, type Sample } from '../model/sample.ts';
import type { PartitionColumns } from '../model/partitionColumns.ts';
import { recordsWaitingAt, type WaitingRules } from './recordsWaiting.ts';
import { SampleMemo } from './sampleMemo.ts';

/**
 * A window is busy only while the backlog is at least this many seconds of
 * arrivals: more than Kafka Streams' 30 s commit interval, so the sawtooth of
 * a group that keeps up never counts.
 */
export const BUSY_BACKLOG_SECONDS = 60;

/** The settings a partition's backlog depends on. */
type BacklogRules = WaitingRules;

/** A sample's totals over one set of partitions. */
interface Totals {
  readonly backlog: bigint;
  readonly end: bigint;
  readonly committed: bigint;
  /** How many partitions had an end offset, and how many a committed offset. */
  readonly ends: number;
  readonly commits: number;
}

/**
 * A sample's totals over `keys`, remembered per sample and key set: a
 * history is mostly the same samples from one decision to the next, and the
 * totals are a few numbers. `signature` identifies the key set and the
 * metadata that backlog depends on.
 */
function totalsOf(
  sample: Sample,
  keys: readonly string[],
  signature: string,
  m: BacklogRules,
  memo: SampleMemo,
): Totals {
  return memo.table<Totals>('totals').get(sample, signature, () => {
    let backlog = 0n;
    let end = 0n;
    let committed = 0n;
    let ends = 0;
    let commits = 0;
    const columns = columnsOf(sample);
    const wanted = memo.mask(columns.layout, keys, signature);
    for (let i = 0; i < columns.size; i++) {
      const e = columns.endAt(i);
      if (e === undefined || wanted[i] === 0) continue;
      end += e;
      ends++;
      const c = columns.committedAt(i);
      if (c !== NO_COMMIT) {
        committed += c;
        commits++;
      }
      backlog += recordsWaitingAt(columns, i, m);
    }
    return { backlog, end, committed, ends, commits };
  });
}

/**
 * The key of a set of partitions under `m`'s backlog rules, for the memo's
 * tables (one string object per key set: see SampleMemo.intern).
 */
export function keySignature(keys: readonly string[], m: BacklogRules, memo: SampleMemo): string {
  return memo.intern(`${m.offsetResetPolicy}|${m.scaleToZeroOnInvalidOffset}|${keys.join('\u0001')}`);
}

/** Records waiting to be processed over `keys` (recordsWaiting summed). */
export function backlogAt(
  sample: Sample,
  keys: readonly string[],
  m: BacklogRules,
  memo = new SampleMemo(),
  signature = keySignature(keys, m, memo),
): bigint {
  return totalsOf(sample, keys, signature, m, memo).backlog;
}

/**
 * How many partitions of `keys` have, at sample `i`, a backlog of at least
 * what arrived on them over the last BUSY_BACKLOG_SECONDS: more than the
 * commit sawtooth of a partition that keeps up. Only they give a replica
 * work, and only one thread at a time can work each. Remembered per sample.
 */
export function backloggedPartitions(
  samples: readonly Sample[],
  i: number,
  keys: readonly string[],
  m: BacklogRules,
  memo = new SampleMemo(),
  signature = keySignature(keys, m, memo),
): number {
  const end = samples[i]!;
  const start = samples[sampleBefore(samples, i, BUSY_BACKLOG_SECONDS * 1000) ?? 0]!;
  const counted = memo.table<{ readonly start: Sample; readonly count: number }>('backlogged').get(
    end,
    signature,
    () => {
      const now = columnsOf(end);
      const then = columnsOf(start);
      const wanted = memo.mask(now.layout, keys, signature);
      let count = 0;
      for (let i = 0; i < now.size; i++) {
        if (wanted[i] === 0) continue;
        const backlog = recordsWaitingAt(now, i, m);
        if (backlog === 0n) continue;
        const last = now.endAt(i)!;
        const j = then.layout === now.layout ? i : then.layout.indexOf(now.layout.keys[i]!, i);
        const before = (j === undefined ? undefined : then.endAt(j)) ?? last;
        const arrived = last > before ? last - before : 0n;
        if (backlog >= (arrived > 0n ? arrived : 1n)) count++;
      }
      return { start, count };
    },
    // The window starts at another poll once the history lost the one it started at.
    (cached) => cached.start === start,
  );
  return counted.count;
}

/**
 * How far end or committed offsets moved from `a` to `b` over `keys`. From
 * the remembered totals when both samples saw the same partitions; else
 * partition by partition, skipping partitions missing or uncommitted in
 * either and any that went backwards.
 */
export function delta(
  a: Sample,
  b: Sample,
  keys: readonly string[],
  field: 'end' | 'committed',
  m: BacklogRules,
  memo: SampleMemo,
  signature: string,
): bigint {
  const ta = totalsOf(a, keys, signature, m, memo);
  const tb = totalsOf(b, keys, signature, m, memo);
  if (ta.ends === tb.ends && ta.commits === tb.commits && ta.ends === keys.length) {
    const moved = tb[field] - ta[field];
    return moved > 0n ? moved : 0n;
  }
  const ca = columnsOf(a);
  const cb = columnsOf(b);
  const value = (c: PartitionColumns, i: number | undefined): bigint | undefined =>
    i === undefined ? undefined : field === 'end' ? c.endAt(i) : c.committedAt(i);
  let sum = 0n;
  for (const key of keys) {
    const x = value(ca, ca.layout.indexOf(key));
    const y = value(cb, cb.layout.indexOf(key));
    if (x === undefined || y === undefined || x === NO_COMMIT || y === NO_COMMIT || y < x) continue;
    sum += y - x;
  }
  return sum;
}

/** Records per second arriving over `keys`, over the window ending at sample `i`. */
export function arrivalRate(
  samples: readonly Sample[],
  i: number,
  keys: readonly string[],
  windowMs: number,
  m: BacklogRules,
  memo = new SampleMemo(),
  signature = keySignature(keys, m, memo),
): number | undefined {
  const end = samples[i];
  if (!end) return undefined;
  const start = samples[sampleBefore(samples, i, windowMs) ?? 0]!;
  if (end.at <= start.at) return undefined;
  return Number(delta(start, end, keys, 'end', m, memo, signature)) / ((end.at - start.at) / 1000);
}

/**
 * Application instances: the larger of the distinct Kafka Streams processes
 * seen in the client ids and members / streamThreads (a constant client.id
 * would make every pod look like one process).
 */
export function instancesOf(group: GroupInfo, streamThreads: number): number | undefined {
  if (group.members === 0) return undefined;
  return Math.max(group.instances ?? 0, group.members / streamThreads);
}

/** Where a look back of `windowMs` from a sample starts: the sample, and whether the history was too short (its first sample). */
interface WindowStart {
  readonly start: Sample | undefined;
  readonly clamped: boolean;
}

function windowStart(samples: readonly Sample[], i: number, windowMs: number): WindowStart {
  const found = sampleBefore(samples, i, windowMs);
  return { start: samples[found ?? 0], clamped: found === undefined };
}

/**
 * Whether a value computed over the window `from` still holds for a sample
 * of `samples` (a history that since only lost polls at the front and gained
 * polls at the end): a window that found its start keeps it while that poll
 * is still in the history; one that reached the first poll holds only while
 * that is still the first.
 */
function sameStart(from: WindowStart, samples: readonly Sample[]): boolean {
  const first = samples[0];
  if (from.clamped) return from.start === first;
  return from.start !== undefined && first !== undefined && from.start.at >= first.at;
}

/**
 * arrivalRate at every sample of `samples`, kept by position between
 * decisions (SampleMemo.series) while its window starts at the same sample.
 */
export function arrivalRates(
  samples: readonly Sample[],
  keys: readonly string[],
  windowMs: number,
  m: BacklogRules,
  memo: SampleMemo,
  signature: string,
): ReadonlyArray<number | undefined> {
  return memo
    .series<{ readonly from: WindowStart; readonly rate: number | undefined }>(
      `arrival|${windowMs}|${signature}`,
      samples,
      (i) => ({
        from: windowStart(samples, i, windowMs),
        rate: arrivalRate(samples, i, keys, windowMs, m, memo, signature),
      }),
      (cached) => sameStart(cached.from, samples),
    )
    .map((v) => v.rate);
}

/** backloggedPartitions at every sample of `samples`, kept by position between decisions like arrivalRates. */
export function backloggedSeries(
  samples: readonly Sample[],
  keys: readonly string[],
  m: BacklogRules,
  memo: SampleMemo,
  signature: string,
): readonly number[] {
  const windowMs = BUSY_BACKLOG_SECONDS * 1000;
  return memo
    .series<{ readonly from: WindowStart; readonly count: number }>(
      `backlogged|${signature}`,
      samples,
      (i) => ({
        from: windowStart(samples, i, windowMs),
        count: backloggedPartitions(samples, i, keys, m, memo, signature),
      }),
      (cached) => sameStart(cached.from, samples),
    )
    .map((v) => v.count);
}
