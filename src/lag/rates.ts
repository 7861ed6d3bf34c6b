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

/**
 * The span over which the lowest backlog is read to tell whether a group
 * falls behind: longer than Kafka Streams' default 30 s commit interval by a
 * few polls, so it holds a commit of every task and the lowest value is the
 * backlog without the sawtooth of commits.
 */
export const SAWTOOTH_MS = 40_000;

/**
 * The lowest of `backlogs` (one per sample) over the SAWTOOTH_MS up to sample
 * `i`: the backlog without the sawtooth of commits.
 */
export function lowBacklog(samples: readonly Sample[], backlogs: readonly bigint[], i: number): bigint {
  const from = samples[i]!.at - SAWTOOTH_MS;
  let low = backlogs[i]!;
  for (let k = i - 1; k >= 0 && samples[k]!.at >= from; k--) if (backlogs[k]! < low) low = backlogs[k]!;
  return low;
}

/**
 * Records waiting over `keys` in `sample`, remembered per sample and key set:
 * a history is mostly the same samples from one decision to the next.
 * `signature` identifies the key set and the metadata that backlog depends on.
 */
function backlogOf(
  sample: Sample,
  keys: readonly string[],
  signature: string,
  m: WaitingRules,
  memo: SampleMemo,
): bigint {
  return memo.table<bigint>('backlog').get(sample, signature, () => {
    const columns = columnsOf(sample);
    const wanted = memo.mask(columns.layout, keys, signature);
    let backlog = 0n;
    for (let i = 0; i < columns.size; i++) if (wanted[i] === 1) backlog += recordsWaitingAt(columns, i, m);
    return backlog;
  });
}

/**
 * The key of a set of partitions under `m`'s backlog rules, for the memo's
 * tables (one string object per key set: see SampleMemo.intern).
 */
export function keySignature(keys: readonly string[], m: WaitingRules, memo: SampleMemo): string {
  return memo.intern(`${m.offsetResetPolicy}|${m.scaleToZeroOnInvalidOffset}|${keys.join('\u0001')}`);
}

/** Records waiting to be processed over `keys` (recordsWaiting summed). */
export function backlogAt(
  sample: Sample,
  keys: readonly string[],
  m: WaitingRules,
  memo = new SampleMemo(),
  signature = keySignature(keys, m, memo),
): bigint {
  return backlogOf(sample, keys, signature, m, memo);
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
  m: WaitingRules,
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
        const j = then.layout.indexOf(now.layout.keys[i]!, i);
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
 * How far end or committed offsets moved from `a` to `b` over `keys`,
 * partition by partition: partitions missing or uncommitted in either add
 * nothing, nor do offsets that went back (a reset or a recreated topic).
 * Arrival (end offsets) and processing (committed offsets) are measured by
 * this one function, for the strategies and the status figures alike.
 */
export function delta(
  a: Sample,
  b: Sample,
  keys: readonly string[],
  field: 'end' | 'committed',
  memo: SampleMemo,
  signature: string,
): bigint {
  const ca = columnsOf(a);
  const cb = columnsOf(b);
  if (ca === cb) return 0n;
  const read = field === 'end' ? readEnd : readCommitted;
  let sum = 0n;
  const add = (x: bigint | undefined, y: bigint | undefined): void => {
    if (x !== undefined && y !== undefined && x !== NO_COMMIT && y !== NO_COMMIT && y > x) sum += y - x;
  };
  if (ca.layout === cb.layout) {
    const wanted = memo.mask(cb.layout, keys, signature);
    for (let i = 0; i < cb.size; i++) if (wanted[i] === 1) add(read(ca, i), read(cb, i));
    return sum;
  }
  for (const key of keys) {
    const i = ca.layout.indexOf(key);
    const j = cb.layout.indexOf(key);
    add(i === undefined ? undefined : read(ca, i), j === undefined ? undefined : read(cb, j));
  }
  return sum;
}

const readEnd = (c: PartitionColumns, i: number): bigint | undefined => c.endAt(i);
const readCommitted = (c: PartitionColumns, i: number): bigint => c.committedAt(i);

/**
 * Records per second arriving over `keys`, over the window ending at sample
 * `i`; remembered per sample, key set and window while the window starts at
 * the same sample (a decision looks back at many past polls' arrivals).
 */
export function arrivalRate(
  samples: readonly Sample[],
  i: number,
  keys: readonly string[],
  windowMs: number,
  m: WaitingRules,
  memo = new SampleMemo(),
  signature = keySignature(keys, m, memo),
): number | undefined {
  const end = samples[i];
  if (!end) return undefined;
  const start = samples[sampleBefore(samples, i, windowMs) ?? 0]!;
  if (end.at <= start.at) return undefined;
  return memo.table<{ readonly start: Sample; readonly rate: number }>(`arrival|${windowMs}`).get(
    end,
    signature,
    () => ({ start, rate: Number(delta(start, end, keys, 'end', memo, signature)) / ((end.at - start.at) / 1000) }),
    (cached) => cached.start === start,
  ).rate;
}

/**
 * Application instances: the Kafka Streams processes the group shows (a
 * streams group's process ids, or the classic members' client ids, see
 * GroupInfo.instances), else members / streamThreads. Counting members
 * where the processes are known would count every stream thread as a
 * replica, and learn a per-thread throughput as a replica's.
 */
export function instancesOf(group: GroupInfo, streamThreads: number): number | undefined {
  if (group.members === 0) return undefined;
  return group.instances ?? group.members / streamThreads;
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
  m: WaitingRules,
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
  m: WaitingRules,
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
