/**
 * One poll: the group's committed offsets and description first, then the
 * end offsets, then log start offsets for partitions nothing was committed
 * for, then a read-committed peek where the gap needs one. Reading the end
 * after the commits means records produced in between can only make lag look
 * a little larger, and a commit racing the reads can never make it negative.
 *
 * A committed offset can still lie beyond the end. Beyond the last stable
 * offset but within the high watermark, it is a consumer that reads
 * uncommitted records past an open transaction: it is caught up (lag 0).
 * Beyond the high watermark, no consumer can resume there (the log was
 * truncated or the offset restored from elsewhere): Kafka answers
 * OFFSET_OUT_OF_RANGE and the consumer resets by its `auto.offset.reset`, so
 * the partition counts as uncommitted (see PartitionOffsets.outOfRange).
 */
import type {
  GroupDescription,
  KafkaReader,
  PartitionOffset,
  PeekRequest,
  PeekResult,
  TopicPartition,
} from '../kafka/kafkaReader.ts';
import type { PeekCache } from './peekCache.ts';
import { type GroupInfo, NO_COMMIT, partitionKey, type PartitionOffsets, type Sample } from './sample.ts';

/**
 * Gaps of at most this many offsets are peeked at: an exactly-once app that
 * caught up has one transaction marker per partition (or a few, after
 * aborts) between its committed offset and the end.
 */
export const MARKER_GAP = 64n;

/**
 * A record timestamp read for a partition whose committed offset is older
 * than the poll history stays good for dating it this long, while the
 * offset moves on: a group reprocessing a long backlog is not fetched from on
 * every poll.
 */
export const ANCHOR_REFRESH_MS = 30_000;

export interface SampleTarget {
  readonly groupId: string;
  /** Sorted topic names, or undefined for "every topic the group has committed offsets for". */
  readonly topics: readonly string[] | undefined;
}

export interface SampleContext {
  readonly peeks: PeekCache;
  /** Whether a trigger wants record timestamps (the `time` strategy). */
  readonly timestamps: boolean;
  /**
   * End offsets of the oldest sample in the poll history: a committed offset
   * below it is older than the history can date, so its record's timestamp
   * is read. Empty before the first poll.
   */
  readonly oldestEnds: ReadonlyMap<string, bigint>;
}

export async function readSample(
  reader: KafkaReader,
  target: SampleTarget,
  seq: number,
  at: number,
  context?: SampleContext,
): Promise<Sample> {
  let partitions: TopicPartition[];
  let committed: PartitionOffset[];
  if (target.topics) {
    partitions = await reader.partitions(target.topics);
    committed = await reader.committedOffsets(target.groupId, partitions);
  } else {
    // Topic-less: only topics the group has committed offsets for. A group
    // without commits has none, and no unrelated topic counts (kedacore/keda#8104).
    committed = await reader.committedOffsets(target.groupId, undefined);
    const topics = [...new Set(committed.map((c) => c.topic))].sort();
    partitions = topics.length > 0 ? await reader.partitions(topics, { skipMissing: true }) : [];
  }
  const group = toGroupInfo(await reader.describeGroup(target.groupId));
  const ends = partitions.length > 0 ? await reader.endOffsets(partitions) : [];

  const committedBy = indexOffsets(committed);
  const endBy = indexOffsets(ends);
  const outOfRange = await beyondHighWatermark(reader, partitions, committedBy, endBy);
  for (const key of outOfRange.keys()) committedBy.set(key, NO_COMMIT);
  const uncommitted = partitions.filter(
    (p) => (committedBy.get(partitionKey(p.topic, p.partition)) ?? NO_COMMIT) === NO_COMMIT,
  );
  const startBy = indexOffsets(uncommitted.length > 0 ? await reader.startOffsets(uncommitted) : []);
  const peekBy = context
    ? await peekWhereNeeded(reader, partitions, committedBy, endBy, context, at)
    : new Map<string, PeekResult>();

  const rows: PartitionOffsets[] = partitions.map(({ topic, partition }) => {
    const key = partitionKey(topic, partition);
    const peek = peekBy.get(key);
    const anchor = context?.timestamps ? context.peeks.anchor(key) : undefined;
    const committedOffset = committedBy.get(key) ?? NO_COMMIT;
    const beyond = outOfRange.get(key);
    return {
      topic,
      partition,
      committed: committedOffset,
      end: endBy.get(key),
      start: startBy.get(key),
      ...(beyond === undefined ? {} : { outOfRange: beyond }),
      ...(peek?.dataPending === undefined ? {} : { dataPending: peek.dataPending }),
      ...(peek?.firstDataTimestamp === undefined ? {} : { committedTimestamp: peek.firstDataTimestamp }),
      ...(anchor && peek?.firstDataTimestamp === undefined && anchor.offset <= committedOffset
        ? { timestampAnchor: { offset: anchor.offset, timestamp: anchor.timestamp } }
        : {}),
    };
  });
  return { seq, at, partitions: rows, group };
}

/**
 * The committed offsets that lie beyond their partition's high watermark, by
 * partition key. Only partitions committed beyond the last stable offset are
 * asked about (one ListOffsets per leader, and usually none at all).
 */
async function beyondHighWatermark(
  reader: KafkaReader,
  partitions: readonly TopicPartition[],
  committedBy: ReadonlyMap<string, bigint>,
  endBy: ReadonlyMap<string, bigint>,
): Promise<Map<string, bigint>> {
  const ahead = partitions.filter((p) => {
    const key = partitionKey(p.topic, p.partition);
    const committed = committedBy.get(key) ?? NO_COMMIT;
    const end = endBy.get(key);
    return committed !== NO_COMMIT && end !== undefined && committed > end;
  });
  const beyond = new Map<string, bigint>();
  if (ahead.length === 0) return beyond;
  for (const hw of await reader.highWatermarks(ahead)) {
    const key = partitionKey(hw.topic, hw.partition);
    const committed = committedBy.get(key)!;
    if (committed > hw.offset) beyond.set(key, committed);
  }
  return beyond;
}

async function peekWhereNeeded(
  reader: KafkaReader,
  partitions: readonly TopicPartition[],
  committedBy: ReadonlyMap<string, bigint>,
  endBy: ReadonlyMap<string, bigint>,
  { peeks, timestamps, oldestEnds }: SampleContext,
  at: number,
): Promise<Map<string, PeekResult>> {
  const results = new Map<string, PeekResult>();
  const requests: PeekRequest[] = [];
  for (const { topic, partition } of partitions) {
    const key = partitionKey(topic, partition);
    const from = committedBy.get(key) ?? NO_COMMIT;
    const end = endBy.get(key);
    if (from === NO_COMMIT || end === undefined || end <= from) continue;
    const oldestEnd = oldestEnds.get(key);
    const anchor = peeks.anchor(key);
    const anchored = anchor !== undefined && anchor.offset <= from && at - anchor.at < ANCHOR_REFRESH_MS;
    const wantTimestamp = timestamps && (oldestEnd === undefined || from < oldestEnd) && !anchored;
    if (end - from > MARKER_GAP && !wantTimestamp) continue;
    const cached = peeks.lookup(key, from, end);
    if (cached) results.set(key, cached);
    else requests.push({ topic, partition, from, end });
  }
  for (const result of await (requests.length > 0 ? reader.peek(requests) : Promise.resolve([]))) {
    const request = requests.find((r) => r.topic === result.topic && r.partition === result.partition)!;
    const key = partitionKey(result.topic, result.partition);
    peeks.store(key, request.from, request.end, result);
    if (result.firstDataTimestamp !== undefined)
      peeks.setAnchor(key, { offset: request.from, timestamp: result.firstDataTimestamp, at });
    results.set(key, result);
  }
  peeks.retain(new Set(partitions.map((p) => partitionKey(p.topic, p.partition))));
  return results;
}

const STREAMS_CLIENT = /^(.+)-StreamThread-\d+-consumer$/;

/** Group state, members, and Kafka Streams instances when the client ids show them. */
export function toGroupInfo(description: GroupDescription): GroupInfo {
  const clients = description.members.map((m) => STREAMS_CLIENT.exec(m.clientId)?.[1]);
  const streams = clients.length > 0 && clients.every((c) => c !== undefined);
  return {
    state: description.state,
    members: description.members.length,
    instances: streams ? new Set(clients).size : undefined,
    memberIds: description.members.map((m) => m.memberId).sort(),
  };
}

function indexOffsets(offsets: readonly PartitionOffset[]): Map<string, bigint> {
  return new Map(offsets.map((o) => [partitionKey(o.topic, o.partition), o.offset]));
}
