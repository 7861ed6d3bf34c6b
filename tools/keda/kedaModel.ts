/**
 * What KEDA and the HPA do with a scaler's answers, as a pure step function:
 *
 * - activation: inactive at 0 replicas stays at 0; active at 0 goes to
 *   max(minReplicas, 1); inactive above 0 drops to 0 once `cooldownMs` has
 *   passed since the trigger was last active (KEDA's cooldownPeriod);
 * - above 0: the HPA's AverageValue rule, desired = ceil(metric / target),
 *   skipped within the 10 % tolerance, bounded by [max(min, 1), max];
 * - scale-down stabilisation: the highest recommendation of the last
 *   `stabilizationMs` wins (HPA behavior default 300 s).
 */

export interface KedaHpaConfig {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cooldownMs: number;
  readonly stabilizationMs: number;
  readonly tolerance: number;
}

/** KEDA's and Kubernetes' defaults. */
export const KEDA_DEFAULTS: KedaHpaConfig = {
  minReplicas: 0,
  maxReplicas: 100,
  cooldownMs: 300_000,
  stabilizationMs: 300_000,
  tolerance: 0.1,
};

export interface KedaHpaState {
  readonly replicas: number;
  readonly lastActiveAt: number | undefined;
  /** Recent HPA recommendations with their times, for scale-down stabilisation. */
  readonly recommendations: ReadonlyArray<{ readonly at: number; readonly replicas: number }>;
}

export interface ScalerAnswer {
  readonly metricValue: number;
  readonly target: number;
  readonly active: boolean;
}

export interface Step {
  readonly state: KedaHpaState;
  /** Why the replica count is what it is, for a person reading the output. */
  readonly reason: string;
}

export const INITIAL_STATE: KedaHpaState = { replicas: 0, lastActiveAt: undefined, recommendations: [] };

export function kedaHpaStep(state: KedaHpaState, answer: ScalerAnswer, now: number, config: KedaHpaConfig): Step {
  const lastActiveAt = answer.active ? now : state.lastActiveAt;
  const floor = Math.max(config.minReplicas, 1);
  if (state.replicas === 0) {
    if (!answer.active) return { state: { ...state, lastActiveAt }, reason: 'inactive: stays at zero' };
    return {
      state: { replicas: floor, lastActiveAt, recommendations: [{ at: now, replicas: floor }] },
      reason: `activated: 0 → ${floor}`,
    };
  }
  if (!answer.active && config.minReplicas === 0) {
    const idleFor = lastActiveAt === undefined ? Infinity : now - lastActiveAt;
    if (idleFor >= config.cooldownMs) {
      return {
        state: { replicas: 0, lastActiveAt, recommendations: [] },
        reason: 'inactive past the cooldown: scaled to zero',
      };
    }
  }
  const ratio = answer.target > 0 ? answer.metricValue / answer.target / state.replicas : 1;
  const raw =
    Math.abs(ratio - 1) <= config.tolerance
      ? state.replicas
      : Math.ceil(answer.target > 0 ? answer.metricValue / answer.target : state.replicas);
  const recommended = Math.min(config.maxReplicas, Math.max(floor, raw));
  const recommendations = [
    ...state.recommendations.filter((r) => now - r.at < config.stabilizationMs),
    { at: now, replicas: recommended },
  ];
  const stabilized = Math.max(...recommendations.map((r) => r.replicas));
  const replicas = recommended > state.replicas ? recommended : Math.min(state.replicas, stabilized);
  let reason: string;
  if (replicas > state.replicas)
    reason = `scale out ${state.replicas} → ${replicas} (ceil(${answer.metricValue} / ${answer.target}))`;
  else if (replicas < state.replicas) reason = `scale in ${state.replicas} → ${replicas}`;
  else if (recommended < state.replicas) reason = `holding ${replicas}: scale-down stabilisation wants ${recommended}`;
  else if (!answer.active)
    reason = `inactive, cooling down (${Math.round((config.cooldownMs - (now - (lastActiveAt ?? now))) / 1000)}s left)`;
  else reason = `steady at ${replicas}`;
  return { state: { replicas, lastActiveAt, recommendations }, reason };
}
