/**
 * Demand that keeps rising through a rebalance hold. A rebalance pauses
 * processing, so records pile up once: what waited before the pause plus what
 * arrived during it. A group that can keep up works that off once it runs
 * again, or at least holds it; one that cannot keeps falling behind, and the
 * hold must not keep it from more replicas.
 *
 * Records waiting rise and fall with the group's commits (a sawtooth), so
 * they are read below it: the least over a window long enough to hold a
 * commit of every worked partition. The window is twice the longest span
 * between two commits of a partition in which records waited, over the
 * SAWTOOTH_MS before the hold (or since the pause, if that is longer),
 * between MIN_WINDOW_MS and SAWTOOTH_MS: 40 s for Kafka Streams' default 30 s
 * commit interval, whether records arrive all the time or now and then; the
 * minimum for an app that commits every second or runs exactly-once (100 ms)
 * under a steady load, which is then answered sooner. When nothing was seen
 * committing, or the polls do not reach back far enough, it is SAWTOOTH_MS.
 *
 * Per partition, the pause explains at most its records waiting before the
 * pause, read below the sawtooth (the least over the window up to the poll
 * before it), plus what arrived on it from that poll to the first poll after
 * the pause (end offsets moving). Demand kept rising on a partition the group
 * works again when its records waiting now, read below the sawtooth the same
 * way (the least over the last window, all of it after the pause, so every
 * task committed since), are more than that. Partition by partition, not
 * summed over the group: partitions that work off their pile-up must not hide
 * one that keeps falling behind (a time lag is the age on one partition). A
 * partition works again once its committed offset moved by the start of that
 * last window; one that did not is still restoring state or otherwise paused,
 * the rebalance's doing, or resumed too recently to tell.
 */
import { columnsOf, NO_COMMIT, type Sample } from '../model/sample.ts';
import { keySignature, SAWTOOTH_MS } from './rates.ts';
import { recordsWaitingAt, type WaitingRules } from './recordsWaiting.ts';
import { SampleMemo } from './sampleMemo.ts';

/** Summed over the partitions where demand kept rising. */
export interface RisingDemand {
  /** Records waiting before the pause, below the sawtooth, and arriving during it: what the pause explains. */
  readonly before: bigint;
  readonly arrived: bigint;
  readonly explained: bigint;
  /** Records waiting over the last `windowMs`, below the sawtooth: more than `explained`. */
  readonly low: bigint;
  /** The window the records waiting were read over (see the module comment). */
  readonly windowMs: number;
  /** Partitions where demand kept rising, of `worked`. */
  readonly rising: number;
  /** Partitions whose committed offset moved since the pause (by the start of the last `windowMs`). */
  readonly worked: number;
}

/** A partition's index in a sample's columns, its committed offset (if any), end offset and records waiting. */
function offsetsOf(sample: Sample, key: string, m: WaitingRules) {
  const columns = columnsOf(sample);
  const i = columns.layout.indexOf(key);
  if (i === undefined) return undefined;
  const committed = columns.committedAt(i);
  return {
    committed: committed === NO_COMMIT ? undefined : committed,
    end: columns.endAt(i),
    waiting: recordsWaitingAt(columns, i, m),
  };
}

/** The least records waiting on `key` over the polls from `from` (inclusive) to `to` (inclusive). */
function leastWaiting(
  history: readonly Sample[],
  from: number,
  to: number,
  key: string,
  m: WaitingRules,
): bigint | undefined {
  let least: bigint | undefined;
  for (let i = from; i <= to; i++) {
    const waiting = offsetsOf(history[i]!, key, m)?.waiting;
    if (waiting !== undefined && (least === undefined || waiting < least)) least = waiting;
  }
  return least;
}

/** The index of the first poll at or after `at`, at or after `from`. */
function firstAt(history: readonly Sample[], from: number, at: number): number {
  let i = from;
  while (i < history.length && history[i]!.at < at) i++;
  return i;
}

/** The shortest window that reads records waiting below the sawtooth: a few polls at the default 2 s interval. */
export const MIN_WINDOW_MS = 10_000;

/** The longest span between commits of a partition in which records waited, and whether it committed at all. */
interface CommitSpans {
  readonly longest: number;
  readonly committed: boolean;
}

/**
 * The spans between the commits of `key` over the polls `from` to `to`
 * (inclusive), up to `end`: from one poll where its committed offset moved
 * forward to the next, counted when records waited at a poll in it. A poll
 * failure only lengthens a span, a poll without the partition is skipped, and
 * a committed offset that moves back (a reset) is not a commit. `leading`:
 * whether the span before the first commit counts (from the poll `from`).
 */
function commitSpans(
  history: readonly Sample[],
  from: number,
  to: number,
  end: number,
  key: string,
  m: WaitingRules,
  leading: boolean,
): CommitSpans {
  let longest = 0;
  let committed = false;
  let since: number | undefined = leading ? history[from]!.at : undefined;
  let waited = false;
  let previous: bigint | undefined;
  for (let i = from; i <= to; i++) {
    const p = offsetsOf(history[i]!, key, m);
    if (p === undefined) continue;
    const at = history[i]!.at;
    if (p.committed !== undefined && previous !== undefined && p.committed > previous) {
      if (since !== undefined && waited) longest = Math.max(longest, at - since);
      committed = true;
      since = at;
      waited = false;
    }
    if (p.waiting > 0n) waited = true;
    if (p.committed !== undefined) previous = p.committed;
  }
  if (since !== undefined && waited) longest = Math.max(longest, end - since);
  return { longest, committed };
}

/**
 * The window to read records waiting over, from the polls of the SAWTOOTH_MS
 * up to poll `undisturbed` (the group working undisturbed before the hold):
 * twice the longest span between a partition's commits in which records
 * waited (commitSpans), between MIN_WINDOW_MS and SAWTOOTH_MS. SAWTOOTH_MS
 * when no partition was seen committing, or the polls span no more than that
 * window: a longer cadence would show as a span of half the polls' span or
 * more. Remembered per sample and key set.
 */
export function sawtoothWindow(
  history: readonly Sample[],
  undisturbed: number,
  keys: readonly string[],
  m: WaitingRules,
  memo = new SampleMemo(),
): number {
  const end = history[undisturbed]!.at;
  const first = firstAt(history, 0, end - SAWTOOTH_MS);
  const learn = (): number => {
    let longest = 0;
    let committed = false;
    for (const key of keys) {
      const spans = commitSpans(history, first, undisturbed, end, key, m, true);
      longest = Math.max(longest, spans.longest);
      committed ||= spans.committed;
      if (longest * 2 >= SAWTOOTH_MS) return SAWTOOTH_MS;
    }
    const window = Math.max(MIN_WINDOW_MS, longest * 2);
    return committed && window < end - history[first]!.at ? window : SAWTOOTH_MS;
  };
  return memo.table<{ readonly first: Sample; readonly window: number }>('sawtoothWindow').get(
    history[undisturbed]!,
    keySignature(keys, m, memo),
    () => ({ first: history[first]!, window: learn() }),
    (cached) => cached.first === history[first],
  ).window;
}

/**
 * Whether the records waiting on `keys` kept rising after the group's last
 * pause: `before` is the index of the poll before it, `last` of the last
 * poll that saw it; `undisturbed`, of the last poll before the hold (the
 * window is learned from the polls up to it: the polls up to `before` may
 * hold an earlier pause of the same hold). Undefined if they did not, or if
 * it is too early to tell (no poll of the last window comes after the pause).
 */
export function risingThroughHold(
  history: readonly Sample[],
  pause: { readonly before: number; readonly last: number },
  undisturbed: number,
  keys: readonly string[],
  m: WaitingRules,
  now: number,
  memo = new SampleMemo(),
): RisingDemand | undefined {
  const latest = history.length - 1;
  const resumed = pause.last + 1;
  if (resumed > latest) return undefined;
  // The window learned before the hold, or longer if the group commits less often since the pause (a
  // consumer working off the pile-up in full batches): the span before its first commit since is a restore.
  let windowMs = sawtoothWindow(history, undisturbed, keys, m, memo);
  for (const key of keys) {
    if (windowMs >= SAWTOOTH_MS) break;
    const spans = commitSpans(history, resumed, latest, now, key, m, false);
    windowMs = Math.min(SAWTOOTH_MS, Math.max(windowMs, spans.longest * 2));
  }
  const windowStart = now - windowMs;
  if (history[resumed]!.at >= windowStart) return undefined;
  const window = firstAt(history, resumed, windowStart);
  const lead = firstAt(history, 0, history[pause.before]!.at - windowMs);
  let before = 0n;
  let arrived = 0n;
  let low = 0n;
  let worked = 0;
  let rising = 0;
  for (const key of keys) {
    const then = offsetsOf(history[pause.last]!, key, m);
    const start = offsetsOf(history[pause.before]!, key, m);
    const after = offsetsOf(history[resumed]!, key, m);
    const moved = offsetsOf(history[window]!, key, m);
    if (then?.committed === undefined || moved?.committed === undefined || moved.committed <= then.committed) continue;
    const waitingBefore = leastWaiting(history, lead, pause.before, key, m);
    const waitingNow = leastWaiting(history, window, latest, key, m);
    if (waitingBefore === undefined || waitingNow === undefined) continue;
    worked++;
    const arrivedHere =
      start?.end !== undefined && after?.end !== undefined && after.end > start.end ? after.end - start.end : 0n;
    if (waitingNow <= waitingBefore + arrivedHere) continue;
    rising++;
    before += waitingBefore;
    arrived += arrivedHere;
    low += waitingNow;
  }
  if (rising === 0) return undefined;
  return { before, arrived, explained: before + arrived, low, windowMs, rising, worked };
}
