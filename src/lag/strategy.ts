/**
 * The strategy seam. A strategy is a pure function of a trigger's parsed
 * metadata and the poller's recent history; it returns the metric KEDA hands
 * to the HPA, the target, whether the trigger is active, and why.
 * Adding one: a new file and one line in registry.ts.
 */
import type { Decision } from '../model/decision.ts';
import type { Sample } from '../model/sample.ts';
import type { StrategyName } from '../model/metadata/strategyNames.ts';
import type { TriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import type { SampleMemo } from './sampleMemo.ts';

export interface StrategyInput {
  readonly metadata: TriggerMetadata;
  /** The newest successful poll. */
  readonly latest: Sample;
  /** Successful polls, oldest first, ending with `latest`. */
  readonly history: readonly Sample[];
  /** The evaluation time (epoch ms). */
  readonly now: number;
  /**
   * The trigger's previous decision, if this scaler made one: what a
   * strategy learned and wants to keep beyond the poll history.
   */
  readonly previous?: Decision;
  /**
   * What the trigger's earlier decisions derived from the polls still in
   * `history` (its evaluator's; without one, figures are computed afresh).
   */
  readonly memo?: SampleMemo;
}

export interface LagStrategy {
  /** The value of `lagStrategy` that selects it. */
  readonly name: StrategyName;
  /** One sentence for docs and the status page. */
  readonly summary: string;
  /** What the poller must read for this strategy beyond offsets and group state. */
  readonly needs?: { readonly recordTimestamps?: boolean };
  /** The HPA target, from the metadata alone (GetMetricSpec must not need Kafka). */
  target(metadata: TriggerMetadata): number;
  decide(input: StrategyInput): Decision;
}
