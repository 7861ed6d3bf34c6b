/**
 * KEDA and the Horizontal Pod Autoscaler acting on an external scaler's
 * answers, as they do in a cluster, for the demo and the simulator.
 *
 * KEDA, every `pollingIntervalMs`: calls IsActive; active at 0 replicas →
 * max(minReplicas, 1) at once; inactive above 0 with minReplicas 0 → 0 once
 * `cooldownMs` has passed since it was last active. The HPA, every
 * `hpaSyncMs` and only at 1 replica or more: the AverageValue rule
 * desired = ceil(metric / target), skipped within the tolerance; a scale-down
 * waits for the highest recommendation of the stabilisation window; each
 * direction is rate-limited by its policies; bounded by [max(min, 1), max].
 *
 * Defaults are KEDA's and Kubernetes' (the HPA behavior defaults as the
 * controller applies them: scale-up Percent 100 or Pods 4 per 15 s,
 * whichever is higher; scale-down Percent 100 per 15 s after a 300 s
 * stabilisation window; the v2 API comment says 60 s periods, the Kubernetes
 * documentation and controller use 15 s).
 */

export interface HpaPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodMs: number;
}

export interface KedaHpaParams {
  readonly pollingIntervalMs: number;
  readonly hpaSyncMs: number;
  readonly cooldownMs: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly tolerance: number;
  readonly scaleUpStabilizationMs: number;
  readonly scaleDownStabilizationMs: number;
  readonly scaleUpPolicies: readonly HpaPolicy[];
  readonly scaleDownPolicies: readonly HpaPolicy[];
}

export const KEDA_HPA_DEFAULTS: KedaHpaParams = {
  pollingIntervalMs: 30_000,
  hpaSyncMs: 15_000,
  cooldownMs: 300_000,
  minReplicas: 0,
  maxReplicas: 100,
  tolerance: 0.1,
  scaleUpStabilizationMs: 0,
  scaleDownStabilizationMs: 300_000,
  scaleUpPolicies: [
    { type: 'Percent', value: 100, periodMs: 15_000 },
    { type: 'Pods', value: 4, periodMs: 15_000 },
  ],
  scaleDownPolicies: [{ type: 'Percent', value: 100, periodMs: 15_000 }],
};

/** A change of the replica count, and who made it. */
export interface ScaleEvent {
  readonly at: number;
  readonly from: number;
  readonly to: number;
  readonly by: 'keda' | 'hpa';
  readonly reason: string;
}

export class KedaHpa {
  readonly params: KedaHpaParams;
  replicas = 0;
  readonly events: ScaleEvent[] = [];
  #lastActiveAt: number | undefined;
  #recommendations: Array<{ at: number; replicas: number }> = [];

  constructor(params: Partial<KedaHpaParams> = {}) {
    this.params = { ...KEDA_HPA_DEFAULTS, ...params };
  }

  /**
   * Starts from a settled state: `replicas` running, as KEDA and the HPA
   * left them (active if above 0, with that count recommended so far).
   */
  assume(replicas: number, now: number): void {
    this.replicas = replicas;
    this.#recommendations = replicas > 0 ? [{ at: now, replicas }] : [];
    this.#lastActiveAt = replicas > 0 ? now : undefined;
  }

  /** KEDA's poll: activation and scale to and from zero. Returns the replica count. */
  kedaPoll(now: number, active: boolean): number {
    const { minReplicas, cooldownMs } = this.params;
    if (active) {
      this.#lastActiveAt = now;
      if (this.replicas === 0) this.#set(now, Math.max(minReplicas, 1), 'keda', 'activated');
    } else if (this.replicas > 0 && minReplicas === 0) {
      const idle = this.#lastActiveAt === undefined ? Infinity : now - this.#lastActiveAt;
      if (idle >= cooldownMs) {
        this.#set(now, 0, 'keda', 'inactive past the cooldown');
        this.#recommendations = [];
      }
    }
    return this.replicas;
  }

  /** The HPA's sync with the metric the scaler reports; a no-op at 0 replicas. Returns the replica count. */
  hpaSync(now: number, metricValue: number, target: number): number {
    const current = this.replicas;
    if (current === 0) return 0;
    const p = this.params;
    const floor = Math.max(p.minReplicas, 1);
    const usageRatio = target > 0 ? metricValue / (target * current) : 1;
    const raw =
      Math.abs(usageRatio - 1) <= p.tolerance ? current : Math.ceil(target > 0 ? metricValue / target : current);
    const recommendation = Math.min(p.maxReplicas, Math.max(floor, raw));
    this.#recommendations = this.#recommendations.filter(
      (r) => now - r.at < Math.max(p.scaleDownStabilizationMs, p.scaleUpStabilizationMs),
    );
    this.#recommendations.push({ at: now, replicas: recommendation });

    let up = recommendation;
    let down = recommendation;
    for (const r of this.#recommendations) {
      if (now - r.at < p.scaleUpStabilizationMs) up = Math.min(up, r.replicas);
      if (now - r.at < p.scaleDownStabilizationMs) down = Math.max(down, r.replicas);
    }
    let desired = Math.min(Math.max(current, up), down);
    if (desired > current) desired = Math.min(desired, this.#limit(now, 'up'));
    if (desired < current) desired = Math.max(desired, this.#limit(now, 'down'));
    desired = Math.min(p.maxReplicas, Math.max(floor, desired));
    if (desired !== current) this.#set(now, desired, 'hpa', `ceil(${round(metricValue)} / ${round(target)}) = ${raw}`);
    return this.replicas;
  }

  /** The most (up) or least (down) replicas the policies allow now. */
  #limit(now: number, direction: 'up' | 'down'): number {
    const policies = direction === 'up' ? this.params.scaleUpPolicies : this.params.scaleDownPolicies;
    const limits = policies.map((policy) => {
      const changed = this.events
        .filter((e) => e.by === 'hpa' && now - e.at < policy.periodMs)
        .reduce((sum, e) => sum + (direction === 'up' ? Math.max(0, e.to - e.from) : Math.max(0, e.from - e.to)), 0);
      const start = direction === 'up' ? this.replicas - changed : this.replicas + changed;
      if (policy.type === 'Pods') return direction === 'up' ? start + policy.value : start - policy.value;
      return direction === 'up'
        ? Math.ceil(start * (1 + policy.value / 100))
        : Math.floor(start * (1 - policy.value / 100));
    });
    // selectPolicy Max: the policy that allows the largest change.
    return direction === 'up' ? Math.max(...limits) : Math.min(...limits);
  }

  #set(at: number, to: number, by: ScaleEvent['by'], reason: string): void {
    this.events.push({ at, from: this.replicas, to, by, reason });
    this.replicas = to;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
