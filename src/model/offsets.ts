/** Offsets as Kafka gives them: its markers, and how a partition is named in maps. */

/** Kafka's "nothing committed" marker in OffsetFetch responses. */
export const NO_COMMIT = -1n;

/** A map key for one partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

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
