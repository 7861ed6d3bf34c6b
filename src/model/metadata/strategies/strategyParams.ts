/**
 * Each lag strategy's own parameters: those it alone reads, declared in a
 * small file beside the others (offsetParams.ts, timeParams.ts,
 * rateParams.ts). Typed by StrategyName, so a name without its parameters
 * does not compile; triggerMetadata.ts composes the trigger schema from the
 * common parameters and these, and lag/strategy.ts's LagStrategy points at
 * its own (`params`). They live in the model layer so that parsing metadata
 * needs nothing from src/lag.
 */
import type { Schema } from '../../../schema.ts';
import type { StrategyName } from '../strategyNames.ts';
import { OFFSET_PARAMS } from './offsetParams.ts';
import { RATE_PARAMS } from './rateParams.ts';
import { TIME_PARAMS } from './timeParams.ts';

/** In STRATEGY_NAMES' order, which is the order of the trigger schema and so of its problems. */
export const STRATEGY_PARAMS = {
  offset: OFFSET_PARAMS,
  time: TIME_PARAMS,
  rate: RATE_PARAMS,
} as const satisfies Readonly<Record<StrategyName, Schema>>;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every strategy's parameters in one schema type. */
export type AllStrategyParams = UnionToIntersection<(typeof STRATEGY_PARAMS)[StrategyName]>;
