/**
 * The strategy seam. A strategy is a pure function of a trigger's parsed
 * metadata and the poller's recent history; it returns the metric KEDA hands
 * to the HPA, the target, whether the trigger is active, and why.
 * Adding one: a new file and one line in registry.ts.
 */
import type { Sample } from '../poller/sample.ts';
import type { TriggerMetadata } from '../scaler/triggerMetadata.ts';

export interface StrategyInput {
  readonly metadata: TriggerMetadata;
  /** The newest successful poll. */
  readonly latest: Sample;
  /** Successful polls, oldest first, ending with `latest`. */
  readonly history: readonly Sample[];
  /** The evaluation time (epoch ms). */
  readonly now: number;
}

export interface PartitionDecision {
  readonly topic: string;
  readonly partition: number;
  readonly committed: bigint;
  readonly end: bigint | undefined;
  /** What the partition adds to the metric. */
  readonly lag: bigint;
  /** What it adds to the activation check (differs only for persistent lag). */
  readonly activationLag: bigint;
  /** Why the partition counts as it does, when not plain end − committed. */
  readonly note?: 'uncommitted' | 'persistent' | 'no-end-offset';
}

export interface Decision {
  /** The value for the HPA (AverageValue): desired replicas ≈ ceil(metricValue / target). */
  readonly metricValue: number;
  readonly target: number;
  readonly active: boolean;
  /** One line a person can read: what was measured and why this is the answer. */
  readonly explanation: string;
  readonly partitions: readonly PartitionDecision[];
}

export interface LagStrategy {
  /** The value of `lagStrategy` that selects it. */
  readonly name: string;
  /** One sentence for docs and the status page. */
  readonly summary: string;
  /** The HPA target, from the metadata alone (GetMetricSpec must not need Kafka). */
  target(metadata: TriggerMetadata): number;
  decide(input: StrategyInput): Decision;
}
