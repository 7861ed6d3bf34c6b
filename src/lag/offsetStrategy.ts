/**
 * `offset`: KEDA's Kafka lag, for drop-in parity with the built-in `kafka`
 * scaler (see kedaLag.ts for the rules and where we deliberately differ).
 * Metric = summed lag with KEDA's partition cap, and at most the useful
 * maximum (Kafka Streams tasks / streamThreads) unless allowIdleConsumers;
 * target = lagThreshold; active when lag (persistent lag included) is above
 * activationLagThreshold.
 */
import type { Decision } from '../model/decision.ts';
import { OFFSET_PARAMS } from '../model/metadata/strategies/offsetParams.ts';
import { analyze, commonNotes, topologyDecision } from './analysis.ts';
import type { LagStrategy, StrategyInput } from './strategy.ts';
import { describeTopology } from '../streams/topology.ts';

export const offsetStrategy: LagStrategy = {
  name: 'offset',
  summary: "total records behind, as KEDA's kafka scaler counts them; target lagThreshold per replica",
  params: OFFSET_PARAMS,
  target: (metadata) => metadata.lagThreshold,
  decide(input: StrategyInput): Decision {
    const m = input.metadata;
    const a = analyze(input);
    const { keda } = a;
    const usefulCap = BigInt(a.topology.usefulMax) * BigInt(m.lagThreshold);
    const metric = !m.allowIdleConsumers && keda.metric > usefulCap ? usefulCap : keda.metric;

    const words = [`lag ${keda.uncapped} on ${keda.partitions} partition(s)`];
    const uncommitted = a.partitions.filter((p) => p.note === 'uncommitted').length;
    const persistent = a.partitions.filter((p) => p.note === 'persistent').length;
    if (uncommitted) words.push(`${uncommitted} without a committed offset`);
    if (persistent) words.push(`${persistent} with persistent lag left out of the metric`);
    words.push(...commonNotes(a));
    if (keda.evenFactor !== undefined) words.push(`rounded to ${keda.evenFactor} replica(s) dividing the partitions`);
    if (metric < keda.metric) words.push(`capped at the useful max: ${describeTopology(a.topology)}`);
    else if (keda.cap !== undefined && keda.metric < keda.uncapped && keda.evenFactor === undefined) {
      words.push(`capped at ${keda.cap} replica(s) × ${m.lagThreshold}`);
    }
    words.push(`metric ${metric} for target ${m.lagThreshold}`);
    words.push(
      `${a.active ? 'active' : 'inactive'}: ${keda.activationLag} ${a.active ? '>' : '≤'} ${m.activationLagThreshold}`,
    );
    return {
      metricValue: toMetricNumber(metric),
      target: m.lagThreshold,
      active: a.active,
      explanation: words.join('; '),
      partitions: a.partitions,
      topology: topologyDecision(a),
      stalled: a.stalled,
    };
  },
};

/** bigint → number for the proto boundary, clamped to the exactly representable range. */
export function toMetricNumber(n: bigint): number {
  if (n <= 0n) return 0;
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}
