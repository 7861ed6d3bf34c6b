/**
 * The strategy seam. A strategy is a name, the parameters it alone reads
 * (`params`), a target and a pure function of a trigger's parsed metadata and
 * the poller's recent history that returns the metric KEDA hands to the HPA,
 * whether the trigger is active, and why; KEDA's scalers pair a name with
 * their own typed metadata the same way.
 *
 * Adding one:
 * 1. its name in model/metadata/strategyNames.ts (the allowed `lagStrategy` values);
 * 2. its parameters in model/metadata/strategies/<name>Params.ts and one line
 *    in strategies/strategyParams.ts: the model layer composes the trigger
 *    schema from them, so parsing needs nothing from here;
 * 3. the strategy in a new file here, with `params` pointing at that
 *    fragment, and one line in registry.ts.
 * Both records are typed by StrategyName, so a name missing from either does
 * not compile; observe/strategyParams.test.ts checks that every parameter has one
 * owner and that a strategy's fragment names what it reads; docs.test.ts,
 * that docs/trigger-metadata.md documents each under its strategy.
 */
import type { Decision } from '../model/decision.ts';
import type { Sample } from '../model/sample.ts';
import type { Schema } from '../schema.ts';
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
  /**
   * The parameters only this strategy reads: its fragment of the trigger
   * schema (model/metadata/strategies/), common ones not included.
   */
  readonly params: Schema;
  /** What the poller must read for this strategy beyond offsets and group state. */
  readonly needs?: {
    readonly recordTimestamps?: boolean;
    /** It reads every poll of the whole history, not only of its windows (historyWindows): `rate` learns from it. */
    readonly wholeHistory?: boolean;
  };
  /** The HPA target, from the metadata alone (GetMetricSpec must not need Kafka). */
  target(metadata: TriggerMetadata): number;
  decide(input: StrategyInput): Decision;
}
