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
 * history: Σ records committed / Σ (time × instances). Undefined until
 * `minSpanMs` of busy time has been seen.
 */
export function learnedThroughput(
  samples: readonly IndexedSample[],
  keys: readonly string[],
  m: TriggerMetadata,
  minSpanMs: number,
): Throughput | undefined {
  let drained = 0n;
  let replicaMs = 0;
  let spanMs = 0;
  const lags = samples.map((s) => lagAt(s, keys, m));
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a.group.state !== 'Stable' || b.group.state !== 'Stable') continue;
    if (a.group.memberIds.join('\u0000') !== b.group.memberIds.join('\u0000')) continue;
    const instances = instancesOf(a.group, m.streamThreads);
    if (!instances || instances !== instancesOf(b.group, m.streamThreads)) continue;
    if (lags[i - 1]! <= 0n || lags[i]! <= 0n) continue;
    const dt = b.at - a.at;
    drained += delta(a, b, keys, 'committed');
    replicaMs += dt * instances;
    spanMs += dt;
  }
  if (spanMs < minSpanMs || drained <= 0n || replicaMs <= 0) return undefined;
  return { perReplica: Number(drained) / (replicaMs / 1000), spanMs };
}
