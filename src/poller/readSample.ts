/**
 * One poll: the group's committed offsets first, then the end offsets, then
 * log start offsets for partitions nothing was committed for. Reading the end
 * second means records produced in between can only make lag look a little
 * larger, and a commit racing the reads can never make it negative.
 */
import type { KafkaReader, PartitionOffset, TopicPartition } from '../kafka/kafkaReader.ts';
import { NO_COMMIT, partitionKey, type PartitionOffsets, type Sample } from './sample.ts';

export interface SampleTarget {
  readonly groupId: string;
  /** Sorted topic names, or undefined for "every topic the group has committed offsets for". */
  readonly topics: readonly string[] | undefined;
}

export async function readSample(reader: KafkaReader, target: SampleTarget, seq: number, at: number): Promise<Sample> {
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
  const ends = partitions.length > 0 ? await reader.endOffsets(partitions) : [];

  const committedBy = indexOffsets(committed);
  const endBy = indexOffsets(ends);
  const uncommitted = partitions.filter(
    (p) => (committedBy.get(partitionKey(p.topic, p.partition)) ?? NO_COMMIT) === NO_COMMIT,
  );
  const startBy = indexOffsets(uncommitted.length > 0 ? await reader.startOffsets(uncommitted) : []);

  const rows: PartitionOffsets[] = partitions.map(({ topic, partition }) => {
    const key = partitionKey(topic, partition);
    return {
      topic,
      partition,
      committed: committedBy.get(key) ?? NO_COMMIT,
      end: endBy.get(key),
      start: startBy.get(key),
    };
  });
  return { seq, at, partitions: rows };
}

function indexOffsets(offsets: readonly PartitionOffset[]): Map<string, bigint> {
  return new Map(offsets.map((o) => [partitionKey(o.topic, o.partition), o.offset]));
}
