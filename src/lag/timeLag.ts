/**
 * Time lag: how long ago the oldest unprocessed record of a partition was
 * produced, estimated from broker data only.
 *
 * - Caught up (or only transaction markers left): 0, however long the topic
 *   has been idle.
 * - The record's own timestamp, when the poller read it (record timestamps
 *   are read for partitions whose committed offset is older than the poll
 *   history, and for small gaps): exact, also when reprocessing from the start.
 * - Otherwise from the poll history: the record at the committed offset was
 *   appended between the last poll whose end offset did not reach it and the
 *   first that did; interpolated linearly between the two.
 * - Older than the history and no timestamp read: at least the age of the
 *   oldest poll (a lower bound, never an extrapolation that can explode).
 */
import { NO_COMMIT, partitionKey, type PartitionOffsets, type Sample } from '../poller/sample.ts';

export interface EndPoint {
  readonly at: number;
  readonly end: bigint;
}

export type TimeLagBasis = 'caught-up' | 'record-timestamp' | 'interpolated' | 'older-than-history';

export interface TimeLag {
  readonly ms: number;
  readonly basis: TimeLagBasis;
}

/** Each partition's end offsets over the history, oldest first. */
export function endSeries(history: readonly Sample[]): Map<string, EndPoint[]> {
  const series = new Map<string, EndPoint[]>();
  for (const sample of history) {
    for (const p of sample.partitions) {
      if (p.end === undefined) continue;
      const key = partitionKey(p.topic, p.partition);
      let points = series.get(key);
      if (!points) series.set(key, (points = []));
      points.push({ at: sample.at, end: p.end });
    }
  }
  return series;
}

export function timeLag(p: PartitionOffsets, series: readonly EndPoint[], now: number): TimeLag {
  if (p.committed === NO_COMMIT || p.end === undefined || p.committed >= p.end || p.dataPending === false) {
    return { ms: 0, basis: 'caught-up' };
  }
  if (p.committedTimestamp !== undefined)
    return { ms: Math.max(0, now - p.committedTimestamp), basis: 'record-timestamp' };
  const first = series.findIndex((point) => point.end > p.committed);
  if (first <= 0) {
    const oldest = series[0];
    return { ms: oldest ? Math.max(0, now - oldest.at) : 0, basis: 'older-than-history' };
  }
  const before = series[first - 1]!;
  const after = series[first]!;
  const position = Number(p.committed - before.end + 1n) / Number(after.end - before.end);
  const appendedAt = before.at + position * (after.at - before.at);
  return { ms: Math.max(0, now - appendedAt), basis: 'interpolated' };
}
