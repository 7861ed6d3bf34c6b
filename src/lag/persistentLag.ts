/**
 * Partitions whose committed offset has stood still, decided from the
 * poller's own history rather than from how often KEDA happens to call, so
 * every scaler replica gives the same answer.
 *
 * - Persistent lag (excludePersistentLag): the committed offset did not move
 *   for the whole window (KEDA compares with its previous call instead).
 * - Stalled (Burrow's STALL/STOP, simplified): persistent, with unprocessed
 *   records and group members throughout the window: consumers are there and
 *   not making progress, so more replicas would not help.
 */
import { NO_COMMIT, partitionKey, sampleBefore, type PartitionOffsets, type Sample } from '../model/sample.ts';

/** Keys (see partitionKey) of partitions whose committed offset did not move during the last `windowMs`. */
export function persistentPartitions(history: readonly Sample[], windowMs: number): ReadonlySet<string> {
  return standingStill(history, windowMs, () => true);
}

/** Persistent partitions that had unprocessed data and a group with members at every sample of the window. */
export function stalledPartitions(history: readonly Sample[], windowMs: number): ReadonlySet<string> {
  return standingStill(history, windowMs, (p, sample) => sample.group.members > 0 && hasUnprocessedData(p));
}

/** Records past the committed offset that are data (not only transaction markers). */
export function hasUnprocessedData(p: PartitionOffsets): boolean {
  return p.committed !== NO_COMMIT && p.end !== undefined && p.end > p.committed && p.dataPending !== false;
}

function standingStill(
  history: readonly Sample[],
  windowMs: number,
  holds: (p: PartitionOffsets, sample: Sample) => boolean,
): ReadonlySet<string> {
  const latest = history[history.length - 1];
  if (!latest) return new Set();
  const from = sampleBefore(history, history.length - 1, windowMs);
  // The history does not reach back a whole window yet: nothing qualifies.
  if (from === undefined) return new Set();

  const candidates = new Map<string, bigint>();
  for (const p of latest.partitions) {
    if (p.committed !== NO_COMMIT && holds(p, latest)) candidates.set(partitionKey(p.topic, p.partition), p.committed);
  }
  for (let i = from; i < history.length - 1 && candidates.size > 0; i++) {
    const sample = history[i]!;
    const seen = new Map(sample.partitions.map((p) => [partitionKey(p.topic, p.partition), p]));
    for (const [key, committed] of candidates) {
      const p = seen.get(key);
      if (!p || p.committed !== committed || !holds(p, sample)) candidates.delete(key);
    }
  }
  return new Set(candidates.keys());
}
