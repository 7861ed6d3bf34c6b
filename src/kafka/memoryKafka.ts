/**
 * An in-memory Kafka behind the KafkaReader port: topics with partitions,
 * produced records (with timestamps, transactions and their markers),
 * committed offsets, group members, and injectable failures and hangs. Unit
 * tests and the scaling simulator drive the real poller and strategies with
 * it. It records the latest requests a real reader would send, in order.
 */
import { NO_COMMIT, partitionKey } from '../model/sample.ts';
import { describeGroupsOneByOne, groupOffsetsOneByOne } from './batchFallback.ts';
import {
  asPortError,
  type GroupDescription,
  type GroupOffsetsQuery,
  type KafkaFaultKind,
  KafkaPortError,
  type KafkaReader,
  type Outcome,
  type PartitionOffset,
  type PeekRequest,
  type PeekResult,
  type TopicPartition,
} from './kafkaReader.ts';

/** A run of offsets [first, last] appended together. */
interface Segment {
  readonly first: bigint;
  readonly last: bigint;
  readonly timestamp: number;
  readonly kind: 'data' | 'aborted' | 'marker';
}

interface PartitionLog {
  start: bigint;
  end: bigint;
  segments: Segment[];
}

const REQUEST_LOG_LIMIT = 10_000;

export class MemoryKafka implements KafkaReader {
  readonly cluster: string;
  /** Requests in the order they were made: "Metadata", "OffsetFetch", "ListOffsets(latest)", ... */
  readonly requests: string[] = [];
  readonly #now: () => number;
  readonly #topics = new Map<string, PartitionLog[]>();
  readonly #committed = new Map<string, Map<string, bigint>>();
  readonly #groups = new Map<string, GroupDescription>();
  #failure: { readonly kind: KafkaFaultKind; readonly reason: string } | Error | undefined;
  #held: Promise<void> | undefined;

  constructor(cluster = 'memory:9092', now: () => number = Date.now) {
    this.cluster = cluster;
    this.#now = now;
  }

  createTopic(topic: string, partitions: number): this {
    this.#topics.set(
      topic,
      Array.from({ length: partitions }, () => ({ start: 0n, end: 0n, segments: [] })),
    );
    return this;
  }

  deleteTopic(topic: string): this {
    this.#topics.delete(topic);
    return this;
  }

  /** Appends `count` records to a partition, stamped `timestamp` (default: now). */
  produce(topic: string, partition: number, count: number | bigint, timestamp = this.#now()): this {
    this.#append(this.#log(topic, partition), BigInt(count), timestamp, 'data');
    return this;
  }

  /** Appends a transaction of `count` records and its marker; aborted records are not data. */
  produceTransaction(
    topic: string,
    partition: number,
    count: number,
    outcome: 'commit' | 'abort' = 'commit',
    timestamp = this.#now(),
  ): this {
    const log = this.#log(topic, partition);
    this.#append(log, BigInt(count), timestamp, outcome === 'commit' ? 'data' : 'aborted');
    this.#append(log, 1n, timestamp, 'marker');
    return this;
  }

  /** Sets the group's committed offset of a partition (the next offset it will read). */
  commit(groupId: string, topic: string, partition: number, offset: number | bigint): this {
    let group = this.#committed.get(groupId);
    if (!group) this.#committed.set(groupId, (group = new Map<string, bigint>()));
    group.set(partitionKey(topic, partition), BigInt(offset));
    return this;
  }

  /** Sets what DescribeGroups answers for a group. */
  setGroup(groupId: string, description: GroupDescription): this {
    this.#groups.set(groupId, description);
    return this;
  }

  /** Moves the log start (retention deleted records). */
  truncate(topic: string, partition: number, start: number | bigint): this {
    const log = this.#log(topic, partition);
    log.start = BigInt(start);
    log.segments = log.segments.filter((s) => s.last >= log.start);
    return this;
  }

  endOffset(topic: string, partition: number): bigint {
    return this.#log(topic, partition).end;
  }

  /**
   * Every request fails until called again with undefined: as Kafka would,
   * with a KafkaPortError of `kind` saying "kafka cluster <cluster>: <reason>";
   * or with `error` thrown inside the reader, which the reader reports as
   * `internal` unless it is a KafkaPortError.
   */
  failWith(kind: KafkaFaultKind, reason: string): this;
  failWith(error: Error | undefined): this;
  failWith(fault: KafkaFaultKind | Error | undefined, reason?: string): this {
    this.#failure = typeof fault === 'string' ? { kind: fault, reason: reason ?? '' } : fault;
    return this;
  }

  /**
   * Requests made from now on wait, as if the broker hung, until the returned
   * function is called.
   */
  hold(): () => void {
    let release: () => void = () => {};
    this.#held = new Promise((resolve) => (release = resolve));
    return () => {
      this.#held = undefined;
      release();
    };
  }

  partitions(topics: readonly string[], options?: { readonly skipMissing?: boolean }): Promise<TopicPartition[]> {
    return this.#answer('Metadata', () => {
      const missing = topics.filter((t) => !this.#topics.has(t));
      if (missing.length > 0 && !options?.skipMissing) {
        throw new KafkaPortError(
          'topic-missing',
          `kafka cluster ${this.cluster}: topic ${missing.map((t) => `"${t}"`).join(', ')} does not exist`,
        );
      }
      return topics
        .filter((t) => this.#topics.has(t))
        .flatMap((topic) => this.#topics.get(topic)!.map((_, partition) => ({ topic, partition })));
    });
  }

  committedOffsets(groupId: string, partitions: readonly TopicPartition[] | undefined): Promise<PartitionOffset[]> {
    return this.#answer('OffsetFetch', () => {
      const group: ReadonlyMap<string, bigint> = this.#committed.get(groupId) ?? new Map<string, bigint>();
      if (partitions) {
        return partitions.map((p) => ({ ...p, offset: group.get(partitionKey(p.topic, p.partition)) ?? NO_COMMIT }));
      }
      return [...group].map(([key, offset]) => {
        const [topic, partition] = key.split('\u0000') as [string, string];
        return { topic, partition: Number(partition), offset };
      });
    });
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.#answer('DescribeGroups', () => {
      const known = this.#groups.get(groupId);
      if (known) return known;
      // As Kafka answers: a group with commits and no members is Empty; an unknown one is Dead.
      return { state: this.#committed.has(groupId) ? 'Empty' : 'Dead', members: [] };
    });
  }

  endOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#answer('ListOffsets(latest)', () =>
      partitions.map((p) => ({ ...p, offset: this.#log(p.topic, p.partition).end })),
    );
  }

  /** No transaction stays open here: the high watermark is the end. */
  highWatermarks(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#answer('ListOffsets(latest, uncommitted)', () =>
      partitions.map((p) => ({ ...p, offset: this.#log(p.topic, p.partition).end })),
    );
  }

  startOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#answer('ListOffsets(earliest)', () =>
      partitions.map((p) => ({ ...p, offset: this.#log(p.topic, p.partition).start })),
    );
  }

  peek(requests: readonly PeekRequest[]): Promise<PeekResult[]> {
    return this.#answer('Fetch', () =>
      requests.map((r) => ({ topic: r.topic, partition: r.partition, ...this.#peekOne(r) })),
    );
  }

  /** One Metadata request for every topic, as the real reader sends. */
  async topicPartitions(topics: readonly string[]): Promise<Map<string, Outcome<TopicPartition[]>>> {
    const results = new Map<string, Outcome<TopicPartition[]>>();
    let found: TopicPartition[];
    try {
      found = await this.partitions(topics, { skipMissing: true });
    } catch (err) {
      const error = asPortError(err);
      for (const topic of topics) results.set(topic, { ok: false, error });
      return results;
    }
    for (const topic of topics) {
      const partitions = found.filter((p) => p.topic === topic);
      results.set(
        topic,
        partitions.length > 0
          ? { ok: true, value: partitions }
          : {
              ok: false,
              error: new KafkaPortError(
                'topic-missing',
                `kafka cluster ${this.cluster}: topic "${topic}" does not exist`,
              ),
            },
      );
    }
    return results;
  }

  groupOffsets(queries: readonly GroupOffsetsQuery[]): Promise<Array<Outcome<PartitionOffset[]>>> {
    return groupOffsetsOneByOne(this, queries);
  }

  describeGroups(groupIds: readonly string[]): Promise<Map<string, Outcome<GroupDescription>>> {
    return describeGroupsOneByOne(this, groupIds);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #peekOne(r: PeekRequest): Omit<PeekResult, 'topic' | 'partition'> {
    const log = this.#log(r.topic, r.partition);
    // Below the log start (deleted by retention): unknown, as the port promises.
    if (r.from < log.start) return { dataPending: undefined, firstDataTimestamp: undefined };
    // Segments are in offset order: find the first that reaches `from`, then the first data after it.
    let lo = 0;
    let hi = log.segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (log.segments[mid]!.last < r.from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < log.segments.length; i++) {
      const segment = log.segments[i]!;
      if (segment.kind !== 'data') continue;
      const first = segment.first > r.from ? segment.first : r.from;
      return { dataPending: first < r.end, firstDataTimestamp: segment.timestamp };
    }
    return { dataPending: false, firstDataTimestamp: undefined };
  }

  #append(log: PartitionLog, count: bigint, timestamp: number, kind: Segment['kind']): void {
    if (count <= 0n) return;
    log.segments.push({ first: log.end, last: log.end + count - 1n, timestamp, kind });
    log.end += count;
  }

  #log(topic: string, partition: number): PartitionLog {
    const log = this.#topics.get(topic)?.[partition];
    if (!log) throw new Error(`memory kafka: no partition ${topic}-${partition}`);
    return log;
  }

  /** Records the request and answers it; whatever fails leaves as a KafkaPortError, as the port promises. */
  async #answer<T>(request: string, answer: () => T): Promise<T> {
    this.requests.push(request);
    // Keep the recent ones only: a long simulation makes millions.
    if (this.requests.length > REQUEST_LOG_LIMIT) this.requests.splice(0, this.requests.length - REQUEST_LOG_LIMIT / 2);
    try {
      if (this.#held) await this.#held;
      const failure = this.#failure;
      if (failure instanceof Error) throw failure;
      if (failure) throw new KafkaPortError(failure.kind, `kafka cluster ${this.cluster}: ${failure.reason}`);
      return answer();
    } catch (err) {
      throw asPortError(err);
    }
  }
}
