/**
 * How a run is judged, and how a strategy compares with the baseline.
 */
import type { Run } from './runSim.ts';
import type { Trace } from './traces.ts';

export interface Score {
  readonly trace: string;
  readonly contender: string;
  /** Seconds in which the oldest waiting record was older than the objective. */
  readonly secondsOverObjective: number;
  /** Σ replicas over the run's seconds: what the run cost. */
  readonly replicaSeconds: number;
  /** Replica count changes (each one a rebalance). */
  readonly scalingActions: number;
  /** From the first record to the first replica asked for, when the trace starts at zero. */
  readonly secondsToFirstReplica: number | undefined;
  /** Whether the run ended at zero replicas, when the load ends. */
  readonly returnedToZero: boolean | undefined;
  readonly peakLatencySeconds: number;
  readonly peakReplicas: number;
  /** Scaler calls that failed (none expected). */
  readonly errors: number;
}

export function score(run: Run, trace: Trace, objectiveSeconds: number): Score {
  let over = 0;
  let replicaSeconds = 0;
  let peakLatency = 0;
  let peakReplicas = 0;
  for (let i = 0; i < run.latencyBySecond.length; i++) {
    const latency = run.latencyBySecond[i]!;
    const replicas = run.replicasBySecond[i]!;
    if (latency > objectiveSeconds) over++;
    replicaSeconds += replicas;
    peakLatency = Math.max(peakLatency, latency);
    peakReplicas = Math.max(peakReplicas, replicas);
  }
  let secondsToFirstReplica: number | undefined;
  if (trace.initialReplicas === 0 && run.firstRecordAt !== undefined) {
    const firstUp = run.scaleEvents.find((e) => e.from === 0 && e.to > 0);
    if (firstUp) secondsToFirstReplica = Math.round(firstUp.atSeconds - run.firstRecordAt);
  }
  const last = run.replicasBySecond[run.replicasBySecond.length - 1];
  return {
    trace: run.trace,
    contender: run.contender,
    secondsOverObjective: over,
    replicaSeconds,
    scalingActions: run.scaleEvents.length,
    secondsToFirstReplica,
    returnedToZero: trace.endsIdle ? last === 0 : undefined,
    peakLatencySeconds: Math.round(peakLatency),
    peakReplicas,
    errors: run.errors,
  };
}

/** The targets for one trace: a contender against the baseline. */
export interface TargetCheck {
  readonly trace: string;
  readonly contender: string;
  /** No more seconds over the objective than the baseline. */
  readonly objective: boolean;
  /** Replica-seconds / the baseline's (the target: at most 0.8 on bursty traces). */
  readonly replicaRatio: number;
  readonly replicaTarget: boolean | undefined;
  /** Scaling actions / the baseline's (the target: at most 0.6). */
  readonly actionRatio: number;
  readonly actions: boolean;
}

export const REPLICA_TARGET = 0.8;
export const ACTION_TARGET = 0.6;

export function checkTargets(candidate: Score, baseline: Score, bursty: boolean): TargetCheck {
  const replicaRatio = ratio(candidate.replicaSeconds, baseline.replicaSeconds);
  const actionRatio = ratio(candidate.scalingActions, baseline.scalingActions);
  return {
    trace: candidate.trace,
    contender: candidate.contender,
    objective: candidate.secondsOverObjective <= baseline.secondsOverObjective,
    replicaRatio,
    replicaTarget: bursty ? replicaRatio <= REPLICA_TARGET : undefined,
    actionRatio,
    actions: actionRatio <= ACTION_TARGET,
  };
}

/** a / b, with 0 / 0 = 0 and a / 0 = ∞. */
function ratio(a: number, b: number): number {
  if (b === 0) return a === 0 ? 0 : Infinity;
  return a / b;
}
