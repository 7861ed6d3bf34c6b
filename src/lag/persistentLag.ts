/**
 * Partitions whose committed offset has stood still, decided from the
 * poller's own history rather than from how often KEDA happens to call, so
 * every scaler replica gives the same answer.
 *
 * - Persistent lag (excludePersistentLag): the committed offset did not move
 *   for the whole window (KEDA compares with its previous call instead).
 * - Stalled (Burrow's STALL/STOP, simplified): persistent, with unprocessed
 *   records and group members throughout the window: consumers are there and
 *   not making progress, so more replicas would not help. Where the group
 *   tells which member owns the partition, only when that member committed
 *   nothing at all in the window: a member that moves its other partitions
 *   is busy, not stuck (one Kafka Streams thread starving one of its tasks),
 *   and more replicas do help that partition.
 * - Gone: a group that had members within the history has none now while
 *   records wait: its instances stopped, crashed or hang. Not a stall (no
 *   member is there to be stuck), and said as what it is.
 */
import { columnsOf, NO_COMMIT, sampleBefore, type Sample } from '../model/sample.ts';
import type { PartitionColumns } from '../model/partitionColumns.ts';
import { columnOffsets, committedWaiting } from './recordsWaiting.ts';

/** Keys (see partitionKey) of partitions whose committed offset did not move during the last `windowMs`. */
export function persistentPartitions(history: readonly Sample[], windowMs: number): ReadonlySet<string> {
  return standingStill(history, windowMs, () => true);
}

/**
 * Persistent partitions that had unprocessed data and a group with members
 * at every sample of the window, and whose owning member (when known)
 * committed none of its partitions during it.
 */
export function stalledPartitions(history: readonly Sample[], windowMs: number): ReadonlySet<string> {
  const still = standingStill(
    history,
    windowMs,
    (columns, i, sample) => sample.group.members > 0 && committedWaiting(columnOffsets(columns, i)) > 0n,
  );
  const latest = history[history.length - 1];
  const owners = latest?.group.owners;
  if (still.size === 0 || !owners) return still;
  const first = columnsOf(history[sampleBefore(history, history.length - 1, windowMs)!]!);
  const last = columnsOf(latest);
  const moved = new Set<string>();
  for (const [key, owner] of owners) {
    if (moved.has(owner)) continue;
    const a = first.layout.indexOf(key);
    const b = last.layout.indexOf(key);
    if (a !== undefined && b !== undefined && first.committedAt(a) !== last.committedAt(b)) moved.add(owner);
  }
  return new Set([...still].filter((key) => !moved.has(owners.get(key) ?? '')));
}

/** A group whose members are gone while records wait: since when it has had none, and how many it had. */
export interface GoneMembers {
  readonly sinceMs: number;
  readonly hadMembers: number;
}

/** Whether the latest poll finds no members, with records waiting, after polls within the history that had some. */
export function goneMembers(history: readonly Sample[], waiting: bigint): GoneMembers | undefined {
  const latest = history[history.length - 1];
  if (!latest || latest.group.members > 0 || waiting <= 0n) return undefined;
  for (let i = history.length - 2; i >= 0; i--) {
    const sample = history[i]!;
    if (sample.group.members > 0) {
      return { sinceMs: latest.at - history[i + 1]!.at, hadMembers: sample.group.members };
    }
  }
  return undefined;
}

function standingStill(
  history: readonly Sample[],
  windowMs: number,
  holds: (columns: PartitionColumns, i: number, sample: Sample) => boolean,
): ReadonlySet<string> {
  const latest = history[history.length - 1];
  if (!latest) return new Set();
  const from = sampleBefore(history, history.length - 1, windowMs);
  // The history does not reach back a whole window yet: nothing qualifies.
  if (from === undefined) return new Set();

  const last = columnsOf(latest);
  const candidates = new Map<string, { readonly committed: bigint; readonly hint: number }>();
  for (let i = 0; i < last.size; i++) {
    const committed = last.committedAt(i);
    if (committed !== NO_COMMIT && holds(last, i, latest)) candidates.set(last.layout.keys[i]!, { committed, hint: i });
  }
  let checked: { readonly columns: PartitionColumns; readonly group: Sample['group'] } | undefined;
  for (let k = from; k < history.length - 1 && candidates.size > 0; k++) {
    const sample = history[k]!;
    const columns = columnsOf(sample);
    // A poll that saw what the one before saw (an idle group) shares its columns and group: nothing new to check.
    if (checked && checked.columns === columns && checked.group === sample.group) continue;
    checked = { columns, group: sample.group };
    for (const [key, { committed, hint }] of candidates) {
      const i = columns.layout.indexOf(key, hint);
      if (i === undefined || columns.committedAt(i) !== committed || !holds(columns, i, sample)) candidates.delete(key);
    }
  }
  return new Set(candidates.keys());
}
