/**
 * excludePersistentLag, decided from the poller's own history rather than from
 * how often KEDA happens to call: a partition's lag is persistent when its
 * committed offset has stood still for the whole `windowMs` (KEDA compares
 * with its previous call, 30 s apart at the default pollingInterval). Every
 * scaler replica sees the same history, so every replica gives the same answer.
 */
import { NO_COMMIT, partitionKey, type Sample } from '../poller/sample.ts';

/** Keys (see partitionKey) of partitions whose committed offset did not move during the last `windowMs`. */
export function persistentPartitions(history: readonly Sample[], windowMs: number): ReadonlySet<string> {
  const latest = history[history.length - 1];
  if (!latest) return new Set();
  let from = -1;
  for (let i = history.length - 1; i >= 0; i--) {
    if (latest.at - history[i]!.at >= windowMs) {
      from = i;
      break;
    }
  }
  // The history does not reach back a whole window yet: nothing is persistent.
  if (from < 0) return new Set();

  const candidates = new Map<string, bigint>();
  for (const p of latest.partitions) {
    if (p.committed !== NO_COMMIT) candidates.set(partitionKey(p.topic, p.partition), p.committed);
  }
  for (let i = from; i < history.length - 1 && candidates.size > 0; i++) {
    const seen = new Map(history[i]!.partitions.map((p) => [partitionKey(p.topic, p.partition), p.committed]));
    for (const [key, committed] of candidates) {
      if (seen.get(key) !== committed) candidates.delete(key);
    }
  }
  return new Set(candidates.keys());
}
