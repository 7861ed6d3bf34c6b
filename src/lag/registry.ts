/**
 * The lag strategies by name. The keys are the allowed values of the
 * `lagStrategy` trigger parameter; keep the README's strategies table in step.
 */
import { offsetStrategy } from './offsetStrategy.ts';
import type { LagStrategy } from './strategy.ts';

const STRATEGIES: Readonly<Record<string, LagStrategy>> = {
  [offsetStrategy.name]: offsetStrategy,
};

export function strategyNames(): readonly string[] {
  return Object.keys(STRATEGIES);
}

/** The strategy for a validated `lagStrategy` value. */
export function strategyByName(name: string): LagStrategy {
  const strategy = STRATEGIES[name];
  if (!strategy) throw new Error(`unknown lag strategy "${name}"; known: ${strategyNames().join(', ')}`);
  return strategy;
}
