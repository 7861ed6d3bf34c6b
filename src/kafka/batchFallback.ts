/**
 * The batched reads of the KafkaReader port, item by item over the single
 * reads: for readers where one request per item costs nothing (the in-memory
 * Kafka of unit tests and the simulator).
 */
import type { ScalerError } from '../errors.ts';
import { toKafkaError } from './kafkaErrors.ts';
import type { GroupDescription, GroupOffsetsQuery, KafkaReader, Outcome, PartitionOffset } from './kafkaReader.ts';

async function outcome<T>(cluster: string, read: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    const error: ScalerError = toKafkaError(err, cluster);
    return { ok: false, error };
  }
}

export async function groupOffsetsOneByOne(
  reader: KafkaReader,
  queries: readonly GroupOffsetsQuery[],
): Promise<Array<Outcome<PartitionOffset[]>>> {
  const results: Array<Outcome<PartitionOffset[]>> = [];
  for (const q of queries) {
    results.push(await outcome(reader.cluster, () => reader.committedOffsets(q.groupId, q.partitions)));
  }
  return results;
}

export async function describeGroupsOneByOne(
  reader: KafkaReader,
  groupIds: readonly string[],
): Promise<Map<string, Outcome<GroupDescription>>> {
  const results = new Map<string, Outcome<GroupDescription>>();
  for (const id of groupIds) results.set(id, await outcome(reader.cluster, () => reader.describeGroup(id)));
  return results;
}
