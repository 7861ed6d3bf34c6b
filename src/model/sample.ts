/**
 * What one poll of a consumer group reads from Kafka, as the poller keeps it.
 * Offsets are bigint (Kafka's int64); -1n means "no committed offset".
 */

import { PartitionColumns } from './partitionColumns.ts';
import type { PartitionOffsets } from './offsets.ts';

export { NO_COMMIT, partitionKey, type PartitionOffsets } from './offsets.ts';

/** The consumer group as DescribeGroups shows it. */
export interface GroupInfo {
  /** "Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead", or "" if unknown. */
  readonly state: string;
  readonly members: number;
  /**
   * Application instances: a streams group's distinct process ids, or the
   * Kafka Streams processes the members' client ids show
   * (`<client.id>-StreamThread-<n>-consumer`: the most members with one
   * thread number, right also when every pod has the same `client.id`);
   * undefined for other groups.
   */
  readonly instances: number | undefined;
  /** Sorted member ids; a change means a new group generation (classic DescribeGroups carries no generation id). */
  readonly memberIds: readonly string[];
  /** How the group is run, when the reader says: classic, a KIP-848 consumer group or a KIP-1071 streams group. */
  readonly protocol?: 'classic' | 'consumer' | 'streams';
  /** A KIP-848 or streams group still moving its members to a new assignment. */
  readonly reconciling?: boolean;
  /**
   * The sub-topologies a Kafka Streams application reports: from its
   * members' assignments (classic groups) or the topology it registered
   * (streams groups), with the tasks its members were assigned.
   */
  readonly reported?: readonly ReportedSubTopology[];
  /** The member each assigned partition belongs to, by partitionKey, when the group tells it; only the newest poll of a history keeps it. */
  readonly owners?: ReadonlyMap<string, string>;
  /** Why the application's tasks could not be read from the group, when they could not. */
  readonly reportProblem?: string;
}

export interface ReportedSubTopology {
  readonly id: string;
  /** Its input topics: source and repartition topics, sorted. */
  readonly inputs: readonly string[];
  /** Distinct tasks the members were assigned (0 while none are). */
  readonly assignedTasks: number;
}

export interface Sample {
  /** Increases by one with every successful poll of the same poller. */
  readonly seq: number;
  /** When the poll started (epoch ms): committed offsets are read at or after this time. */
  readonly at: number;
  /** Every partition of the polled topics, sorted by topic then partition. */
  readonly partitions: readonly PartitionOffsets[];
  /** The group's state, members and instances. */
  readonly group: GroupInfo;
  /**
   * The same partitions in columns (partitionColumns.ts), when the poller
   * made them: how the poll history keeps a sample. Read through columnsOf.
   */
  readonly columns?: PartitionColumns;
}

export const UNKNOWN_GROUP: GroupInfo = { state: '', members: 0, instances: undefined, memberIds: [] };

/**
 * The index of the newest sample taken at least `windowMs` before sample
 * `i`, or undefined if the history does not reach that far back. Samples
 * are in time order, so a binary search.
 */
export function sampleBefore(samples: readonly Sample[], i: number, windowMs: number): number | undefined {
  const limit = samples[i]!.at - windowMs;
  let lo = 0;
  let hi = i - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.at <= limit) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** A sample's partitions in columns: the poller's, or made from its rows (a sample built elsewhere, as in tests). */
export function columnsOf(sample: Sample): PartitionColumns {
  return sample.columns ?? PartitionColumns.of(sample.partitions);
}
