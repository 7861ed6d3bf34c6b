/**
 * `rate`: enough replicas to meet a drain-time objective. Per sub-topology
 * (the form of the Flink Kubernetes operator's autoscaler):
 *
 *   required capacity = arrival rate / targetUtilization + backlog / catchUpSeconds
 *   replicas          = ceil(required capacity / per-replica throughput)
 *
 * combined with max over sub-topologies, at most the useful maximum, at
 * least 1 while active. Per-replica throughput is `replicaThroughput`, or
 * learned from busy windows (rates.ts); until it is known, replicas follow
 * lag / lagThreshold as `offset` would. A lower count is recommended only
 * once it held for scaleDownDelay; a higher one at once. The metric is the
 * replica count with target 1, so an AverageValue HPA lands on it.
 */
import { formatDuration } from '../duration.ts';
import { partitionKey } from '../poller/sample.ts';
import type { TriggerMetadata } from '../scaler/triggerMetadata.ts';
import { analyze, commonNotes, topologyDecision } from './analysis.ts';
import { arrivalRate, indexHistory, type IndexedSample, lagAt, learnedThroughput, type Throughput } from './rates.ts';
import type { Decision, LagStrategy, StrategyInput, SubTopologyDecision } from './strategy.ts';

interface SubPlan {
  readonly id: string;
  readonly keys: readonly string[];
  readonly throughput: Throughput | 'given' | undefined;
  readonly perReplica: number | undefined;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** Replicas one sub-topology asks for at sample `i`. */
function replicasAt(
  samples: readonly IndexedSample[],
  i: number,
  plan: SubPlan,
  m: TriggerMetadata,
): { replicas: number; arrival: number; backlog: bigint } {
  const arrival = arrivalRate(samples, i, plan.keys, m.rateWindow) ?? 0;
  const backlog = lagAt(samples[i]!, plan.keys, m);
  if (plan.perReplica === undefined) {
    return { replicas: Math.ceil(Number(backlog) / m.lagThreshold), arrival, backlog };
  }
  const required = arrival / m.targetUtilization + Number(backlog) / m.catchUpSeconds;
  // The epsilon keeps an exact fit (210 / 70 = 3) from rounding up to 4 on floating-point dust.
  return { replicas: Math.max(0, Math.ceil(required / plan.perReplica - 1e-9)), arrival, backlog };
}

export const rateStrategy: LagStrategy = {
  name: 'rate',
  summary:
    'replicas to keep up with arrivals and drain the backlog within catchUpSeconds; target 1 (the metric is the replica count)',
  target: () => 1,
  decide(input: StrategyInput): Decision {
    const m = input.metadata;
    const a = analyze(input);
    const samples = indexHistory(input.history);
    const last = samples.length - 1;
    const plans: SubPlan[] = a.topology.subTopologies.map((sub) => {
      const partitions = a.bySubTopology.get(sub.id) ?? [];
      const keys = partitions.map((p) => partitionKey(p.topic, p.partition));
      if (m.replicaThroughput !== undefined)
        return { id: sub.id, keys, throughput: 'given', perReplica: m.replicaThroughput };
      // Stalled partitions commit nothing: their windows would teach a throughput of zero.
      const learned = partitions.some((p) => p.stalled) ? undefined : learnedThroughput(samples, keys, m, m.rateWindow);
      return { id: sub.id, keys, throughput: learned, perReplica: learned?.perReplica };
    });

    const figures = new Map<string, Partial<SubTopologyDecision>>();
    const backlogs = new Map<string, bigint>();
    let dominant: string | undefined;
    let raw = 0;
    for (const plan of plans) {
      const now = replicasAt(samples, last, plan, m);
      backlogs.set(plan.id, now.backlog);
      figures.set(plan.id, {
        arrivalRate: round(now.arrival),
        ...(plan.perReplica === undefined ? {} : { replicaThroughput: round(plan.perReplica) }),
        replicas: now.replicas,
      });
      if (now.replicas > raw || dominant === undefined) [dominant, raw] = [plan.id, now.replicas];
    }
    // Scale down only after the lower count held for scaleDownDelay.
    let held = raw;
    for (let i = last - 1; i >= 0 && input.now - samples[i]!.at < m.scaleDownDelay; i--) {
      for (const plan of plans) held = Math.max(held, replicasAt(samples, i, plan, m).replicas);
    }
    const cap = a.topology.usefulMax;
    let desired = Math.min(held, cap);
    if (a.active) desired = Math.max(desired, 1);

    const words: string[] = [];
    const lead = plans.find((p) => p.id === dominant);
    const fig = dominant ? figures.get(dominant) : undefined;
    if (lead && fig) {
      const throughput =
        lead.throughput === 'given'
          ? `${m.replicaThroughput}/s per replica (replicaThroughput)`
          : lead.throughput
            ? `${fig.replicaThroughput}/s per replica (learned over ${formatDuration(lead.throughput.spanMs)} of busy time)`
            : `throughput not known yet, so lag / lagThreshold`;
      words.push(
        `sub-topology ${lead.id}: ${fig.arrivalRate}/s arriving, backlog ${backlogs.get(lead.id) ?? 0n}, ${throughput} → ${fig.replicas}`,
      );
    }
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
