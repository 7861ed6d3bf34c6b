/**
 * An in-memory Kafka behind the KafkaReader port: topics with partitions,
 * produced and committed offsets, and injectable failures. Unit tests and the
 * scaling simulator drive the real poller and strategies with it. It records
 * the requests a real reader would send, so tests can check their order.
 */
import { ScalerError } from '../errors.ts';
import { NO_COMMIT, partitionKey } from '../poller/sample.ts';
import type { KafkaReader, PartitionOffset, TopicPartition } from './kafkaReader.ts';

interface PartitionLog {
  start: bigint;
  end: bigint;
}

export class MemoryKafka implements KafkaReader {
  readonly cluster: string;
  /** Requests in the order they were made: "Metadata", "OffsetFetch", "ListOffsets(latest)", ... */
  readonly requests: string[] = [];
  readonly #topics = new Map<string, PartitionLog[]>();
  readonly #committed = new Map<string, Map<string, bigint>>();
  #failure: Error | undefined;
  #held: Promise<void> | undefined;

  constructor(cluster = 'memory:9092') {
    this.cluster = cluster;
  }

  createTopic(topic: string, partitions: number): this {
    this.#topics.set(
      topic,
      Array.from({ length: partitions }, () => ({ start: 0n, end: 0n })),
    );
    return this;
  }

  deleteTopic(topic: string): this {
    this.#topics.delete(topic);
    return this;
  }

  /** Appends `count` records to a partition. */
  produce(topic: string, partition: number, count: number | bigint): this {
    this.#log(topic, partition).end += BigInt(count);
    return this;
  }

  /** Sets the group's committed offset of a partition (the next offset it will read). */
  commit(groupId: string, topic: string, partition: number, offset: number | bigint): this {
    let group = this.#committed.get(groupId);
    if (!group) this.#committed.set(groupId, (group = new Map<string, bigint>()));
    group.set(partitionKey(topic, partition), BigInt(offset));
    return this;
  }

  /** Moves the log start (retention deleted records). */
  truncate(topic: string, partition: number, start: number | bigint): this {
    this.#log(topic, partition).start = BigInt(start);
    return this;
  }

  endOffset(topic: string, partition: number): bigint {
    return this.#log(topic, partition).end;
  }

  /** Every request fails with `error` until called again with undefined. */
  failWith(error: Error | undefined): this {
    this.#failure = error;
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
        throw new ScalerError(
          'TOPIC_NOT_FOUND',
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

  endOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#answer('ListOffsets(latest)', () =>
      partitions.map((p) => ({ ...p, offset: this.#log(p.topic, p.partition).end })),
    );
  }

  startOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#answer('ListOffsets(earliest)', () =>
      partitions.map((p) => ({ ...p, offset: this.#log(p.topic, p.partition).start })),
    );
  }

  invalidate(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }

  #log(topic: string, partition: number): PartitionLog {
    const log = this.#topics.get(topic)?.[partition];
    if (!log) throw new Error(`memory kafka: no partition ${topic}-${partition}`);
    return log;
  }

  async #answer<T>(request: string, answer: () => T): Promise<T> {
    this.requests.push(request);
    if (this.#held) await this.#held;
    if (this.#failure) throw this.#failure;
    return answer();
  }
}
