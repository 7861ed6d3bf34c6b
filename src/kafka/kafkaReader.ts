/**
 * The port between the poller and Kafka. The kafkajs adapter implements it
 * against real brokers; the simulator and unit tests implement it in memory.
 *
 * Every error a reader's method rejects with, or reports for one item of a
 * batched read, is a KafkaPortError: the adapter classifies its client's
 * errors itself, so callers branch on `kind` and never on a client library's
 * error names.
 */
import { INTERNAL_ERROR_DETAIL, ScalerError, type ScalerErrorCode } from '../errors.ts';

/**
 * Why a read failed, as far as a caller needs to know:
 * - `unavailable`: no answer, a broken connection, an error answer from a
 *   broker (no leader, a coordinator loading, ...), an unreadable secret; a
 *   later read may succeed.
 * - `credentials`: the brokers refused this client's SASL login or TLS
 *   handshake. Fixed by rotating a secret, which the reader reads again on
 *   its own; reported as unavailable.
 * - `permission`: an ACL refused the read (topic, group or cluster authorization).
 * - `topic-missing`: a named topic does not exist.
 * - `internal`: the adapter failed for no Kafka reason, a bug; its text stays in the log.
 */
export type KafkaFaultKind = 'unavailable' | 'credentials' | 'permission' | 'topic-missing' | 'internal';

/** What each kind is reported as (errors.ts maps codes to gRPC status). */
const CODE_BY_KIND: Readonly<Record<KafkaFaultKind, ScalerErrorCode>> = {
  unavailable: 'KAFKA_UNAVAILABLE',
  credentials: 'KAFKA_UNAVAILABLE',
  permission: 'KAFKA_PERMISSION_DENIED',
  'topic-missing': 'TOPIC_NOT_FOUND',
  internal: 'INTERNAL',
};

/** An error of the Kafka port: a ScalerError whose code follows from its kind. */
export class KafkaPortError extends ScalerError {
  override name = 'KafkaPortError';
  readonly kind: KafkaFaultKind;

  constructor(kind: KafkaFaultKind, message: string, options?: { cause?: unknown }) {
    super(CODE_BY_KIND[kind], message, options);
    this.kind = kind;
  }
}

/**
 * `err` as a KafkaPortError, for adapters whose own errors are all port
 * errors already: a KafkaPortError as it is, anything else a bug (`internal`).
 */
export function asPortError(err: unknown): KafkaPortError {
  return err instanceof KafkaPortError ? err : new KafkaPortError('internal', INTERNAL_ERROR_DETAIL, { cause: err });
}

/** One item of a batched read: its value, or the error for that item alone. */
export type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: KafkaPortError };

/** One group's committed offsets to read: for these partitions, or for every partition it committed (undefined). */
export interface GroupOffsetsQuery {
  readonly groupId: string;
  readonly partitions: readonly TopicPartition[] | undefined;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionOffset extends TopicPartition {
  readonly offset: bigint;
}

/** How a group is run: classic (DescribeGroups), a KIP-848 consumer group, or a KIP-1071 streams group. */
export type GroupProtocol = 'classic' | 'consumer' | 'streams';

/** A partition a member works on, with its Kafka Streams task when the group tells it. */
export interface MemberPartition extends TopicPartition {
  /** The sub-topology of the task the partition feeds, when known. */
  readonly subTopology?: string;
}

export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  /** The application instance: a streams group's process id; undefined where the group does not say. */
  readonly processId?: string;
  /** The partitions assigned to it, when the group tells them. */
  readonly partitions?: readonly MemberPartition[];
}

/** A sub-topology as a Kafka Streams application reports it: its id and the topics its tasks read. */
export interface ReportedSubTopology {
  readonly id: string;
  readonly inputs: readonly string[];
}

export interface GroupDescription {
  readonly state: string;
  readonly members: readonly GroupMember[];
  /** Undefined for readers that do not tell (read as classic). */
  readonly protocol?: GroupProtocol;
  /** A streams group's registered topology; undefined for other groups or before it registered one. */
  readonly topology?: readonly ReportedSubTopology[];
  /** A KIP-848 or streams group whose assignment epoch or members are behind its group epoch. */
  readonly reconciling?: boolean;
  /** Why the members' Kafka Streams tasks could not be read (an unknown assignment version, ...). */
  readonly assignmentProblem?: string;
}

/** Look at the records from `from` up to (not including) `end`. */
export interface PeekRequest extends TopicPartition {
  readonly from: bigint;
  readonly end: bigint;
}

export interface PeekResult extends TopicPartition {
  /** Whether a data record (not a control record, not aborted) lies in [from, end); undefined if not all of it was read. */
  readonly dataPending: boolean | undefined;
  /** Timestamp of the first data record at or after `from`, if one was read. */
  readonly firstDataTimestamp: number | undefined;
}

export interface KafkaReader {
  /** A readable name for logs and errors, e.g. "kafka-0:9092,kafka-1:9092". */
  readonly cluster: string;
  /**
   * Every partition of `topics`. Fails with `topic-missing` naming any topic
   * that does not exist, unless `skipMissing` (then those topics are left out).
   */
  partitions(topics: readonly string[], options?: { readonly skipMissing?: boolean }): Promise<TopicPartition[]>;
  /**
   * The group's committed offsets: for `partitions` (NO_COMMIT where none),
   * or, when `partitions` is undefined, for every partition the group has
   * committed (one OffsetFetch request either way).
   */
  committedOffsets(groupId: string, partitions: readonly TopicPartition[] | undefined): Promise<PartitionOffset[]>;
  /** The group's state and members (one DescribeGroups request). */
  describeGroup(groupId: string): Promise<GroupDescription>;
  /**
   * The batched forms, for a cycle that reads many groups at once: each item
   * answers on its own (a missing topic, a group whose coordinator fails),
   * so one bad item never fails the others. `topicPartitions` answers
   * `topic-missing` for a topic that does not exist. `groupOffsets` sends one
   * OffsetFetch per coordinator where the brokers take many groups in one
   * request (Kafka 3.0+), and `describeGroups` one DescribeGroups per coordinator.
   */
  topicPartitions(topics: readonly string[]): Promise<Map<string, Outcome<TopicPartition[]>>>;
  groupOffsets(queries: readonly GroupOffsetsQuery[]): Promise<Array<Outcome<PartitionOffset[]>>>;
  describeGroups(groupIds: readonly string[]): Promise<Map<string, Outcome<GroupDescription>>>;
  /** End offsets (last stable offsets), one ListOffsets request per partition leader. */
  endOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]>;
  /**
   * High watermarks (read-uncommitted end offsets), one ListOffsets request per
   * partition leader: asked only for partitions whose committed offset lies
   * beyond the last stable offset.
   */
  highWatermarks(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]>;
  /** Log start offsets, one ListOffsets request per partition leader. */
  startOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]>;
  /**
   * A read-committed look at a few records per partition, one Fetch request
   * per partition leader. A partition whose `from` is below its log start
   * answers with both fields undefined; it never fails the others.
   */
  peek(requests: readonly PeekRequest[]): Promise<PeekResult[]>;
}
