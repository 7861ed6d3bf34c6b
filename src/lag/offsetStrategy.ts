/**
 * `offset`: KEDA's Kafka lag, for drop-in parity with the built-in `kafka`
 * scaler (see kedaLag.ts for the rules and where we deliberately differ).
 * Metric = summed lag with the partition cap; target = lagThreshold;
 * active when lag (persistent lag included) is above activationLagThreshold.
 */
import { partitionKey } from '../poller/sample.ts';
import { partitionLag, totalLag } from './kedaLag.ts';
import { persistentPartitions } from './persistentLag.ts';
import type { Decision, LagStrategy, StrategyInput } from './strategy.ts';

export const offsetStrategy: LagStrategy = {
  name: 'offset',
  summary: "total records behind, as KEDA's kafka scaler counts them; target lagThreshold per replica",
  target: (metadata) => metadata.lagThreshold,
  decide(input: StrategyInput): Decision {
    const { metadata: m, latest, history } = input;
    const persistent = m.excludePersistentLag
      ? persistentPartitions(history, m.persistentLagWindow)
      : new Set<string>();
    const limit = m.partitionLimitation;
    const parts = latest.partitions
      .filter((p) => !limit || limit.has(p.partition))
      .map((p) => partitionLag(p, m, persistent.has(partitionKey(p.topic, p.partition))));
    const total = totalLag(parts, m);
    const active = total.activationLag > BigInt(m.activationLagThreshold);
    return {
      metricValue: toMetricNumber(total.metric),
      target: m.lagThreshold,
      active,
      explanation: explain(total, parts, m.lagThreshold, m.activationLagThreshold, active),
      partitions: parts,
    };
  },
};

/** bigint → number for the proto boundary, clamped to the exactly representable range. */
export function toMetricNumber(n: bigint): number {
  if (n <= 0n) return 0;
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

function explain(
  total: ReturnType<typeof totalLag>,
  parts: ReturnType<typeof partitionLag>[],
  threshold: number,
  activation: number,
  active: boolean,
): string {
  const words = [`lag ${total.uncapped} on ${total.partitions} partition(s)`];
  const uncommitted = parts.filter((p) => p.note === 'uncommitted').length;
  const persistent = parts.filter((p) => p.note === 'persistent').length;
  if (uncommitted) words.push(`${uncommitted} without a committed offset`);
  if (persistent) words.push(`${persistent} with persistent lag left out of the metric`);
  if (total.evenFactor !== undefined) words.push(`rounded to ${total.evenFactor} replica(s) dividing the partitions`);
  if (total.cap !== undefined && total.metric < total.uncapped && total.evenFactor === undefined) {
    words.push(`capped at ${total.cap} replica(s) × ${threshold}`);
  }
  words.push(`metric ${total.metric} for target ${threshold}`);
  words.push(`${active ? 'active' : 'inactive'}: ${total.activationLag} ${active ? '>' : '≤'} ${activation}`);
  return words.join('; ');
}
