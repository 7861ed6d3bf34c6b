/**
 * A group's description for the port (kafkaReader.ts GroupDescription), from
 * whichever describe answered for it:
 *
 * - classic groups (DescribeGroups): a consumer-protocol member's assignment
 *   bytes give its partitions; for Kafka Streams (protocol `stream`), its
 *   AssignmentInfo gives the task, and so the sub-topology, of each one;
 * - KIP-848 consumer groups (ConsumerGroupDescribe): members and partitions;
 * - KIP-1071 streams groups (StreamsGroupDescribe): the registered topology,
 *   and each member's active tasks, spread over the input topics of their
 *   sub-topology (a task reads the same partition of each).
 *
 * What cannot be read is left out and said in `assignmentProblem`, never guessed.
 */
import type { GroupDescription, GroupMember, MemberPartition, ReportedSubTopology } from './kafkaReader.ts';
import {
  decodeConsumerAssignment,
  decodeStreamsAssignmentInfo,
  tasksOfPartitions,
} from './protocol/memberAssignment.ts';
import type { DescribedConsumerGroup, DescribedStreamsGroup } from './protocol/groupDescribe.ts';

/** The part of a DescribeGroups answer this reads (kafkajs's field names). */
export interface ClassicGroupAnswer {
  readonly state: string;
  readonly protocolType: string;
  readonly protocol: string;
  readonly members: ReadonlyArray<{
    readonly memberId: string;
    readonly clientId: string;
    readonly memberAssignment?: Buffer | null;
  }>;
}

/** Kafka Streams' assignor name, the protocol of its classic groups. */
export const STREAMS_ASSIGNOR = 'stream';

export function classicDescription(group: ClassicGroupAnswer): GroupDescription {
  const readsAssignments = group.protocolType === 'consumer';
  const streams = readsAssignments && group.protocol === STREAMS_ASSIGNOR;
  let assignmentProblem: string | undefined;
  const members = group.members.map((m): GroupMember => {
    const base = { memberId: m.memberId, clientId: m.clientId };
    if (!readsAssignments || !m.memberAssignment || m.memberAssignment.length === 0) return base;
    let assignment;
    try {
      assignment = decodeConsumerAssignment(m.memberAssignment);
    } catch (err) {
      assignmentProblem ??= `member assignment unreadable: ${(err as Error).message}`;
      return base;
    }
    if (!streams) return { ...base, partitions: assignment.partitions };
    const paired = assignment.userData
      ? tasksOfPartitions(assignment.partitions, decodeStreamsAssignmentInfo(assignment.userData))
      : { ok: false as const, problem: 'Kafka Streams member without assignment info' };
    if (!paired.ok) {
      assignmentProblem ??= paired.problem;
      return { ...base, partitions: assignment.partitions };
    }
    return {
      ...base,
      partitions: paired.tasks.map((t) => ({
        topic: t.topic,
        partition: t.partition,
        subTopology: t.task.namedTopology
          ? `${t.task.namedTopology}/${t.task.subTopology}`
          : String(t.task.subTopology),
      })),
    };
  });
  return {
    state: group.state,
    members,
    protocol: 'classic',
    ...(assignmentProblem === undefined ? {} : { assignmentProblem }),
  };
}

function reconciling(group: DescribedConsumerGroup | DescribedStreamsGroup): boolean {
  return (
    group.state === 'Assigning' ||
    group.state === 'Reconciling' ||
    group.assignmentEpoch < group.groupEpoch ||
    group.members.some((m) => m.memberEpoch < group.assignmentEpoch)
  );
}

export function consumerGroupDescription(group: DescribedConsumerGroup): GroupDescription {
  return {
    state: group.state,
    members: group.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, partitions: m.partitions })),
    protocol: 'consumer',
    reconciling: reconciling(group),
  };
}

export function streamsGroupDescription(group: DescribedStreamsGroup): GroupDescription {
  const subTopologies = group.topology?.subTopologies ?? undefined;
  const topology: ReportedSubTopology[] | undefined = subTopologies?.map((s) => ({
    id: s.id,
    inputs: [...new Set([...s.sourceTopics, ...s.repartitionSourceTopics])].sort(),
  }));
  const inputsOf = new Map((topology ?? []).map((s) => [s.id, s.inputs]));
  // A task reads one partition of each input of its sub-topology: the answer's size does not bound the product.
  let spread = 0;
  for (const m of group.members)
    for (const t of m.activeTasks) spread += (inputsOf.get(t.subTopology)?.length ?? 0) * t.partitions.length;
  const tooMany = spread > MAX_STREAMS_PARTITIONS;
  const members = group.members.map((m): GroupMember => {
    const base = { memberId: m.memberId, clientId: m.clientId, processId: m.processId };
    if (tooMany) return base;
    const partitions: MemberPartition[] = m.activeTasks.flatMap((t) =>
      (inputsOf.get(t.subTopology) ?? []).flatMap((topic) =>
        t.partitions.map((partition) => ({ topic, partition, subTopology: t.subTopology })),
      ),
    );
    return { ...base, partitions };
  });
  const assignmentProblem = tooMany
    ? `the streams group's active tasks spread over ${spread} partitions, more than ${MAX_STREAMS_PARTITIONS} partitions: not read`
    : topology === undefined && group.members.length > 0
      ? 'the streams group has no topology registered yet'
      : undefined;
  return {
    state: group.state,
    members,
    protocol: 'streams',
    ...(topology === undefined ? {} : { topology }),
    reconciling: reconciling(group),
    ...(assignmentProblem === undefined ? {} : { assignmentProblem }),
  };
}

/**
 * The most partitions a streams group's members are read to work on: well
 * above the partitions of any one application (a cluster's are counted in
 * the hundreds of thousands), well below what exhausts the scaler's memory.
 */
export const MAX_STREAMS_PARTITIONS = 1_000_000;

/** What one describe request (ConsumerGroupDescribe or StreamsGroupDescribe) said of one group. */
export type KindAnswer<E> =
  | { readonly ok: true; readonly value: GroupDescription }
  /** Kafka's own error for the group, or the request's (unsent, unanswered, unreadable). */
  | { readonly ok: false; readonly error: E }
  /** GROUP_ID_NOT_FOUND (a group of another type, or none), or a broker without the request. */
  | 'neither';

/** Which kind a group asked of one or both describes turned out to be. */
export type KindVerdict<E> =
  { readonly found: 'consumer' | 'streams'; readonly value: GroupDescription } | { readonly error: E } | 'neither';

/**
 * The verdict on a group from the describes it was asked of: the kind that
 * described it wins (the other kind's answer, an error included, says only
 * that it is not that kind); else an error, when any describe could not say
 * (the group may be either: never "neither" then); else neither.
 */
export function kindVerdict<E>(
  answers: ReadonlyArray<readonly ['consumer' | 'streams', KindAnswer<E> | undefined]>,
): KindVerdict<E> {
  for (const [kind, a] of answers)
    if (a !== undefined && a !== 'neither' && a.ok) return { found: kind, value: a.value };
  for (const [, a] of answers) if (a !== undefined && a !== 'neither' && !a.ok) return { error: a.error };
  return 'neither';
}
