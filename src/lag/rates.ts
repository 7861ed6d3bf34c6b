/**
 * Rates per sub-topology from the poll history, for the `rate` strategy:
 * records arriving per second (end offsets moving), and records one replica
 * processes per second (committed offsets moving), learned only from windows
 * where the replicas were busy: a backlog throughout, a stable group with the
 * same members, no stalled partition. An idle replica's rate says nothing
 * about what it could do.
 */
import { NO_COMMIT, partitionKey, type GroupInfo, type PartitionOffsets, type Sample } from '../poller/sample.ts';
import type { TriggerMetadata } from '../scaler/triggerMetadata.ts';
import { partitionLag } from './kedaLag.ts';

/** A sample indexed for quick per-partition lookups. */
export interface IndexedSample {
  readonly at: number;
  readonly rows: ReadonlyMap<string, PartitionOffsets>;
  readonly group: GroupInfo;
}

export function indexHistory(history: readonly Sample[]): IndexedSample[] {
  return history.map((s) => ({
    at: s.at,
    rows: new Map(s.partitions.map((p) => [partitionKey(p.topic, p.partition), p])),
    group: s.group,
  }));
}

/** Unprocessed records over `keys` at one sample (KEDA's rules, transaction markers excluded). */
export function lagAt(sample: IndexedSample, keys: readonly string[], m: TriggerMetadata): bigint {
  let lag = 0n;
  for (const key of keys) {
    const row = sample.rows.get(key);
    if (row) lag += partitionLag(row, m, false).lag;
  }
  return lag;
}

function delta(a: IndexedSample, b: IndexedSample, keys: readonly string[], field: 'end' | 'committed'): bigint {
  let sum = 0n;
  for (const key of keys) {
    const x = a.rows.get(key)?.[field];
    const y = b.rows.get(key)?.[field];
    if (x === undefined || y === undefined || x === NO_COMMIT || y === NO_COMMIT || y < x) continue;
    sum += y - x;
  }
  return sum;
}

/** Records per second arriving over `keys`, over the window ending at sample `i`. */
export function arrivalRate(
  samples: readonly IndexedSample[],
  i: number,
  keys: readonly string[],
  windowMs: number,
): number | undefined {
  const end = samples[i];
  if (!end) return undefined;
  let j = 0;
  for (let k = i - 1; k >= 0; k--) {
    if (end.at - samples[k]!.at >= windowMs) {
      j = k;
      break;
    }
  }
  const start = samples[j]!;
  if (end.at <= start.at) return undefined;
  return Number(delta(start, end, keys, 'end')) / ((end.at - start.at) / 1000);
}

/** Application instances: Kafka Streams processes if the client ids tell, else members / streamThreads. */
export function instancesOf(group: GroupInfo, streamThreads: number): number | undefined {
  if (group.instances !== undefined) return group.instances;
  return group.members > 0 ? group.members / streamThreads : undefined;
}

export interface Throughput {
  /** Records per second per replica. */
  readonly perReplica: number;
  /** How much busy time it was learned from. */
  readonly spanMs: number;
}

/**
 * Records per second one replica processes, from the busy windows in the
 * history: Σ records committed / Σ (time × instances). A run of busy windows
 * in which nothing was committed for at least `stallWindow` is a stall, not a
 * measurement, and is left out. Undefined until `minSpanMs` of busy time has
 * been seen.
 */
export function learnedThroughput(
  samples: readonly IndexedSample[],
  keys: readonly string[],
  m: TriggerMetadata,
  minSpanMs: number,
): Throughput | undefined {
  const lags = samples.map((s) => lagAt(s, keys, m));
  const windows: Array<{ dt: number; drained: bigint; instances: number }> = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const busy =
      a.group.state === 'Stable' &&
      b.group.state === 'Stable' &&
      a.group.memberIds.join('\u0000') === b.group.memberIds.join('\u0000') &&
      lags[i - 1]! > 0n &&
      lags[i]! > 0n;
    const instances = instancesOf(a.group, m.streamThreads);
    if (busy && instances && instances === instancesOf(b.group, m.streamThreads)) {
      windows.push({ dt: b.at - a.at, drained: delta(a, b, keys, 'committed'), instances });
    } else {
      windows.push({ dt: 0, drained: 0n, instances: 0 });
    }
  }
  // Runs of busy windows without a single commit, lasting stallWindow or more, are stalls.
  for (let start = 0; start < windows.length;) {
    let end = start;
    let span = 0;
    while (end < windows.length && windows[end]!.dt > 0 && windows[end]!.drained === 0n) span += windows[end++]!.dt;
    if (span >= m.stallWindow) for (let k = start; k < end; k++) windows[k] = { dt: 0, drained: 0n, instances: 0 };
    start = end > start ? end : start + 1;
  }
  let drained = 0n;
  let replicaMs = 0;
  let spanMs = 0;
  for (const w of windows) {
    drained += w.drained;
    replicaMs += w.dt * w.instances;
    spanMs += w.dt;
  }
  if (spanMs < minSpanMs || drained <= 0n || replicaMs <= 0) return undefined;
  return { perReplica: Number(drained) / (replicaMs / 1000), spanMs };
}
