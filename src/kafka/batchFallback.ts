/**
 * The batched reads of the KafkaReader port, item by item over the single
 * reads: for readers where one request per item costs nothing (the in-memory
 * Kafka of unit tests and the simulator).
 */
import {
  asPortError,
  type GroupDescription,
  type GroupOffsetsQuery,
  type KafkaReader,
  type Outcome,
  type PartitionOffset,
} from './kafkaReader.ts';

/** The single read's error is the item's: a KafkaPortError already, as the port promises. */
async function outcome<T>(read: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, error: asPortError(err) };
  }
}

export async function groupOffsetsOneByOne(
  reader: KafkaReader,
  queries: readonly GroupOffsetsQuery[],
): Promise<Array<Outcome<PartitionOffset[]>>> {
  const results: Array<Outcome<PartitionOffset[]>> = [];
  for (const q of queries) {
    results.push(await outcome(() => reader.committedOffsets(q.groupId, q.partitions)));
  }
  return results;
}

export async function describeGroupsOneByOne(
  reader: KafkaReader,
  groupIds: readonly string[],
): Promise<Map<string, Outcome<GroupDescription>>> {
  const results = new Map<string, Outcome<GroupDescription>>();
  for (const id of groupIds) results.set(id, await outcome(() => reader.describeGroup(id)));
  return results;
}
