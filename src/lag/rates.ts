/**
 * Rates per sub-topology from the poll history, for the `rate` strategy:
 * records arriving per second (end offsets moving), and records one replica
 * processes per second (committed offsets moving), learned only from windows
 * where the replicas were busy. An idle or keeping-up replica's rate says
 * nothing about what it could do, and learning from it would feed on itself:
 * observed drain = arrivals, so more replicas look ever slower.
 */
import { NO_COMMIT, partitionKey, type GroupInfo, type PartitionOffsets, type Sample } from '../poller/sample.ts';
import type { TriggerMetadata } from '../scaler/triggerMetadata.ts';

/**
 * A window is busy only while the backlog is at least this many seconds of
 * arrivals: more than Kafka Streams' 30 s commit interval, so the sawtooth of
 * a group that keeps up never counts.
 */
export const BUSY_BACKLOG_SECONDS = 60;

/** A sample's partitions by key (built on demand, not kept). */
export function rowsOf(sample: Sample): Map<string, PartitionOffsets> {
  return new Map(sample.partitions.map((p) => [partitionKey(p.topic, p.partition), p]));
}

/**
 * One partition of a sample. Samples of one poller list their partitions in
 * the same sorted order, so `hint` (its index in another sample) almost
 * always hits; else a scan.
 */
export function rowIn(sample: Sample, topic: string, partition: number, hint: number): PartitionOffsets | undefined {
  const at = sample.partitions[hint];
  if (at && at.partition === partition && at.topic === topic) return at;
  return sample.partitions.find((p) => p.partition === partition && p.topic === topic);
}

/** A sample's totals over one set of partitions. */
interface Totals {
  readonly backlog: bigint;
  readonly end: bigint;
  readonly committed: bigint;
  /** How many partitions had an end offset, and how many a committed offset. */
  readonly ends: number;
  readonly commits: number;
}

const TOTALS = new WeakMap<Sample, Map<string, Totals>>();

/**
 * A sample's totals over `keys` (cached per sample and key set: a history is
 * mostly the same samples from one decision to the next, and the totals are
 * a few numbers). `signature` identifies the key set and the metadata that
 * backlog depends on.
 */
function totalsOf(sample: Sample, keys: readonly string[], signature: string, m: TriggerMetadata): Totals {
  let bySignature = TOTALS.get(sample);
  if (!bySignature) TOTALS.set(sample, (bySignature = new Map<string, Totals>()));
  let totals = bySignature.get(signature);
  if (totals) return totals;
  const wanted = new Set(keys);
  let backlog = 0n;
  let end = 0n;
  let committed = 0n;
  let ends = 0;
  let commits = 0;
  for (const p of sample.partitions) {
    if (p.end === undefined || !wanted.has(partitionKey(p.topic, p.partition))) continue;
    end += p.end;
    ends++;
    if (p.committed !== NO_COMMIT) {
      committed += p.committed;
      commits++;
    }
    if (p.dataPending === false) continue;
    if (p.committed === NO_COMMIT) {
      if (
        m.offsetResetPolicy === 'earliest' &&
        !m.scaleToZeroOnInvalidOffset &&
        p.start !== undefined &&
        p.end > p.start
      ) {
        backlog += p.end - p.start;
      }
    } else if (p.end > p.committed) {
      backlog += p.end - p.committed;
    }
  }
  totals = { backlog, end, committed, ends, commits };
  bySignature.set(signature, totals);
  return totals;
}

/** The cache key for a set of partitions under `m`'s backlog rules. */
export function keySignature(keys: readonly string[], m: TriggerMetadata): string {
  return `${m.offsetResetPolicy}|${m.scaleToZeroOnInvalidOffset}|${keys.join('\u0001')}`;
}

/**
 * Records waiting to be processed over `keys`: end − committed on committed
 * partitions, without gaps that are only transaction markers. Partitions with
 * nothing committed count their log under `earliest` and nothing under
 * `latest` (where the 1 that activation counts is not work).
 */
export function backlogAt(
  sample: Sample,
  keys: readonly string[],
  m: TriggerMetadata,
  signature = keySignature(keys, m),
): bigint {
  return totalsOf(sample, keys, signature, m).backlog;
}

/**
 * How far end or committed offsets moved from `a` to `b` over `keys`. From
 * the cached totals when both samples saw the same partitions; else
 * partition by partition, skipping partitions missing or uncommitted in
 * either and any that went backwards.
 */
function delta(
  a: Sample,
  b: Sample,
  keys: readonly string[],
  field: 'end' | 'committed',
  m: TriggerMetadata,
  signature: string,
): bigint {
  const ta = totalsOf(a, keys, signature, m);
  const tb = totalsOf(b, keys, signature, m);
  if (ta.ends === tb.ends && ta.commits === tb.commits && ta.ends === keys.length) {
    const moved = tb[field] - ta[field];
    return moved > 0n ? moved : 0n;
  }
  const ra = rowsOf(a);
  const rb = rowsOf(b);
  let sum = 0n;
  for (const key of keys) {
    const x = ra.get(key)?.[field];
    const y = rb.get(key)?.[field];
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
  m: TriggerMetadata,
  signature = keySignature(keys, m),
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
  return Number(delta(start, end, keys, 'end', m, signature)) / ((end.at - start.at) / 1000);
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

export interface Throughput {
  /** Records per second per replica. */
  readonly perReplica: number;
  /** How much busy time it was learned from. */
  readonly spanMs: number;
}

/**
 * Records per second one replica processes, from the busy windows of the
 * history: Σ records committed / Σ (time × instances). A window is busy when
 * the group is stable with the same members and the backlog at both ends is
 * at least BUSY_BACKLOG_SECONDS of arrivals (and lagThreshold). A run of busy
 * windows without a single commit lasting stallWindow or more is a stall, not
 * a measurement. Undefined until `minSpanMs` of busy time has been seen.
 *
 * @param backlogs backlogAt for every sample, over the same keys
 */
export function learnedThroughput(
  samples: readonly Sample[],
  keys: readonly string[],
  backlogs: readonly bigint[],
  m: TriggerMetadata,
  minSpanMs: number,
): Throughput | undefined {
  const signature = keySignature(keys, m);
  const windows: Array<{ dt: number; drained: bigint; instances: number }> = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const floor = Math.max(
      m.lagThreshold,
      (arrivalRate(samples, i, keys, m.rateWindow, m, signature) ?? 0) * BUSY_BACKLOG_SECONDS,
    );
    const instances = instancesOf(a.group, m.streamThreads);
    const busy =
      a.group.state === 'Stable' &&
      b.group.state === 'Stable' &&
      a.group.memberIds.join('\u0000') === b.group.memberIds.join('\u0000') &&
      instances !== undefined &&
      instances === instancesOf(b.group, m.streamThreads) &&
      Number(backlogs[i - 1]!) >= floor &&
      Number(backlogs[i]!) >= floor;
    windows.push(
      busy
        ? { dt: b.at - a.at, drained: delta(a, b, keys, 'committed', m, signature), instances }
        : { dt: 0, drained: 0n, instances: 0 },
    );
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
