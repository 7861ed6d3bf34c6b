/**
 * The lag strategies by name, one line each. The names are
 * model/metadata/strategyNames.ts's STRATEGY_NAMES, the allowed values of the
 * `lagStrategy` trigger parameter; each strategy's `params` is the fragment
 * of the same name in model/metadata/strategies/strategyParams.ts
 * (observe/strategyParams.test.ts checks it). Adding a strategy: see strategy.ts.
 * Keep docs/strategies.md's table in step (src/docs.test.ts checks it).
 */
import type { StrategyName } from '../model/metadata/strategyNames.ts';
import { offsetStrategy } from './offsetStrategy.ts';
import { rateStrategy } from './rateStrategy.ts';
import { withRebalanceHold } from './rebalanceHold.ts';
import type { LagStrategy } from './strategy.ts';
import { timeStrategy } from './timeStrategy.ts';

/** Every strategy holds its recommendation while the group rebalances (rebalanceHold.ts). */
const STRATEGIES: Readonly<Record<StrategyName, LagStrategy>> = {
  offset: withRebalanceHold(offsetStrategy),
  time: withRebalanceHold(timeStrategy),
  rate: withRebalanceHold(rateStrategy),
};

/** The strategy for a validated `lagStrategy` value. */
export function strategyByName(name: string): LagStrategy {
  const strategy = Object.hasOwn(STRATEGIES, name) ? STRATEGIES[name as StrategyName] : undefined;
  if (!strategy) throw new Error(`unknown lag strategy "${name}"; known: ${Object.keys(STRATEGIES).join(', ')}`);
  return strategy;
}
