/**
 * The strategy settings the simulator compares, each reasoned from the model
 * (streamsModel.ts) and the objective, not fitted to a trace:
 *
 * - one replica works off about 125 records/s end to end (150 work units/s,
 *   0.2 per source record plus 1 per re-keyed record), and each record waits
 *   twice: in `events`, then in the repartition topic;
 * - a scale-out takes effect about a minute after the load arrives: up to
 *   30 s to KEDA's or 15 s to the HPA's next look, 20 s pod start, a 10 s
 *   rebalance, 30 s of state restore for moved stateful tasks;
 * - the objective is LATENCY_OBJECTIVE_SECONDS: no record older than that
 *   unprocessed.
 */
export const LATENCY_OBJECTIVE_SECONDS = 120;

/** Records one replica works off per second in the model, source to sink. */
const REPLICA_RECORDS_PER_SECOND = 125;

export interface Contender {
  readonly name: string;
  /** Why these settings. */
  readonly reasoning: string;
  /** Trigger metadata besides bootstrapServers and consumerGroup. */
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * `baseline`: what the targets compare with; `candidate`: judged against it; `reference`: shown for context;
   * `oracle`: not a scaler setting but the best possible (oracle.ts), what replica-seconds are measured against.
   */
  readonly role: 'baseline' | 'candidate' | 'reference' | 'oracle';
}

export const CONTENDERS: readonly Contender[] = [
  {
    name: 'offset-keda',
    reasoning:
      "KEDA's kafka scaler as its documentation sets it up: the input topic, lagThreshold 10, every other parameter at its default",
    metadata: { lagStrategy: 'offset', topic: 'events' },
    role: 'baseline',
  },
  {
    name: 'offset-tuned',
    reasoning: `the same with lagThreshold = the input records one replica works off in a minute (${REPLICA_RECORDS_PER_SECOND}/s × 60 s)`,
    metadata: { lagStrategy: 'offset', topic: 'events', lagThreshold: String(REPLICA_RECORDS_PER_SECOND * 60) },
    role: 'reference',
  },
  {
    name: 'time',
    reasoning:
      'all topics of the group; timeLagThreshold = the objective / 12 replicas (what the largest load needs with headroom), so a group at the objective asks for them all',
    metadata: { lagStrategy: 'time', timeLagThreshold: String(LATENCY_OBJECTIVE_SECONDS / 12) },
    role: 'candidate',
  },
  {
    name: 'rate',
    reasoning:
      'all topics of the group; catchUpSeconds 60 = the objective less the minute a scale-out takes to act; throughput learned; lagThreshold (sizing before throughput is known) = what one replica works off in catchUpSeconds',
    metadata: {
      lagStrategy: 'rate',
      catchUpSeconds: '60',
      lagThreshold: String(REPLICA_RECORDS_PER_SECOND * 60),
    },
    role: 'candidate',
  },
  {
    name: 'rate-given',
    reasoning: `the same with replicaThroughput = what one replica works off in the model (${REPLICA_RECORDS_PER_SECOND}/s), as a user who measured their application would give it: how rate sizes once the throughput is known, not guessed`,
    metadata: {
      lagStrategy: 'rate',
      catchUpSeconds: '60',
      lagThreshold: String(REPLICA_RECORDS_PER_SECOND * 60),
      replicaThroughput: String(REPLICA_RECORDS_PER_SECOND),
    },
    role: 'reference',
  },
  {
    name: 'oracle',
    reasoning:
      'not a scaler: the replicas the true load needs, from the model (oracle.ts), answered to KEDA and the HPA as a metric, so it pays the same polling, pod start, rebalances and restores. It reads the trace 75 s ahead (a scale-out processes about a minute after it is asked for, and the HPA looks again 15 s later); sizes for the busiest pod a balanced assignment can give (the ceil(12 / n) busiest tasks of each sub-topology at 150 work units/s a replica, 0.2 a source record, 1 a re-keyed one); lets a backlog of up to 85 s of arrivals stay (what a scale-in itself adds: 45 s session timeout, 10 s rebalance, 30 s restore; with capacity at least the arrivals the oldest age does not grow) and works off the rest within 60 s (the objective less the minute a scale-out takes); and holds the replicas there are while the oldest record is older than 35 s (the objective less what a scale-in adds)',
    metadata: {},
    role: 'oracle',
  },
];
