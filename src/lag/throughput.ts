/**
 * What one replica of a sub-topology processes per second, from the poll
 * history (committed offsets moving), for the `rate` strategy. Learned only
 * from windows where the replicas were busy: an idle or keeping-up replica's
 * rate says nothing about what it could do, and learning from it would feed
 * on itself (observed drain = arrivals, so more replicas look ever slower).
 * Short of that, a floor: the most a replica was seen to process.
 */
import type { Sample } from '../model/sample.ts';
import type { TriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { arrivalRates, backloggedSeries, BUSY_BACKLOG_SECONDS, delta, instancesOf, keySignature } from './rates.ts';
import { disturbedSamples, sameMembers } from './rebalanceHold.ts';
import { SampleMemo } from './sampleMemo.ts';

export interface Throughput {
  /** Records per second per replica. */
  readonly perReplica: number;
  /** How much busy time it was learned from. */
  readonly spanMs: number;
  /** The end of the last busy window (epoch ms). */
  readonly lastAt: number;
}

/** One poll-to-poll window of a history, as the throughput estimates see it. */
export interface Window {
  /** Milliseconds, 0 when the window does not count. */
  readonly dt: number;
  /** Records committed over the window. */
  readonly drained: bigint;
  readonly instances: number;
  /** The window's end (epoch ms); only read from windows that count. */
  readonly at: number;
}

/** A window that does not count. */
const IDLE: Window = { dt: 0, drained: 0n, instances: 0, at: 0 };

/** The window ending at a sample, remembered per sample and key set. */
interface PairWindow {
  readonly prev: Sample;
  readonly streamThreads: number;
  /** IDLE when the group did not run steady from `prev` to the sample. */
  readonly window: Window;
}

/**
 * The window from `a` to `b` (consecutive polls), if the group ran steady
 * over it: stable, with the same members and instances at both ends.
 * Remembered per `b` and key set, since a history is mostly the same polls
 * from one decision to the next.
 */
function pairWindow(
  a: Sample,
  b: Sample,
  keys: readonly string[],
  m: TriggerMetadata,
  memo: SampleMemo,
  signature: string,
): Window {
  const pair = memo.table<PairWindow>('pairs').get(
    b,
    signature,
    () => {
      const instances = instancesOf(a.group, m.streamThreads);
      const steady =
        a.group.state === 'Stable' &&
        b.group.state === 'Stable' &&
        sameMembers(a, b) &&
        instances !== undefined &&
        instances === instancesOf(b.group, m.streamThreads);
      const window = steady
        ? { dt: b.at - a.at, drained: delta(a, b, keys, 'committed', memo, signature), instances, at: b.at }
        : IDLE;
      return { prev: a, streamThreads: m.streamThreads, window };
    },
    (cached) => cached.prev === a && cached.streamThreads === m.streamThreads,
  );
  return pair.window;
}

/**
 * The windows of a history (window k ends at sample k + 1) in which the
 * group ran undisturbed: steady (pairWindow), and not within
 * rebalanceCooldown of a member change (right after one, moved stateful
 * tasks restore their state). Others are IDLE. Both estimates below start
 * from these; a caller that wants both computes them once.
 *
 * @param disturbed disturbedSamples of the history under m.rebalanceCooldown
 */
export function steadyWindows(
  samples: readonly Sample[],
  keys: readonly string[],
  m: TriggerMetadata,
  memo = new SampleMemo(),
  disturbed: readonly boolean[] = disturbedSamples(samples, m.rebalanceCooldown, memo),
): Window[] {
  const signature = keySignature(keys, m, memo);
  // The window ending at each sample (none at the first), kept by position while its start is the same poll.
  const pairs = memo.series<{ readonly prev: Sample | undefined; readonly window: Window }>(
    `pairs|${m.streamThreads}|${signature}`,
    samples,
    (i) => ({
      prev: samples[i - 1],
      window: i === 0 ? IDLE : pairWindow(samples[i - 1]!, samples[i]!, keys, m, memo, signature),
    }),
    (cached, i) => cached.prev === samples[i - 1],
  );
  const windows: Window[] = [];
  for (let i = 1; i < samples.length; i++) windows.push(disturbed[i - 1] ? IDLE : pairs[i]!.window);
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
 * @param steady steadyWindows of the history, over the same keys
 */
export function learnedThroughput(
  samples: readonly Sample[],
  keys: readonly string[],
  backlogs: readonly bigint[],
  m: TriggerMetadata,
  minSpanMs: number,
  memo = new SampleMemo(),
  steady: readonly Window[] = steadyWindows(samples, keys, m, memo),
): Throughput | undefined {
  const signature = keySignature(keys, m, memo);
  const arrivals = arrivalRates(samples, keys, m.rateWindow, m, memo, signature);
  const backlogged = backloggedSeries(samples, keys, m, memo, signature);
  const busy = (i: number): boolean => {
    const low = Math.min(Number(backlogs[i - 1]!), Number(backlogs[i]!));
    if (low < m.lagThreshold) return false;
    const floor = (arrivals[i] ?? 0) * BUSY_BACKLOG_SECONDS;
    // A backlog on fewer partitions than instances leaves some instances idle (a hot partition).
    const spread = Math.min(keys.length, instancesOf(samples[i]!.group, m.streamThreads) ?? 0);
    return low >= floor && backlogged[i - 1]! >= spread && backlogged[i]! >= spread;
  };
  const windows = steady.map((w, k) => (w.dt > 0 && busy(k + 1) ? w : IDLE));
  // Runs of busy windows without a single commit, lasting stallWindow or more, are stalls.
  for (let start = 0; start < windows.length;) {
    let end = start;
    let span = 0;
    while (end < windows.length && windows[end]!.dt > 0 && windows[end]!.drained === 0n) span += windows[end++]!.dt;
    if (span >= m.stallWindow) for (let k = start; k < end; k++) windows[k] = IDLE;
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

/** The most one replica was seen to process, and when. */
export interface Floor {
  /** Records per second per replica. */
  readonly perReplica: number;
  /** The end of the stretch it was seen over (epoch ms). */
  readonly at: number;
}

/**
 * A floor under the per-replica throughput when none was learned: the
 * fastest the group processed per instance over any commit-to-commit stretch
 * of at least `minSpanMs` of steady running, busy or not. While the group
 * keeps up it is only the arrival rate per instance, which says nothing
 * about fewer replicas. It can overstate what a replica does now: a stretch
 * that ends on a large commit holds work done before it began, and cheap
 * records or tasks restoring elsewhere make a replica look faster than it
 * is under another mix of work; so a remembered floor expires (the `rate`
 * strategy's FLOOR_MEMORY_MS). Undefined if no such stretch is in the
 * history.
 */
export function throughputFloor(
  samples: readonly Sample[],
  keys: readonly string[],
  m: TriggerMetadata,
  minSpanMs: number,
  windows: readonly Window[] = steadyWindows(samples, keys, m),
): Floor | undefined {
  let best: Floor | undefined;
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
        if (best === undefined || rate >= best.perReplica) best = { perReplica: rate, at: w.at };
      }
    }
  });
  return best;
}
