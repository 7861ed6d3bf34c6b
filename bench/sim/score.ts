/**
 * How a run is judged, and how a strategy compares with the baseline and
 * with the oracle (the best possible, oracle.ts).
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
  /** Scaling actions per hour of the run. */
  readonly scalingActionsPerHour: number;
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
    scalingActionsPerHour:
      run.latencyBySecond.length > 0 ? (run.scaleEvents.length * 3600) / run.latencyBySecond.length : 0,
    secondsToFirstReplica,
    returnedToZero: trace.endsIdle ? last === 0 : undefined,
    peakLatencySeconds: Math.round(peakLatency),
    peakReplicas,
    errors: run.errors,
  };
}

/** One run of a contender against the baseline's and the oracle's under the same phases, on one trace. */
export interface TargetCheck {
  readonly trace: string;
  readonly contender: string;
  /** No more seconds over the objective than the baseline (a target). */
  readonly objective: boolean;
  /** Replica-seconds / the oracle's (the target, for the best strategy of a trace: at most ORACLE_TARGET). */
  readonly oracleRatio: number;
  readonly oracleTarget: boolean;
  /** Replica-seconds / the baseline's (shown, not a target). */
  readonly baselineRatio: number;
}

/** The best strategy of a trace uses at most this many times the oracle's replica-seconds. */
export const ORACLE_TARGET = 1.2;

export function checkTargets(candidate: Score, baseline: Score, oracle: Score): TargetCheck {
  const oracleRatio = ratio(candidate.replicaSeconds, oracle.replicaSeconds);
  return {
    trace: candidate.trace,
    contender: candidate.contender,
    objective: candidate.secondsOverObjective <= baseline.secondsOverObjective,
    oracleRatio,
    oracleTarget: oracleRatio <= ORACLE_TARGET,
    baselineRatio: ratio(candidate.replicaSeconds, baseline.replicaSeconds),
  };
}

/** a / b, with 0 / 0 = 0 and a / 0 = ∞. */
export function ratio(a: number, b: number): number {
  if (b === 0) return a === 0 ? 0 : Infinity;
  return a / b;
}
