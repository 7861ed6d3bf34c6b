/**
 * The oracle: the replicas a group needs, computed from the model's truth
 * instead of from Kafka. It knows the trace (the load to come, per
 * partition), the records waiting in every partition of both topics, and
 * what a replica can do (streamsModel.ts: `replicaCapacity` work units a
 * second, `costSource` per source record, `costRepartition` per re-keyed
 * one). It answers KEDA and the HPA as a scaler would (active, and a metric
 * with target 1: the replicas it wants), so it goes through the same KEDA
 * and HPA timing, pod start, rebalances and restores as every strategy;
 * what it costs is the floor the strategies are judged against.
 *
 * What "enough and no more" means here, reasoned from the model:
 * - look ahead: replicas asked for now process about a minute later (20 s
 *   pod start, a 10 s rebalance, 30 s restore of moved stateful tasks) and
 *   the HPA asks again 15 s later, so the load to serve is the largest of
 *   the next ORACLE_LOOKAHEAD_MS, per partition;
 * - backlog: with capacity at least the arrivals, the oldest record's age
 *   does not grow, so a backlog may stay as long as it is no more than the
 *   ageing a scale-in causes (below: 85 s of a partition's arrivals), or
 *   every scale-in would be followed by a scale-out; the rest is worked off
 *   within ORACLE_DRAIN_SECONDS, the objective less the minute a scale-out
 *   takes;
 * - the busiest pod: a thread works only its own tasks and the assignor
 *   does not know their load, so n replicas must serve the busiest pod any
 *   balanced assignment can give: the ceil(partitions / n) busiest tasks of
 *   each sub-topology on one pod (one of each from n = partitions, one task
 *   from n = 2 × partitions). The oracle takes the fewest replicas whose
 *   busiest pod fits in one replica's capacity, or, when none does (a task
 *   alone is more than a thread), the fewest that make it as small as it
 *   can be;
 * - scale-in: the pods removed stop their tasks until their session times
 *   out, then every task pauses for the rebalance and moved stateful tasks
 *   restore (45 + 10 + 30 s in the model), so a scale-in ages the waiting
 *   records by that much. While the oldest record is older than the
 *   objective less that, the oracle asks for the replicas there are, which
 *   keeps the HPA (whose scale-down takes the highest recommendation of the
 *   last 300 s) from scaling in.
 */
import { LATENCY_OBJECTIVE_SECONDS } from './contenders.ts';
import type { AppParams } from './streamsModel.ts';
import type { Trace } from './traces.ts';

/** The load to come the oracle serves: a minute until replicas asked for now process, and the HPA's 15 s to its next look. */
export const ORACLE_LOOKAHEAD_MS = 75_000;
/** A backlog beyond what may stay is worked off within this: the 120 s objective less the minute a scale-out takes. */
export const ORACLE_DRAIN_SECONDS = 60;
/** How finely the trace is read ahead (its end included): the model's 2 s step. */
const LOOKAHEAD_STEP_MS = 2_000;

/** The group as the model knows it. */
export interface GroupTruth {
  /** Records waiting per partition of each topic. */
  readonly source: readonly number[];
  readonly repartition: readonly number[];
  /** Age of the oldest waiting record, seconds. */
  readonly oldestSeconds: number;
  /** The Deployment's replica count. */
  readonly replicas: number;
}

/** What the oracle answers: active, and the replicas it wants. */
export interface OracleAnswer {
  readonly active: boolean;
  readonly replicas: number;
}

export function oracle(
  trace: Trace,
  app: AppParams,
  tMs: number,
  group: GroupTruth,
  maxReplicas: number,
): OracleAnswer {
  const partitions = app.partitions;
  const arrivals = new Array<number>(partitions).fill(0);
  for (let ahead = 0; ahead < ORACLE_LOOKAHEAD_MS + LOOKAHEAD_STEP_MS; ahead += LOOKAHEAD_STEP_MS) {
    const t = tMs + Math.min(ahead, ORACLE_LOOKAHEAD_MS);
    if (t >= trace.durationMs) break;
    const rate = trace.rate(t);
    if (rate <= 0) continue;
    trace.weights(t, partitions).forEach((w, p) => (arrivals[p] = Math.max(arrivals[p]!, rate * w)));
  }
  // What a scale-in does to the records of the pods it removes: idle until their session times out, then a rebalance and a restore.
  const scaleInAgeing = (app.sessionTimeoutMs + app.rebalancePauseMs + app.warmupMs) / 1000;
  const excess = (waiting: number, rate: number): number =>
    Math.max(0, waiting - rate * scaleInAgeing) / ORACLE_DRAIN_SECONDS;
  const stateless = arrivals.map((a, p) => app.costSource * (a + excess(group.source[p]!, a)));
  const stateful = arrivals.map(
    (a, p) => app.costRepartition * (a + excess(group.source[p]!, a) + excess(group.repartition[p]!, a)),
  );
  const active = arrivals.some((a) => a > 0) || [...group.source, ...group.repartition].some((w) => w > 0);
  if (!active) return { active, replicas: 0 };
  const floor = group.oldestSeconds > LATENCY_OBJECTIVE_SECONDS - scaleInAgeing ? group.replicas : 0;
  return { active, replicas: Math.max(floor, fewestReplicas(stateless, stateful, app.replicaCapacity, maxReplicas)) };
}

/** The fewest replicas whose busiest pod fits in `capacity`, or that make it as small as it can be. */
function fewestReplicas(
  stateless: readonly number[],
  stateful: readonly number[],
  capacity: number,
  maxReplicas: number,
): number {
  let best = 1;
  let least = Infinity;
  for (let n = 1; n <= maxReplicas; n++) {
    const work = busiestPod(n, stateless, stateful);
    if (work <= capacity) return n;
    if (work < least - 1e-9) [best, least] = [n, work];
  }
  return best;
}

/**
 * Work units a second of the busiest pod any balanced assignment of these
 * tasks over `n` pods can give: each sub-topology's tasks are spread
 * ceil(tasks / n) at most to a pod, the busiest ones together.
 */
export function busiestPod(n: number, stateless: readonly number[], stateful: readonly number[]): number {
  const tasks = stateful.length;
  if (n >= 2 * tasks) return Math.max(top(stateful, 1), top(stateless, 1));
  const share = n >= tasks ? 1 : Math.ceil(tasks / n);
  return top(stateful, share) + top(stateless, share);
}

/** The sum of the `k` largest. */
function top(values: readonly number[], k: number): number {
  return [...values]
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, v) => sum + v, 0);
}
