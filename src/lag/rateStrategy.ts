/**
 * `rate`: enough replicas to meet a drain-time objective. Per sub-topology
 * (the form of the Flink Kubernetes operator's autoscaler):
 *
 *   required capacity = arrival rate / targetUtilization + backlog / catchUpSeconds
 *   replicas          = ceil(required capacity / per-replica throughput)
 *
 * combined with max over sub-topologies, at most the useful maximum, at
 * least 1 while active. Per-replica throughput is `replicaThroughput`, or
 * learned from busy windows (rates.ts). Until it is known, the current
 * instance count stands (a group that keeps up shows no capacity to measure),
 * and a group at zero is sized by backlog / lagThreshold. Stalled partitions
 * are left out: more replicas would not move them. A lower count is
 * recommended only once it held for scaleDownDelay, not counting polls taken
 * during a rebalance; a higher one at once. The metric is the replica count
 * with target 1, so an AverageValue HPA lands on it.
 */
import { formatDuration } from '../duration.ts';
import { partitionKey, type Sample } from '../poller/sample.ts';
import type { TriggerMetadata } from '../scaler/triggerMetadata.ts';
import { analyze, commonNotes, topologyDecision } from './analysis.ts';
import { arrivalRate, backlogAt, instancesOf, keySignature, learnedThroughput, type Throughput } from './rates.ts';
import { disturbedSamples } from './rebalanceHold.ts';
import type { Decision, LagStrategy, StrategyInput, SubTopologyDecision } from './strategy.ts';

interface SubPlan {
  readonly id: string;
  /** Partitions that count: not stalled. */
  readonly keys: readonly string[];
  readonly signature: string;
  readonly backlogs: readonly bigint[];
  readonly throughput: Throughput | 'given' | undefined;
  readonly perReplica: number | undefined;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** Replicas one sub-topology asks for at sample `i`, and why. */
function replicasAt(
  samples: readonly Sample[],
  i: number,
  plan: SubPlan,
  m: TriggerMetadata,
): { replicas: number; arrival: number; basis: string } {
  const arrival = arrivalRate(samples, i, plan.keys, m.rateWindow, m, plan.signature) ?? 0;
  const backlog = Number(plan.backlogs[i]!);
  if (plan.perReplica !== undefined) {
    const required = arrival / m.targetUtilization + backlog / m.catchUpSeconds;
    // The epsilon keeps an exact fit (210 / 70 = 3) from rounding up to 4 on floating-point dust.
    return { replicas: Math.max(0, Math.ceil(required / plan.perReplica - 1e-9)), arrival, basis: 'capacity' };
  }
  const instances = instancesOf(samples[i]!.group, m.streamThreads);
  if (instances !== undefined) return { replicas: Math.ceil(instances), arrival, basis: 'hold' };
  return { replicas: Math.ceil(backlog / m.lagThreshold), arrival, basis: 'lag' };
}

export const rateStrategy: LagStrategy = {
  name: 'rate',
  summary:
    'replicas to keep up with arrivals and drain the backlog within catchUpSeconds; target 1 (the metric is the replica count)',
  target: () => 1,
  decide(input: StrategyInput): Decision {
    const m = input.metadata;
    const a = analyze(input);
    const samples = input.history;
    const last = samples.length - 1;
    const plans: SubPlan[] = a.topology.subTopologies.map((sub) => {
      const keys = (a.bySubTopology.get(sub.id) ?? [])
        .filter((p) => !p.stalled)
        .map((p) => partitionKey(p.topic, p.partition));
      const signature = keySignature(keys, m);
      const backlogs = samples.map((s) => backlogAt(s, keys, m, signature));
      if (m.replicaThroughput !== undefined) {
        return { id: sub.id, keys, signature, backlogs, throughput: 'given', perReplica: m.replicaThroughput };
      }
      const learned = learnedThroughput(samples, keys, backlogs, m, m.rateWindow);
      return { id: sub.id, keys, signature, backlogs, throughput: learned, perReplica: learned?.perReplica };
    });

    const figures = new Map<string, Partial<SubTopologyDecision>>();
    const bases = new Map<string, string>();
    let dominant: string | undefined;
    let raw = 0;
    for (const plan of plans) {
      const now = replicasAt(samples, last, plan, m);
      bases.set(plan.id, now.basis);
      figures.set(plan.id, {
        arrivalRate: round(now.arrival),
        ...(plan.perReplica === undefined ? {} : { replicaThroughput: round(plan.perReplica) }),
        replicas: now.replicas,
      });
      if (now.replicas > raw || dominant === undefined) [dominant, raw] = [plan.id, now.replicas];
    }
    // Scale down only after the lower count held for scaleDownDelay; polls taken
    // during a rebalance measure the pause, not the demand, and do not count.
    const disturbed = disturbedSamples(samples, m.rebalanceCooldown);
    let held = raw;
    for (let i = last - 1; i >= 0 && input.now - samples[i]!.at < m.scaleDownDelay; i--) {
      if (disturbed[i]) continue;
      for (const plan of plans) held = Math.max(held, replicasAt(samples, i, plan, m).replicas);
    }
    const cap = a.topology.usefulMax;
    let desired = Math.min(held, cap);
    if (a.active) desired = Math.max(desired, 1);

    const words: string[] = [];
    const lead = plans.find((p) => p.id === dominant);
    const fig = dominant ? figures.get(dominant) : undefined;
    if (lead && fig) {
      const basis = bases.get(lead.id);
      const how =
        lead.throughput === 'given'
          ? `${m.replicaThroughput}/s per replica (replicaThroughput)`
          : lead.throughput
            ? `${fig.replicaThroughput}/s per replica (learned over ${formatDuration(lead.throughput.spanMs)} of busy time)`
            : basis === 'hold'
              ? 'throughput not known yet (no busy period in the history), so the current instances'
              : 'throughput not known yet, so backlog / lagThreshold';
      words.push(
        `sub-topology ${lead.id}: ${fig.arrivalRate}/s arriving, backlog ${lead.backlogs[last] ?? 0n}, ${how} → ${fig.replicas}`,
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
    };
  },
};
