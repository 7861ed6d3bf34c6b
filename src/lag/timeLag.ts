/**
 * Time lag: how long ago the oldest unprocessed record of a partition was
 * produced, estimated from broker data only.
 *
 * - Caught up (or only transaction markers left): 0, however long the topic
 *   has been idle.
 * - Within the poll history: the record at the committed offset was appended
 *   between the last poll whose end offset did not reach it and the first
 *   that did; interpolated linearly between the two. This is time waiting in
 *   Kafka, whatever event time the producer stamped.
 * - Older than the history: the record's own timestamp when the poller read
 *   it, else interpolated between a timestamp read earlier for a lower offset
 *   and the oldest poll; never less than the age of the oldest poll (the
 *   record is at least that old), and never extrapolated beyond the data.
 */
import { columnsOf, partitionKey, type PartitionOffsets, type Sample } from '../model/sample.ts';
import { committedWaiting } from './recordsWaiting.ts';

export interface EndPoint {
  readonly at: number;
  readonly end: bigint;
}

export type TimeLagBasis = 'caught-up' | 'interpolated' | 'record-timestamp' | 'anchored' | 'older-than-history';

export interface TimeLag {
  readonly ms: number;
  readonly basis: TimeLagBasis;
}

/** Each partition's end offsets over the history, oldest first. */
export function endSeries(history: readonly Sample[]): Map<string, EndPoint[]> {
  const series = new Map<string, EndPoint[]>();
  for (const sample of history) {
    const columns = columnsOf(sample);
    for (let i = 0; i < columns.size; i++) {
      const end = columns.endAt(i);
      if (end === undefined) continue;
      const key = columns.layout.keys[i]!;
      let points = series.get(key);
      if (!points) series.set(key, (points = []));
      points.push({ at: sample.at, end });
    }
  }
  return series;
}

export function timeLag(p: PartitionOffsets, series: readonly EndPoint[], now: number): TimeLag {
  return estimate(p, series.length, (i) => series[i], now);
}

/**
 * timeLag over a poll history directly, without building series: for a
 * decision over many partitions. `index` is the partition's place in the
 * latest sample (the samples of one poller list their partitions in one order).
 */
export function timeLagInHistory(p: PartitionOffsets, index: number, history: readonly Sample[], now: number): TimeLag {
  const key = partitionKey(p.topic, p.partition);
  return estimate(
    p,
    history.length,
    (i) => {
      const sample = history[i]!;
      const columns = columnsOf(sample);
      const at = columns.layout.indexOf(key, index);
      const end = at === undefined ? undefined : columns.endAt(at);
      return end === undefined ? undefined : { at: sample.at, end };
    },
    now,
  );
}

/**
 * The estimate over `count` polls whose end offsets `pointAt` gives, oldest
 * first (undefined: the partition was not there yet). End offsets only grow,
 * so the first poll past the committed offset is found by binary search.
 */
function estimate(
  p: PartitionOffsets,
  count: number,
  pointAt: (i: number) => EndPoint | undefined,
  now: number,
): TimeLag {
  if (committedWaiting(p) === 0n) return { ms: 0, basis: 'caught-up' };
  const reached = (i: number): boolean => (pointAt(i)?.end ?? -1n) > p.committed;
  let lo = 0;
  let hi = count - 1;
  if (count === 0 || !reached(hi)) return { ms: 0, basis: 'caught-up' };
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (reached(mid)) hi = mid;
    else lo = mid + 1;
  }
  const first = lo;
  const before = first > 0 ? pointAt(first - 1) : undefined;
  if (before) {
    const after = pointAt(first)!;
    const position = Number(p.committed - before.end + 1n) / Number(after.end - before.end);
    const appendedAt = before.at + position * (after.at - before.at);
    return { ms: Math.max(0, now - appendedAt), basis: 'interpolated' };
  }
  const oldest = pointAt(first)!;
  const atLeast = Math.max(0, now - oldest.at);
  if (p.committedTimestamp !== undefined) {
    return { ms: Math.max(atLeast, now - p.committedTimestamp), basis: 'record-timestamp' };
  }
  const anchor = p.timestampAnchor;
  if (anchor && anchor.offset <= p.committed && oldest.end > anchor.offset) {
    const position = Number(p.committed - anchor.offset) / Number(oldest.end - anchor.offset);
    const appendedAt = anchor.timestamp + position * (oldest.at - anchor.timestamp);
    return { ms: Math.max(atLeast, now - appendedAt), basis: 'anchored' };
  }
  return { ms: atLeast, basis: 'older-than-history' };
}
