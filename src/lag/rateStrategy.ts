/**
 * `rate`: enough replicas to meet a drain-time objective. Per sub-topology
 * (the form of the Flink Kubernetes operator's autoscaler):
 *
 *   required capacity = arrival rate / targetUtilization + backlog / catchUpSeconds
 *   replicas          = ceil(required capacity / per-replica throughput)
 *
 * combined with max over sub-topologies, at most the useful maximum, at
 * least 1 while active. Per-replica throughput is `replicaThroughput`, or
 * learned from busy windows (throughput.ts) and remembered from the trigger's
 * previous decision once the busy time has left the poll history (a group
 * that keeps up shows no capacity to measure, and forgetting would pin it at
 * whatever count the last burst left).
 *
 * Until it is known:
 * - a group visibly behind (a backlog of BUSY_BACKLOG_SECONDS of arrivals,
 *   and, read below the commit sawtooth, no smaller than a rateWindow
 *   earlier; across a rebalance, still rising after what the pause piled up)
 *   gets the instances plus backlog / lagThreshold: what runs is not enough. When the backlog sits on fewer partitions than there are
 *   instances, it gets at most one more replica per such partition: only
 *   giving their tasks more of a thread helps;
 * - fewer replicas when even the most a replica was seen to process
 *   (throughputFloor, remembered for FLOOR_MEMORY_MS) says fewer are enough;
 * - else the current instances: with a floor, an opinion that they are
 *   needed; without one, no opinion, which holds nothing back from scaling
 *   down.
 * A group with no members is sized with lagThreshold / catchUpSeconds for
 * the per-replica throughput: what the documentation asks lagThreshold to be
 * (the records one replica works off in catchUpSeconds). At zero that is
 * (arrivals × catchUpSeconds / targetUtilization + backlog) / lagThreshold:
 * a load that has just begun has little backlog yet.
 *
 * Stalled partitions are left out: more replicas would not move them. A lower
 * count is recommended only once it held for scaleDownDelay, not counting
 * polls taken during a rebalance or polls with no opinion; a higher one at
 * once. The metric is the replica count with target 1, so an AverageValue
 * HPA lands on it.
 */
import { formatDuration } from '../duration.ts';
import type { Decision, SubTopologyDecision } from '../model/decision.ts';
import { partitionKey, sampleBefore, type Sample } from '../model/sample.ts';
import { RATE_PARAMS } from '../model/metadata/strategies/rateParams.ts';
import type { TriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { analyze, commonNotes, topologyDecision } from './analysis.ts';
import {
  arrivalRate,
  backlogAt,
  backloggedPartitions,
  BUSY_BACKLOG_SECONDS,
  instancesOf,
  keySignature,
  lowBacklog,
  SAWTOOTH_MS,
} from './rates.ts';
import { disturbedSamples } from './rebalanceHold.ts';
import type { LagStrategy, StrategyInput } from './strategy.ts';
import { SampleMemo } from './sampleMemo.ts';
import { learnedThroughput, steadyWindows, throughputFloor, type Floor } from './throughput.ts';

/**
 * How long a floor counts after the stretch it was seen over: a day, so that
 * a load with a daily shape, which comes down through the afternoon hours
 * after its busiest hour, can come down with it. A floor can overstate what a
 * replica does now (see throughputFloor): one that says the instances keep up
 * while the group is behind is dropped at once (knowledgeOf), and an old one
 * still goes, since the work may have changed since.
 */
export const FLOOR_MEMORY_MS = 24 * 60 * 60_000;

/** What is known of a sub-topology's per-replica throughput. */
type Knowledge =
  | { readonly kind: 'given'; readonly perReplica: number }
  | { readonly kind: 'learned'; readonly perReplica: number; readonly spanMs: number; readonly learnedAt: number }
  | { readonly kind: 'remembered'; readonly perReplica: number; readonly learnedAt: number }
  | { readonly kind: 'unknown'; readonly floor: Floor | undefined };

interface SubPlan {
  readonly id: string;
  /** Partitions that count: not stalled. */
  readonly keys: readonly string[];
  readonly signature: string;
  readonly backlogs: readonly bigint[];
  readonly knowledge: Knowledge;
}

/**
 * Why a sub-topology asks for what it does. `hold`: the current instances,
 * because a floor says fewer would not do; `none`: the current instances,
 * for want of anything to go on (no opinion).
 */
type Basis = 'capacity' | 'lag' | 'behind' | 'floor' | 'hold' | 'none';

const round = (n: number): number => Math.round(n * 10) / 10;

/** A throughput that can divide: a finite number above 0 (a remembered figure may be neither). */
export function usableThroughput(n: number | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0;
}

/** Records per second of capacity to keep up with `arrival` and work off `backlog` in catchUpSeconds. */
function required(arrival: number, backlog: number, m: TriggerMetadata): number {
  return arrival / m.targetUtilization + backlog / m.catchUpSeconds;
}

/** Replicas for `demand` at `perReplica` each; the epsilon keeps an exact fit (210 / 70 = 3) from rounding up. */
function replicasFor(demand: number, perReplica: number): number {
  return Math.max(0, Math.ceil(demand / perReplica - 1e-9));
}

/** The poll history of a decision, and which polls a rebalance disturbed (disturbedSamples). */
interface History {
  readonly samples: readonly Sample[];
  readonly disturbed: readonly boolean[];
  readonly memo: SampleMemo;
}

/**
 * Whether the backlog at sample `i`, read below the commit sawtooth, is not
 * shrinking: its lowest over the last SAWTOOTH_MS is at least its lowest over
 * the SAWTOOTH_MS up to a rateWindow earlier. A rebalance stops processing,
 * and a group that can keep up works off what piled up meanwhile; so when a
 * poll in that span was disturbed, the backlog must also have stayed, over
 * the last SAWTOOTH_MS, above the highest it reached before: still rising
 * after the pile-up.
 */
function notShrinking(h: History, i: number, backlogs: readonly bigint[], m: TriggerMetadata): boolean {
  const { samples, disturbed } = h;
  const before = sampleBefore(samples, i, m.rateWindow);
  if (before === undefined) return true;
  const low = lowBacklog(samples, backlogs, i);
  if (low < lowBacklog(samples, backlogs, before)) return false;
  const from = samples[before]!.at - SAWTOOTH_MS;
  let span = i;
  while (span > 0 && samples[span - 1]!.at >= from) span--;
  if (!disturbed.slice(span, i + 1).includes(true)) return true;
  const recent = samples[i]!.at - SAWTOOTH_MS;
  for (let k = span; k <= i && samples[k]!.at < recent; k++) if (backlogs[k]! > low) return false;
  return true;
}

/**
 * Whether the group is visibly behind at sample `i`: a backlog of at least
 * lagThreshold and BUSY_BACKLOG_SECONDS of arrivals that is not shrinking.
 */
function behindAt(h: History, i: number, backlogs: readonly bigint[], arrival: number, m: TriggerMetadata): boolean {
  const backlog = Number(backlogs[i]!);
  return backlog >= Math.max(m.lagThreshold, arrival * BUSY_BACKLOG_SECONDS) && notShrinking(h, i, backlogs, m);
}

/** Replicas the arrival rate alone needs at sample `i`, by a throughput known (never a floor); 0 if none is. */
function arrivalReplicas(h: History, i: number, plan: SubPlan, m: TriggerMetadata): number {
  const k = plan.knowledge;
  if (k.kind === 'unknown') return 0;
  const arrival = arrivalRate(h.samples, i, plan.keys, m.rateWindow, m, h.memo, plan.signature) ?? 0;
  return replicasFor(arrival / m.targetUtilization, k.perReplica);
}

/** Replicas one sub-topology asks for at sample `i`, and why. */
function replicasAt(
  h: History,
  i: number,
  plan: SubPlan,
  m: TriggerMetadata,
): { replicas: number; arrival: number; basis: Basis } {
  const { samples } = h;
  const arrival = arrivalRate(samples, i, plan.keys, m.rateWindow, m, h.memo, plan.signature) ?? 0;
  const backlog = Number(plan.backlogs[i]!);
  const k = plan.knowledge;
  if (k.kind !== 'unknown')
    return { replicas: replicasFor(required(arrival, backlog, m), k.perReplica), arrival, basis: 'capacity' };
  const instances = instancesOf(samples[i]!.group, m.streamThreads);
  const byLag = Math.ceil(backlog / m.lagThreshold);
  // No members: lagThreshold is what one replica works off in catchUpSeconds,
  // so it stands in for a replica's throughput, for the arrivals as well as
  // the backlog (a load that has just begun has little backlog yet). Divided
  // by lagThreshold (finite, at least 1) rather than by lagThreshold /
  // catchUpSeconds, which can overflow: the count is never NaN.
  if (instances === undefined) {
    const work = (arrival * m.catchUpSeconds) / m.targetUtilization + backlog;
    return { replicas: replicasFor(work, m.lagThreshold), arrival, basis: 'lag' };
  }
  // Behind (a backlog that is large and not shrinking): what runs is not
  // enough; add what works the backlog off at lagThreshold per replica, but
  // no more than one per backlogged partition when they are fewer than the
  // instances (a hot partition).
  if (behindAt(h, i, plan.backlogs, arrival, m)) {
    const spread = backloggedPartitions(samples, i, plan.keys, m, h.memo, plan.signature);
    const more = spread < instances ? Math.min(byLag, Math.max(1, spread)) : byLag;
    return { replicas: Math.ceil(instances) + more, arrival, basis: 'behind' };
  }
  if (k.floor === undefined) return { replicas: Math.ceil(instances), arrival, basis: 'none' };
  const enough = Math.max(1, replicasFor(required(arrival, backlog, m), k.floor.perReplica));
  if (enough < instances) return { replicas: enough, arrival, basis: 'floor' };
  return { replicas: Math.ceil(instances), arrival, basis: 'hold' };
}

/** A sub-topology's partitions that count, and their backlog at every poll. */
type Backlogs = Pick<SubPlan, 'keys' | 'signature' | 'backlogs'>;

/**
 * Whether the group, now behind, contradicts a floor: at `perReplica` each,
 * the instances there are would keep up with the arrivals. Not when the
 * backlog sits on fewer partitions than there are instances: a hot partition
 * leaves the others idle, whatever a replica can do. Nor while a rebalance
 * disturbs the polls: its pause piles records up, whatever a replica can do.
 */
function contradicted(h: History, plan: Backlogs, perReplica: number, m: TriggerMetadata): boolean {
  const last = h.samples.length - 1;
  if (h.disturbed[last]) return false;
  const instances = instancesOf(h.samples[last]!.group, m.streamThreads);
  if (instances === undefined) return false;
  const arrival = arrivalRate(h.samples, last, plan.keys, m.rateWindow, m, h.memo, plan.signature) ?? 0;
  return (
    perReplica * instances >= arrival &&
    behindAt(h, last, plan.backlogs, arrival, m) &&
    backloggedPartitions(h.samples, last, plan.keys, m, h.memo, plan.signature) >= instances
  );
}

/** What the trigger's previous decision knew of a sub-topology's throughput. */
function previously(input: StrategyInput, id: string): SubTopologyDecision | undefined {
  return input.previous?.topology.subTopologies.find((s) => s.id === id);
}

/**
 * Given, learned now, remembered from before, or only a floor: the higher
 * of now's and a remembered one younger than FLOOR_MEMORY_MS, unless the
 * remembered one says the instances keep up with the arrivals while the
 * group is behind: it overstated, and goes.
 */
function knowledgeOf(input: StrategyInput, h: History, id: string, plan: Backlogs): Knowledge {
  const { keys, backlogs } = plan;
  const m = input.metadata;
  if (usableThroughput(m.replicaThroughput)) return { kind: 'given', perReplica: m.replicaThroughput };
  const steady = steadyWindows(h.samples, keys, m, h.memo, h.disturbed);
  const learned = learnedThroughput(h.samples, keys, backlogs, m, m.rateWindow, h.memo, steady);
  if (learned && usableThroughput(learned.perReplica))
    return { kind: 'learned', perReplica: learned.perReplica, spanMs: learned.spanMs, learnedAt: learned.lastAt };
  const before = previously(input, id);
  if (usableThroughput(before?.replicaThroughput) && before.throughputLearnedAt !== undefined) {
    return { kind: 'remembered', perReplica: before.replicaThroughput, learnedAt: before.throughputLearnedAt };
  }
  const floors: Floor[] = [];
  const seen = throughputFloor(h.samples, keys, m, m.rateWindow, steady);
  if (seen && usableThroughput(seen.perReplica)) floors.push(seen);
  if (
    usableThroughput(before?.throughputFloor) &&
    before.throughputFloorAt !== undefined &&
    input.now - before.throughputFloorAt < FLOOR_MEMORY_MS &&
    !contradicted(h, plan, before.throughputFloor, m)
  ) {
    floors.push({ perReplica: before.throughputFloor, at: before.throughputFloorAt });
  }
  const floor = floors.reduce<Floor | undefined>(
    (best, f) => (best && best.perReplica >= f.perReplica ? best : f),
    undefined,
  );
  return { kind: 'unknown', floor };
}

/** The figures a decision keeps for the next one (and shows), at full precision. */
function knowledgeFigures(k: Knowledge): Partial<SubTopologyDecision> {
  switch (k.kind) {
    case 'given':
      return { replicaThroughput: k.perReplica };
    case 'learned':
    case 'remembered':
      return { replicaThroughput: k.perReplica, throughputLearnedAt: k.learnedAt };
    case 'unknown':
      return k.floor === undefined ? {} : { throughputFloor: k.floor.perReplica, throughputFloorAt: k.floor.at };
  }
}

function describe(plan: SubPlan, basis: Basis, m: TriggerMetadata, now: number): string {
  const k = plan.knowledge;
  switch (k.kind) {
    case 'given':
      return `${k.perReplica}/s per replica (replicaThroughput)`;
    case 'learned':
      return `${round(k.perReplica)}/s per replica (learned over ${formatDuration(k.spanMs)} of busy time)`;
    case 'remembered':
      return `${round(k.perReplica)}/s per replica (learned ${formatDuration(now - k.learnedAt)} ago)`;
    case 'unknown': {
      const floor = round(k.floor?.perReplica ?? 0);
      switch (basis) {
        case 'behind':
          return `throughput not known yet and the group is behind (backlog over ${BUSY_BACKLOG_SECONDS}s of arrivals, not shrinking), so the instances + backlog / lagThreshold ${m.lagThreshold}, at most one more per backlogged partition`;
        case 'floor':
          return `throughput not known yet, but replicas were seen doing ${floor}/s each, so fewer are enough`;
        case 'hold':
          return `throughput not known yet, and at the ${floor}/s each replicas were seen doing, the current instances are needed`;
        case 'lag':
          return `no members and throughput not known yet, so (arrivals × catchUpSeconds ${m.catchUpSeconds} / targetUtilization ${m.targetUtilization} + backlog) / lagThreshold ${m.lagThreshold}`;
        default:
          return 'throughput not known yet (no busy period in the history), so the current instances';
      }
    }
  }
}

export const rateStrategy: LagStrategy = {
  name: 'rate',
  summary:
    'replicas to keep up with arrivals and drain the backlog within catchUpSeconds; target 1 (the metric is the replica count)',
  params: RATE_PARAMS,
  needs: { wholeHistory: true },
  target: () => 1,
  decide(input: StrategyInput): Decision {
    const m = input.metadata;
    const a = analyze(input);
    const samples = input.history;
    const last = samples.length - 1;
    const memo = input.memo ?? new SampleMemo();
    const h: History = { samples, disturbed: disturbedSamples(samples, m.rebalanceCooldown, memo), memo };
    const plans: SubPlan[] = a.topology.subTopologies.map((sub) => {
      const keys = (a.bySubTopology.get(sub.id) ?? [])
        .filter((p) => !p.stalled)
        .map((p) => partitionKey(p.topic, p.partition));
      const signature = keySignature(keys, m, memo);
      const backlogs = memo.series(`backlog|${signature}`, samples, (i) =>
        backlogAt(samples[i]!, keys, m, memo, signature),
      );
      return {
        id: sub.id,
        keys,
        signature,
        backlogs,
        knowledge: knowledgeOf(input, h, sub.id, { keys, signature, backlogs }),
      };
    });

    const figures = new Map<string, Partial<SubTopologyDecision>>();
    const bases = new Map<string, Basis>();
    let dominant: string | undefined;
    let raw = 0;
    for (const plan of plans) {
      const now = replicasAt(h, last, plan, m);
      bases.set(plan.id, now.basis);
      figures.set(plan.id, {
        arrivalRate: round(now.arrival),
        ...knowledgeFigures(plan.knowledge),
        replicas: now.replicas,
      });
      if (now.replicas > raw || dominant === undefined) [dominant, raw] = [plan.id, now.replicas];
    }
    // Scale down only after the lower count held for scaleDownDelay. Polls
    // taken during a rebalance measure the pause, not the demand, and do not
    // count; nor do past polls with no opinion (the instances of their time,
    // for want of a throughput or a floor). A poll where a floor said the
    // instances were needed counts as them.
    let held = raw;
    for (let i = last - 1; i >= 0 && input.now - samples[i]!.at < m.scaleDownDelay; i--) {
      if (h.disturbed[i]) continue;
      for (const plan of plans) {
        const past = replicasAt(h, i, plan, m);
        if (past.basis !== 'none') held = Math.max(held, past.replicas);
      }
    }
    const cap = a.topology.usefulMax;
    let desired = Math.min(held, cap);
    if (a.active) desired = Math.max(desired, 1);
    // What arrivals alone need, by a throughput known (a floor can overstate):
    // a rebalance pauses processing, not arrivals, so a hold never answers less.
    const forArrivals = Math.min(cap, Math.max(0, ...plans.map((plan) => arrivalReplicas(h, last, plan, m))));

    const words: string[] = [];
    const lead = plans.find((p) => p.id === dominant);
    const fig = dominant ? figures.get(dominant) : undefined;
    if (lead && fig) {
      words.push(
        `sub-topology ${lead.id}: ${fig.arrivalRate}/s arriving, backlog ${lead.backlogs[last] ?? 0n}, ${describe(lead, bases.get(lead.id)!, m, input.now)} → ${fig.replicas}`,
      );
    }
    if (a.stalled.length > 0) words.push('stalled partitions left out of the sizing');
    words.push(...commonNotes(a));
    if (held > raw)
      words.push(`holding ${held} until a lower count held for scaleDownDelay ${formatDuration(m.scaleDownDelay)}`);
    if (desired < held) words.push(`capped at the useful max ${cap}`);
    words.push(`${desired} replica(s)`);
    words.push(
      `${a.active ? 'active' : 'inactive'}: lag ${a.keda.activationLag} ${a.active ? '>' : '≤'} ${m.activationLagThreshold}`,
    );
    return {
      metricValue: desired,
      target: 1,
      active: a.active,
      explanation: words.join('; '),
      partitions: a.partitions,
      topology: topologyDecision(a, (id) => figures.get(id) ?? {}),
      ...(dominant === undefined ? {} : { dominant }),
      stalled: a.stalled,
      ...(forArrivals > 0 ? { heldAtLeast: forArrivals } : {}),
    };
  },
};
