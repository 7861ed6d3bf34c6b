/**
 * While a consumer group rebalances, processing pauses and lag jumps; reading
 * that as new demand makes a scaler add replicas, each of which causes another
 * rebalance. So while the group rebalances, and for `cooldownMs` after its
 * members change, the recommendation is the one from the last undisturbed
 * poll. Activation is never held: a new record still wakes a group at zero.
 * Nor is demand that keeps rising after the pause: a higher recommendation is
 * let through once the records waiting kept rising past the pile-up of the
 * pause (risingDemand.ts); scale-down and the pile-up itself stay held.
 *
 * Classic DescribeGroups carries no generation id; a change of the member set
 * (or a rebalancing state) is taken as a new generation. A group with no
 * members is never held: nothing is processing, so nothing pauses, and its
 * lag is plain demand (a group scaled to zero, or all of it crashed). Groups
 * on the KIP-848 protocols show as Dead to classic DescribeGroups and are
 * never held.
 */
import { formatDuration } from '../duration.ts';
import { partitionKey, type Sample } from '../model/sample.ts';
import type { Decision } from '../model/decision.ts';
import { risingThroughHold } from './risingDemand.ts';
import type { LagStrategy, StrategyInput } from './strategy.ts';
import { SampleMemo } from './sampleMemo.ts';

/** Whether a group rebalances: a classic group's rebalance states, or a KIP-848 or streams group reconciling. */
function rebalancing(group: Sample['group']): boolean {
  return group.state === 'PreparingRebalance' || group.state === 'CompletingRebalance' || group.reconciling === true;
}
/** A hold never reaches further back than this many cooldowns (a group stuck rebalancing). */
export const MAX_HOLD_COOLDOWNS = 10;

export interface Hold {
  /** Index in the history of the last undisturbed sample, whose recommendation stands. */
  readonly anchor: number;
  readonly reason: string;
  /**
   * The group's last pause, if it is not rebalancing now: indexes in the
   * history of the poll before it and of the last poll that saw it (a
   * rebalancing state or a new member set).
   */
  readonly pause?: { readonly before: number; readonly last: number };
}

function known(sample: Sample): boolean {
  return sample.group.state !== '' && sample.group.state !== 'Dead';
}

/** Whether two polls saw the same member ids (sorted by the poller), so the same group generation. */
export function sameMembers(a: Sample, b: Sample): boolean {
  const x = a.group.memberIds;
  const y = b.group.memberIds;
  return x.length === y.length && x.every((id, i) => id === y[i]);
}

interface MemberChange {
  readonly previous: Sample;
  readonly changed: boolean;
}

/** Whether the members changed from `previous` to `sample`, remembered per sample (a history is mostly the same polls). */
function membersChanged(previous: Sample, sample: Sample, memo: SampleMemo): boolean {
  // A poll that found the group as the poll before shares its group: nothing to look at or remember.
  if (sample.group === previous.group) return false;
  return memo.table<MemberChange>('memberChanges').get(
    sample,
    '',
    () => ({ previous, changed: known(sample) && known(previous) && !sameMembers(sample, previous) }),
    (cached) => cached.previous === previous,
  ).changed;
}

/** Whether sample `i` of a history shows a rebalancing state or a member change. */
function changedAt(history: readonly Sample[], i: number, memo: SampleMemo): boolean {
  const sample = history[i]!;
  if (rebalancing(sample.group)) return true;
  const previous = history[i - 1];
  return previous !== undefined && membersChanged(previous, sample, memo);
}

/** Per sample: a rebalancing state or a member change, at that sample's time. */
function changeTimes(history: readonly Sample[], memo: SampleMemo): Array<number | undefined> {
  // A value taken over by position had the same poll before it: a history only drops polls and adds newer
  // ones, so where the poll at a place is the same, so is every poll before it. Not so for the first place,
  // which had a poll before it then and has none now.
  const changes = memo.series<boolean>(
    'changes',
    history,
    (i) => changedAt(history, i, memo),
    (_, i) => i > 0,
  );
  return history.map((sample, i) => (changes[i]! ? sample.at : undefined));
}

/**
 * Per sample: whether it was taken while the group rebalanced or within
 * `cooldownMs` of a member change, when lag says more about the pause than
 * about demand.
 */
export function disturbedSamples(history: readonly Sample[], cooldownMs: number, memo = new SampleMemo()): boolean[] {
  const changes = changeTimes(history, memo);
  let recent: number | undefined;
  return history.map((sample, i) => {
    recent = changes[i] ?? recent;
    return changes[i] !== undefined || (recent !== undefined && sample.at - recent < cooldownMs);
  });
}

/** Whether the recommendation must be held, and from which sample. */
export function rebalanceHold(
  history: readonly Sample[],
  cooldownMs: number,
  now: number,
  memo = new SampleMemo(),
): Hold | undefined {
  const n = history.length;
  if (cooldownMs <= 0 || n === 0) return undefined;
  const latest = history[n - 1]!;
  if (latest.group.members === 0) return undefined;
  const inRebalance = rebalancing(latest.group);
  // The last change within the cooldown, looking back no further than that.
  let lastChange: number | undefined;
  let last = -1;
  for (let i = n - 1; i >= 0 && now - history[i]!.at < cooldownMs; i--) {
    if (changedAt(history, i, memo)) {
      lastChange = history[i]!.at;
      last = i;
      break;
    }
  }
  if (!inRebalance && lastChange === undefined) return undefined;

  // The last sample that was neither rebalancing nor within the cooldown of a change.
  const disturbed = disturbedSamples(history, cooldownMs, memo);
  const anchor = disturbed.lastIndexOf(false);
  if (anchor < 0 || now - history[anchor]!.at > MAX_HOLD_COOLDOWNS * cooldownMs) return undefined;
  const reason = inRebalance
    ? `group rebalancing (${latest.group.state})`
    : `group members changed ${formatDuration(now - lastChange!)} ago (rebalanceCooldown ${formatDuration(cooldownMs)})`;
  if (inRebalance) return { anchor, reason };
  let first = last;
  while (first > 0 && changedAt(history, first - 1, memo)) first--;
  return { anchor, reason, pause: { before: Math.max(0, first - 1), last } };
}

/**
 * Why a higher recommendation than the held one is let through: the records
 * waiting on the partitions the group works (not changelogs, not stalled)
 * kept rising after the pause (risingDemand.ts). Undefined if they did not.
 */
function risingDemandNote(input: StrategyInput, current: Decision, hold: Hold): string | undefined {
  if (hold.pause === undefined) return undefined;
  const keys = current.partitions
    .filter((p) => p.role !== 'changelog' && p.stalled !== true)
    .map((p) => partitionKey(p.topic, p.partition));
  const rising = risingThroughHold(input.history, hold.pause, hold.anchor, keys, input.metadata, input.now, input.memo);
  if (!rising) return undefined;
  return `but demand kept rising: records waiting ${rising.explained} → ${rising.low} on ${rising.rising} of the ${rising.worked} partitions worked again (the least over the last ${formatDuration(rising.windowMs)}; the pause explains ${rising.explained}: ${rising.before} before it and ${rising.arrived} arriving during it)`;
}

/**
 * `strategy` with the hold applied: while held, the metric is what the
 * strategy recommended at the anchor sample, or its `heldAtLeast` now if that
 * is more (demand a rebalance cannot fake, such as a higher arrival rate);
 * activity, partitions and stalls are current. A higher recommendation now is
 * let through once demand kept rising after the pause (risingDemandNote): the
 * hold is for scale-down and for the one-off pile-up of the pause.
 */
export function withRebalanceHold(strategy: LagStrategy): LagStrategy {
  return {
    ...strategy,
    decide(input): Decision {
      const current = strategy.decide(input);
      const hold = rebalanceHold(input.history, input.metadata.rebalanceCooldown, input.now, input.memo);
      if (!hold) return current;
      const anchor = input.history[hold.anchor]!;
      const past = strategy.decide({
        ...input,
        history: input.history.slice(0, hold.anchor + 1),
        latest: anchor,
        now: anchor.at,
      });
      const floor = current.heldAtLeast ?? 0;
      const standing = Math.max(floor, past.metricValue);
      if (current.metricValue > standing) {
        const rising = risingDemandNote(input, current, hold);
        if (rising !== undefined) {
          return {
            ...current,
            explanation: `held the recommendation of ${formatDuration(input.now - anchor.at)} ago (metric ${standing}): ${hold.reason}, ${rising}; now: ${current.explanation}`,
          };
        }
      }
      if (floor > past.metricValue) {
        return {
          ...current,
          metricValue: floor,
          held: hold.reason,
          explanation: `${hold.reason}, but arrivals alone need ${floor}, more than the ${past.metricValue} of ${formatDuration(input.now - anchor.at)} ago; now: ${current.explanation}`,
        };
      }
      return {
        ...current,
        metricValue: past.metricValue,
        held: hold.reason,
        explanation: `holding the recommendation of ${formatDuration(input.now - anchor.at)} ago (metric ${past.metricValue}): ${hold.reason}; now: ${current.explanation}`,
      };
    },
  };
}
