/**
 * A stand-in strategy for unit tests of what wraps strategies (the rebalance
 * hold): its metric is the records waiting on the first partition of the
 * latest poll, the rest is the offset strategy's decision.
 */
import { offsetStrategy } from '../../src/lag/offsetStrategy.ts';
import type { LagStrategy } from '../../src/lag/strategy.ts';

export const waitingStrategy: LagStrategy = {
  ...offsetStrategy,
  decide: (input) => {
    const p = input.latest.partitions[0]!;
    return { ...offsetStrategy.decide(input), metricValue: Number(p.end! - p.committed) };
  },
};
