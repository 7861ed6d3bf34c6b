/**
 * The lag strategies by name. The keys are the allowed values of the
 * `lagStrategy` trigger parameter; keep the README's strategies table in step.
 */
import { offsetStrategy } from './offsetStrategy.ts';
import { rateStrategy } from './rateStrategy.ts';
import { withRebalanceHold } from './rebalanceHold.ts';
import type { LagStrategy } from './strategy.ts';
import { timeStrategy } from './timeStrategy.ts';

/** Every strategy holds its recommendation while the group rebalances (rebalanceHold.ts). */
const STRATEGIES: Readonly<Record<string, LagStrategy>> = Object.fromEntries(
  [offsetStrategy, timeStrategy, rateStrategy].map((s) => [s.name, withRebalanceHold(s)]),
);

export function strategyNames(): readonly string[] {
  return Object.keys(STRATEGIES);
}

/** The strategy for a validated `lagStrategy` value. */
export function strategyByName(name: string): LagStrategy {
  const strategy = STRATEGIES[name];
  if (!strategy) throw new Error(`unknown lag strategy "${name}"; known: ${strategyNames().join(', ')}`);
  return strategy;
}
