/**
 * The allowed values of the `lagStrategy` trigger parameter, in the order
 * messages list them. The metadata parser accepts exactly these, and
 * lag/registry.ts maps each to its strategy with a record typed by
 * StrategyName, so the list and the strategies cannot drift apart.
 */
export const STRATEGY_NAMES = ['offset', 'time', 'rate'] as const;

export type StrategyName = (typeof STRATEGY_NAMES)[number];
