/**
 * What one poll of a consumer group reads from Kafka, as the poller keeps it.
 * Offsets are bigint (Kafka's int64); -1n means "no committed offset".
 */

/** Kafka's "nothing committed" marker in OffsetFetch responses. */
export const NO_COMMIT = -1n;

export interface PartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset (the next record it will process), or NO_COMMIT. */
  readonly committed: bigint;
  /**
   * The end offset: the last stable offset (LSO), since offsets are read with
   * READ_COMMITTED isolation; equal to the high watermark when no transaction is open.
   * Undefined when the broker returned none for this partition.
   */
  readonly end: bigint | undefined;
  /** The log start offset; read only for partitions without a (valid) committed offset. */
  readonly start: bigint | undefined;
  /**
   * A committed offset beyond the partition's log end (its high watermark):
   * the log was truncated (unclean leader election, a recreated topic) or
   * offsets were restored from elsewhere. A consumer cannot resume there and
   * resets by its `auto.offset.reset`, so `committed` is NO_COMMIT and this
   * keeps the offset the group had committed.
   */
  readonly outOfRange?: bigint;
  /**
   * From a read-committed look at the records from the committed offset, when
   * one was taken: whether any data record (not a transaction marker, not
   * aborted) lies before the end offset. `false` means the gap is only
   * transaction markers: nothing is left to process.
   */
  readonly dataPending?: boolean;
  /** Timestamp (epoch ms) of the first data record at or after the committed offset, when looked at. */
  readonly committedTimestamp?: number;
  /**
   * An earlier look, at or below the committed offset: its offset and record
   * timestamp, for dating records older than the poll history without
   * reading them again on every poll.
   */
  readonly timestampAnchor?: { readonly offset: bigint; readonly timestamp: number };
}

/** The consumer group as DescribeGroups shows it. */
export interface GroupInfo {
  /** "Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead", or "" if unknown. */
  readonly state: string;
  readonly members: number;
  /**
   * Application instances: distinct Kafka Streams processes when the members'
   * client ids show them (`<app>-<process-uuid>-StreamThread-<n>-consumer`),
   * else undefined.
   */
  readonly instances: number | undefined;
  /** Sorted member ids; a change means a new group generation (classic DescribeGroups carries no generation id). */
  readonly memberIds: readonly string[];
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
}

/** A map key for one partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
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
