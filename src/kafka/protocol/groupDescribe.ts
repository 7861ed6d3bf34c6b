/**
 * The describe requests of the groups that are not classic, which kafkajs
 * 2.2.4 does not know, as bytes for `sendRaw`:
 *
 * - ConsumerGroupDescribe (api 69, v0; KIP-848 consumer groups,
 *   `group.protocol=consumer`, Kafka 3.7+): members, their epochs and
 *   assigned partitions;
 * - StreamsGroupDescribe (api 89, v0; KIP-1071 streams groups,
 *   `group.protocol=streams`, Kafka 4.2+): the topology the application
 *   registered (sub-topologies with their source and repartition topics),
 *   the members (one per Kafka Streams client, with its process id) and
 *   their active tasks.
 *
 * A group of another type answers GROUP_ID_NOT_FOUND (69). Both carry the
 * group epoch and the assignment epoch: a group whose assignment epoch is
 * behind its group epoch, or with members behind it, is rebalancing.
 * Schemas: Kafka's ConsumerGroupDescribe{Request,Response}.json and
 * StreamsGroupDescribe{Request,Response}.json.
 */
import type { TopicPartition } from '../kafkaReader.ts';
import { Reader, Writer } from './wire.ts';

export const CONSUMER_GROUP_DESCRIBE_API_KEY = 69;
export const STREAMS_GROUP_DESCRIBE_API_KEY = 89;
export const GROUP_DESCRIBE_VERSION = 0;
export const GROUP_ID_NOT_FOUND = 69;

interface DescribedGroupBase {
  readonly groupId: string;
  /** 0: none; GROUP_ID_NOT_FOUND for a group of another type or none at all. */
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** Kafka's names: "Empty", "Assigning", "Reconciling", "Stable", "Dead" ("NotReady" for streams groups). */
  readonly state: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
}

export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly memberEpoch: number;
  readonly partitions: readonly TopicPartition[];
}

export interface DescribedConsumerGroup extends DescribedGroupBase {
  readonly members: readonly ConsumerGroupMember[];
}

export interface StreamsSubTopology {
  readonly id: string;
  readonly sourceTopics: readonly string[];
  readonly repartitionSourceTopics: readonly string[];
}

export interface StreamsTaskIds {
  readonly subTopology: string;
  readonly partitions: readonly number[];
}

export interface StreamsGroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly memberEpoch: number;
  readonly processId: string;
  readonly activeTasks: readonly StreamsTaskIds[];
}

export interface DescribedStreamsGroup extends DescribedGroupBase {
  /** Null before the application registered its topology (or on an error). */
  readonly topology: { readonly epoch: number; readonly subTopologies: readonly StreamsSubTopology[] | null } | null;
  readonly members: readonly StreamsGroupMember[];
}

/** The request body of either describe, v0: the group ids, no authorized operations. */
export function encodeGroupDescribe(groupIds: readonly string[]): Buffer {
  return new Writer()
    .compactArray(groupIds, (w, id) => void w.compactString(id))
    .bool(false)
    .noTags()
    .bytes();
}

function readBase(r: Reader): DescribedGroupBase {
  const errorCode = r.int16();
  const errorMessage = r.compactNullableString();
  const groupId = r.compactString();
  const state = r.compactString();
  const groupEpoch = r.int32();
  const assignmentEpoch = r.int32();
  return { groupId, errorCode, errorMessage, state, groupEpoch, assignmentEpoch };
}

/** ConsumerGroupDescribe v0's response body. */
export function decodeConsumerGroupDescribe(body: Buffer): DescribedConsumerGroup[] {
  const r = new Reader(body);
  r.int32(); // throttle time
  const groups = r.compactArray((rg): DescribedConsumerGroup => {
    const base = readBase(rg);
    rg.compactString(); // assignor name
    const members = rg.compactArray((rm): ConsumerGroupMember => {
      const memberId = rm.compactString();
      rm.compactNullableString(); // instance id
      rm.compactNullableString(); // rack id
      const memberEpoch = rm.int32();
      const clientId = rm.compactString();
      rm.compactString(); // client host
      rm.compactArray((rs) => rs.compactString()); // subscribed topic names
      rm.compactNullableString(); // subscribed topic regex
      const partitions = readConsumerAssignment(rm);
      readConsumerAssignment(rm); // target assignment
      rm.skipTags();
      return { memberId, clientId, memberEpoch, partitions };
    });
    rg.int32(); // authorized operations
    rg.skipTags();
    return { ...base, members };
  });
  r.skipTags();
  return groups;
}

function readConsumerAssignment(r: Reader): TopicPartition[] {
  const partitions = r
    .compactArray((rt) => {
      rt.skip(16); // topic id
      const topic = rt.compactString();
      const ids = rt.compactArray((rp) => rp.int32());
      rt.skipTags();
      return ids.map((partition) => ({ topic, partition }));
    })
    .flat();
  r.skipTags();
  return partitions;
}

/** StreamsGroupDescribe v0's response body. */
export function decodeStreamsGroupDescribe(body: Buffer): DescribedStreamsGroup[] {
  const r = new Reader(body);
  r.int32(); // throttle time
  const groups = r.compactArray((rg): DescribedStreamsGroup => {
    const base = readBase(rg);
    const topology = rg.nullableStruct((rt) => {
      const epoch = rt.int32();
      const length = rt.uvarint() - 1;
      const subTopologies = length < 0 ? null : readSubTopologies(rt, length);
      rt.skipTags();
      return { epoch, subTopologies };
    });
    const members = rg.compactArray((rm): StreamsGroupMember => {
      const memberId = rm.compactString();
      const memberEpoch = rm.int32();
      rm.compactNullableString(); // instance id
      rm.compactNullableString(); // rack id
      const clientId = rm.compactString();
      rm.compactString(); // client host
      rm.int32(); // topology epoch
      const processId = rm.compactString();
      rm.nullableStruct((re) => {
        re.compactString(); // host
        re.skip(2); // port
        re.skipTags();
      });
      rm.compactArray(skipKeyValue); // client tags
      rm.compactArray(skipTaskOffset); // task offsets
      rm.compactArray(skipTaskOffset); // task end offsets
      const activeTasks = readStreamsAssignment(rm);
      readStreamsAssignment(rm); // target assignment
      rm.bool(); // is classic
      rm.skipTags();
      return { memberId, clientId, memberEpoch, processId, activeTasks };
    });
    rg.int32(); // authorized operations
    rg.skipTags();
    return { ...base, topology, members };
  });
  r.skipTags();
  return groups;
}

function readSubTopologies(r: Reader, length: number): StreamsSubTopology[] {
  if (length > r.remaining) throw new Error('array longer than the Kafka response');
  const subs: StreamsSubTopology[] = [];
  for (let i = 0; i < length; i++) {
    const id = r.compactString();
    const sourceTopics = r.compactArray((rs) => rs.compactString());
    r.compactArray((rs) => rs.compactString()); // repartition sink topics
    r.compactArray(readTopicInfoName); // state changelog topics
    const repartitionSourceTopics = r.compactArray(readTopicInfoName);
    r.skipTags();
    subs.push({ id, sourceTopics, repartitionSourceTopics });
  }
  return subs;
}

function readTopicInfoName(r: Reader): string {
  const name = r.compactString();
  r.int32(); // partitions
  r.int16(); // replication factor
  r.compactArray(skipKeyValue); // topic configs
  r.skipTags();
  return name;
}

/** The active tasks of an assignment; standby and warm-up tasks are read past. */
function readStreamsAssignment(r: Reader): StreamsTaskIds[] {
  const active = r.compactArray(readTaskIds);
  r.compactArray(readTaskIds); // standby
  r.compactArray(readTaskIds); // warm-up
  r.skipTags();
  return active;
}

function readTaskIds(r: Reader): StreamsTaskIds {
  const subTopology = r.compactString();
  const partitions = r.compactArray((rp) => rp.int32());
  r.skipTags();
  return { subTopology, partitions };
}

function skipKeyValue(r: Reader): void {
  r.compactString();
  r.compactString();
  r.skipTags();
}

function skipTaskOffset(r: Reader): void {
  r.compactString();
  r.int32();
  r.int64();
  r.skipTags();
}
