/**
 * What a classic group's DescribeGroups answer says of each member's work,
 * read from the bytes it carries:
 *
 * - the member assignment of the consumer protocol (ConsumerProtocolAssignment,
 *   versions 0–3, not flexible): the member's topic partitions and the
 *   assignor's user data;
 * - for Kafka Streams (protocol type `consumer`, protocol `stream`), that
 *   user data is its AssignmentInfo: a version, the commonly supported
 *   version (from v3), then the member's active tasks, one per assigned
 *   partition, in the order of the partitions sorted by topic and partition.
 *   A task is (sub-topology, partition), and from v10 the name of a named
 *   topology (a length, then UTF-16 characters; empty for none).
 *
 * Versions 1–11 are read (11 is the newest up to Kafka 4.4); another is
 * reported as unknown, never guessed at.
 */
import type { TopicPartition } from '../kafkaReader.ts';
import { Reader } from './wire.ts';

export interface ConsumerAssignment {
  readonly partitions: readonly TopicPartition[];
  readonly userData: Buffer | null;
}

/** The consumer protocol's assignment; throws on bytes that are not one. */
export function decodeConsumerAssignment(bytes: Buffer): ConsumerAssignment {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0) throw new Error(`consumer assignment version ${version}`);
  const partitions = r
    .array32((rt) => {
      const topic = rt.string16();
      if (topic === null) throw new Error('consumer assignment with a null topic');
      return rt.array32((rp) => rp.int32()).map((partition) => ({ topic, partition }));
    })
    .flat();
  // Version 0 may end here; every version has the user data next.
  const userData = r.remaining > 0 ? r.bytes32() : null;
  return { partitions, userData };
}

export const STREAMS_ASSIGNMENT_MAX_VERSION = 11;
const NAMED_TOPOLOGY_VERSION = 10;

export interface StreamsTask {
  readonly subTopology: number;
  readonly partition: number;
  /** The named topology, for apps that use them (Kafka Streams' NamedTopology); undefined otherwise. */
  readonly namedTopology?: string;
}

export type StreamsAssignmentInfo =
  | { readonly ok: true; readonly version: number; readonly activeTasks: readonly StreamsTask[] }
  | { readonly ok: false; readonly problem: string };

/** Kafka Streams' AssignmentInfo, as far as the active tasks. */
export function decodeStreamsAssignmentInfo(userData: Buffer): StreamsAssignmentInfo {
  try {
    const r = new Reader(userData);
    const version = r.int32();
    if (version < 1 || version > STREAMS_ASSIGNMENT_MAX_VERSION) {
      return {
        ok: false,
        problem: `Kafka Streams assignment info v${version} is not one this scaler reads (v1–v${STREAMS_ASSIGNMENT_MAX_VERSION})`,
      };
    }
    if (version >= 3) r.int32(); // the commonly supported version
    const activeTasks = r.array32((rt): StreamsTask => {
      const subTopology = rt.int32();
      const partition = rt.int32();
      if (version < NAMED_TOPOLOGY_VERSION) return { subTopology, partition };
      const chars = rt.int32();
      if (chars < 0 || chars * 2 > rt.remaining) throw new Error('named topology longer than the assignment');
      const name = chars === 0 ? '' : readUtf16(rt, chars);
      return name === '' ? { subTopology, partition } : { subTopology, partition, namedTopology: name };
    });
    return { ok: true, version, activeTasks };
  } catch (err) {
    return { ok: false, problem: `Kafka Streams assignment info unreadable: ${(err as Error).message}` };
  }
}

function readUtf16(r: Reader, chars: number): string {
  // In slices: one call with every character as an argument overflows the stack for a long name.
  let name = '';
  for (let done = 0; done < chars;) {
    const codes: number[] = [];
    for (const end = Math.min(chars, done + 4096); done < end; done++) codes.push(r.int16() & 0xffff);
    name += String.fromCharCode(...codes);
  }
  return name;
}

/** Each partition of a Kafka Streams member with the task it belongs to; a problem when they do not pair up. */
export function tasksOfPartitions(
  partitions: readonly TopicPartition[],
  info: StreamsAssignmentInfo,
):
  | { readonly ok: true; readonly tasks: ReadonlyArray<TopicPartition & { readonly task: StreamsTask }> }
  | { readonly ok: false; readonly problem: string } {
  if (!info.ok) return info;
  if (info.activeTasks.length !== partitions.length) {
    return {
      ok: false,
      problem: `Kafka Streams assignment lists ${info.activeTasks.length} active task(s) for ${partitions.length} partition(s)`,
    };
  }
  const sorted = [...partitions].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  return { ok: true, tasks: sorted.map((p, i) => ({ ...p, task: info.activeTasks[i]! })) };
}
