/**
 * What a read-committed look at a partition's records says about the gap
 * between a group's committed offset and the end offset.
 *
 * An exactly-once Kafka Streams app (or any transactional producer) leaves a
 * control record, the transaction marker, after each transaction's records.
 * A caught-up consumer's committed offset then points at or before markers,
 * so end − committed stays ≥ 1 forever and KEDA's scaler never lets it scale
 * to zero (kedacore/keda#5675). Looking at the records tells real,
 * unprocessed data from markers and aborted records.
 */

export interface PeekRecord {
  readonly offset: bigint;
  readonly timestamp: number;
  readonly isControlRecord: boolean;
  readonly inTransaction: boolean;
  readonly producerId: string;
}

export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: bigint;
}

export interface PeekAnalysis {
  /** A data record lies in [from, end): true; none does and all of it was read: false; else undefined. */
  readonly dataPending: boolean | undefined;
  /** Timestamp of the first data record at or after `from`, if one was read. */
  readonly firstDataTimestamp: number | undefined;
}

/**
 * Walks the records in offset order, skipping those before `from`, control
 * records, and records of aborted transactions (the broker lists, per
 * producer, the first offset of each aborted transaction; it ends at that
 * producer's next control record), as a read_committed consumer would.
 */
export function analyzePeek(
  records: readonly PeekRecord[],
  aborted: readonly AbortedTransaction[],
  from: bigint,
  end: bigint,
): PeekAnalysis {
  const pendingAborts = [...aborted].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  const abortedProducers = new Set<string>();
  let next = 0;
  let readUpTo = from - 1n;
  for (const record of [...records].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))) {
    while (next < pendingAborts.length && pendingAborts[next]!.firstOffset <= record.offset) {
      abortedProducers.add(pendingAborts[next]!.producerId);
      next++;
    }
    if (record.offset < from) continue;
    if (record.isControlRecord) {
      abortedProducers.delete(record.producerId);
    } else if (!(record.inTransaction && abortedProducers.has(record.producerId))) {
      return { dataPending: record.offset < end, firstDataTimestamp: record.timestamp };
    }
    readUpTo = record.offset;
  }
  return { dataPending: readUpTo >= end - 1n ? false : undefined, firstDataTimestamp: undefined };
}
