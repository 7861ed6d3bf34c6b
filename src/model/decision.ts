/**
 * What a lag strategy decides for one trigger, partition by partition and
 * sub-topology by sub-topology: plain data that the strategies produce and
 * the scaler, the metrics, the status page and `explain` read.
 */

export interface PartitionDecision {
  readonly topic: string;
  readonly partition: number;
  readonly committed: bigint;
  readonly end: bigint | undefined;
  /** What the partition adds to the metric. */
  readonly lag: bigint;
  /** What it adds to the activation check (differs only for persistent lag). */
  readonly activationLag: bigint;
  /** Why the partition counts as it does, when not plain end − committed. */
  readonly note?: 'uncommitted' | 'out-of-range' | 'persistent' | 'no-end-offset' | 'transaction-markers';
  /** Kafka Streams role of its topic. */
  readonly role?: 'source' | 'repartition' | 'changelog';
  /** The sub-topology it feeds. */
  readonly subTopology?: string;
  /** Committed offset not moving for stallWindow while data waits and members exist. */
  readonly stalled?: boolean;
  /** Estimated age of its oldest unprocessed record (the `time` strategy). */
  readonly timeLagSeconds?: number;
}

export interface SubTopologyDecision {
  readonly id: string;
  readonly inputs: readonly string[];
  readonly tasks: number;
  /** Unprocessed records. */
  readonly lag: bigint;
  /** Seconds behind (`time`). */
  readonly timeLagSeconds?: number;
  /** Records per second arriving, and per replica processed (`rate`). */
  readonly arrivalRate?: number;
  readonly replicaThroughput?: number;
  /** When the throughput was learned, if it was (the end of the busy time it came from, epoch ms). */
  readonly throughputLearnedAt?: number;
  /** With no throughput known: the most per replica the group was seen to process, a floor under it. */
  readonly throughputFloor?: number;
  /** When that was seen (the end of the stretch it was measured over, epoch ms); a floor is forgotten an hour later. */
  readonly throughputFloorAt?: number;
  /** Replicas this sub-topology alone asks for (`rate`). */
  readonly replicas?: number;
}

export interface Decision {
  /** The value for the HPA (AverageValue): desired replicas ≈ ceil(metricValue / target). */
  readonly metricValue: number;
  readonly target: number;
  readonly active: boolean;
  /** One line a person can read: what was measured and why this is the answer. */
  readonly explanation: string;
  readonly partitions: readonly PartitionDecision[];
  /** The application as the scaler sees it. */
  readonly topology: {
    readonly source: 'given' | 'reported' | 'derived';
    /** Why the topology is not the reported one, or how a given one differs from it. */
    readonly notes: readonly string[];
    readonly usefulMax: number;
    readonly streamThreads: number;
    readonly subTopologies: readonly SubTopologyDecision[];
  };
  /** The sub-topology that drives the decision, when one does. */
  readonly dominant?: string;
  /** `topic-partition` of every stalled partition. */
  readonly stalled: readonly string[];
  /**
   * The part of the metric a rebalance cannot inflate (replicas the arrival
   * rate alone needs): a rebalance hold never answers less.
   */
  readonly heldAtLeast?: number;
  /** Why the previous recommendation is held, when it is. */
  readonly held?: string;
}
