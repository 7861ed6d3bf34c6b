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
import { disturbedSamples } from './rebalanceHold.ts';

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

const BACKLOGGED = new WeakMap<Sample, Map<string, number>>();

/**
 * How many partitions of `keys` have, at sample `i`, a backlog of at least
 * what arrived on them over the last BUSY_BACKLOG_SECONDS: more than the
 * commit sawtooth of a partition that keeps up. Only they give a replica
 * work, and only one thread at a time can work each. Cached per sample.
 */
export function backloggedPartitions(
  samples: readonly Sample[],
  i: number,
  keys: readonly string[],
  m: TriggerMetadata,
  signature = keySignature(keys, m),
): number {
  const end = samples[i]!;
  let bySignature = BACKLOGGED.get(end);
  if (!bySignature) BACKLOGGED.set(end, (bySignature = new Map<string, number>()));
  const cached = bySignature.get(signature);
  if (cached !== undefined) return cached;
  let j = 0;
  for (let k = i - 1; k >= 0; k--) {
    if (end.at - samples[k]!.at >= BUSY_BACKLOG_SECONDS * 1000) {
      j = k;
      break;
    }
  }
  const start = samples[j]!;
  const wanted = new Set(keys);
  let count = 0;
  end.partitions.forEach((p, hint) => {
    if (p.end === undefined || p.committed === NO_COMMIT || p.dataPending === false) return;
    if (!wanted.has(partitionKey(p.topic, p.partition))) return;
    const before = rowIn(start, p.topic, p.partition, hint)?.end ?? p.end;
    const arrived = p.end > before ? p.end - before : 0n;
    if (p.end - p.committed >= (arrived > 0n ? arrived : 1n)) count++;
  });
  bySignature.set(signature, count);
  return count;
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
  /** The end of the last busy window (epoch ms). */
  readonly lastAt: number;
}

/** One poll-to-poll window of a history, as the throughput estimates see it. */
interface Window {
  /** Milliseconds, 0 when the window does not count. */
  readonly dt: number;
  /** Records committed over the window. */
  readonly drained: bigint;
  readonly instances: number;
  /** The window's end (epoch ms). */
  readonly at: number;
}

/**
 * The windows of a history in which the group ran undisturbed: stable with
 * the same members and instances at both ends, and not within
 * rebalanceCooldown of a member change (right after one, moved stateful
 * tasks restore their state). `also` adds a condition on the window ending at
 * sample `i`. Others have dt 0.
 */
function steadyWindows(
  samples: readonly Sample[],
  keys: readonly string[],
  m: TriggerMetadata,
  signature: string,
  also: (i: number) => boolean = () => true,
): Window[] {
  const disturbed = disturbedSamples(samples, m.rebalanceCooldown);
  const windows: Window[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const instances = instancesOf(a.group, m.streamThreads);
    const steady =
      !disturbed[i - 1] &&
      a.group.state === 'Stable' &&
      b.group.state === 'Stable' &&
      a.group.memberIds.join('\u0000') === b.group.memberIds.join('\u0000') &&
      instances !== undefined &&
      instances === instancesOf(b.group, m.streamThreads) &&
      also(i);
    windows.push(
      steady
        ? { dt: b.at - a.at, drained: delta(a, b, keys, 'committed', m, signature), instances, at: b.at }
        : { dt: 0, drained: 0n, instances: 0, at: b.at },
    );
  }
  return windows;
}

/**
 * Committed offsets move in steps (a commit every commit interval), so a run
 * of windows is measured from its first commit to its last: the drain of the
 * first commit was processed before the run began, and the time after the
 * last commit has its drain still uncommitted. Calls `span` with each run's
 * measured windows [from, to].
 */
function commitSpans(windows: readonly Window[], span: (from: number, to: number) => void): void {
  for (let start = 0; start < windows.length;) {
    let end = start;
    while (end < windows.length && windows[end]!.dt > 0) end++;
    let first = -1;
    let last = -1;
    for (let k = start; k < end; k++) {
      if (windows[k]!.drained <= 0n) continue;
      if (first < 0) first = k;
      last = k;
    }
    if (last > first && first >= 0) span(first + 1, last);
    start = end > start ? end : start + 1;
  }
}

/**
 * Records per second one replica processes, from the busy windows of the
 * history: Σ records committed / Σ (time × instances), over steady windows
 * (steadyWindows) in which the backlog at both ends is at least
 * BUSY_BACKLOG_SECONDS of arrivals (and lagThreshold), spread over at least
 * as many partitions as there are instances, measured from commit
 * to commit (commitSpans). A run of busy windows without a single commit
 * lasting stallWindow or more is a stall, not a measurement. Undefined until
 * `minSpanMs` of busy time has been seen.
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
  const windows = steadyWindows(samples, keys, m, signature, (i) => {
    const floor = Math.max(
      m.lagThreshold,
      (arrivalRate(samples, i, keys, m.rateWindow, m, signature) ?? 0) * BUSY_BACKLOG_SECONDS,
    );
    // A backlog on fewer partitions than instances leaves some instances idle (a hot partition).
    const spread = Math.min(keys.length, instancesOf(samples[i]!.group, m.streamThreads) ?? 0);
    return (
      Number(backlogs[i - 1]!) >= floor &&
      Number(backlogs[i]!) >= floor &&
      backloggedPartitions(samples, i - 1, keys, m, signature) >= spread &&
      backloggedPartitions(samples, i, keys, m, signature) >= spread
    );
  });
  // Runs of busy windows without a single commit, lasting stallWindow or more, are stalls.
  for (let start = 0; start < windows.length;) {
    let end = start;
    let span = 0;
    while (end < windows.length && windows[end]!.dt > 0 && windows[end]!.drained === 0n) span += windows[end++]!.dt;
    if (span >= m.stallWindow) for (let k = start; k < end; k++) windows[k] = { ...windows[k]!, dt: 0, drained: 0n };
    start = end > start ? end : start + 1;
  }
  let drained = 0n;
  let replicaMs = 0;
  let spanMs = 0;
  let lastAt = 0;
  commitSpans(windows, (from, to) => {
    for (let k = from; k <= to; k++) {
      const w = windows[k]!;
      drained += w.drained;
      replicaMs += w.dt * w.instances;
      spanMs += w.dt;
      lastAt = w.at;
    }
  });
  if (spanMs < minSpanMs || drained <= 0n || replicaMs <= 0) return undefined;
  return { perReplica: Number(drained) / (replicaMs / 1000), spanMs, lastAt };
}

/**
 * A floor under the per-replica throughput when none was learned: the
 * fastest the group processed per instance over any commit-to-commit stretch
 * of at least `minSpanMs` of steady running, busy or not. A replica does at
 * least what it was seen doing, so this never overstates capacity; while the
 * group keeps up it is only the arrival rate per instance, which says nothing
 * about fewer replicas. Undefined if no such stretch is in the history.
 */
export function throughputFloor(
  samples: readonly Sample[],
  keys: readonly string[],
  m: TriggerMetadata,
  minSpanMs: number,
): number | undefined {
  const windows = steadyWindows(samples, keys, m, keySignature(keys, m));
  let best: number | undefined;
  commitSpans(windows, (from, to) => {
    // Two pointers: for each commit, the latest commit at least minSpanMs before it.
    let drained = 0n;
    let replicaMs = 0;
    let spanMs = 0;
    let lo = from;
    for (let k = from; k <= to; k++) {
      const w = windows[k]!;
      drained += w.drained;
      replicaMs += w.dt * w.instances;
      spanMs += w.dt;
      if (w.drained <= 0n) continue;
      // Drop whole commit intervals from the front while the span stays long enough.
      for (;;) {
        let next = lo;
        let dropDrained = 0n;
        let dropReplicaMs = 0;
        let dropMs = 0;
        while (next < k) {
          const x = windows[next]!;
          dropDrained += x.drained;
          dropReplicaMs += x.dt * x.instances;
          dropMs += x.dt;
          next++;
          if (x.drained > 0n) break;
        }
        if (next >= k || spanMs - dropMs < minSpanMs) break;
        drained -= dropDrained;
        replicaMs -= dropReplicaMs;
        spanMs -= dropMs;
        lo = next;
      }
      if (spanMs >= minSpanMs && replicaMs > 0) {
        const rate = Number(drained) / (replicaMs / 1000);
        if (best === undefined || rate > best) best = rate;
      }
    }
  });
  return best;
}
