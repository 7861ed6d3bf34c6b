/**
 * KafkaReader over kafkajs, one per Kafka cluster, shared by every poller of
 * that cluster. Per call it sends: OffsetFetch to the group coordinator (looked
 * up once and cached), ListOffsets once per partition leader covering all the
 * partitions asked for, and Metadata only when kafkajs's cached metadata is
 * older than `metadataMaxAgeMs` or a topic is new.
 *
 * End offsets are read with READ_COMMITTED isolation: the last stable offset
 * (LSO), which equals the high watermark unless a transaction is open.
 *
 * The metadata cache is shared, and kafkajs fails a whole metadata refresh if
 * any one topic in it is gone; so when a refresh fails with
 * UNKNOWN_TOPIC_OR_PARTITION the reader finds the missing topics, drops them
 * from the shared set and retries, and a deleted topic stays one trigger's
 * NOT_FOUND instead of every trigger's outage.
 */
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import InstrumentationEventEmitter from 'kafkajs/src/instrumentation/emitter.js';
import networkEvents from 'kafkajs/src/network/instrumentationEvents.js';
import { ScalerError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { NO_COMMIT } from '../poller/sample.ts';
import { COORDINATOR_MOVED, kafkaErrorType, toKafkaError } from './kafkaErrors.ts';
import { createInternalCluster, type InternalCluster, READ_COMMITTED } from './kafkajsInternals.ts';
import type { KafkaReader, PartitionOffset, TopicPartition } from './kafkaReader.ts';

export interface KafkajsReaderOptions {
  readonly brokers: readonly string[];
  readonly logger: Logger;
  readonly clientId?: string;
  /** Per request, and the socket connect timeout (a third of it). */
  readonly requestTimeoutMs: number;
  readonly metadataMaxAgeMs?: number;
  /** TLS and SASL settings, passed to kafkajs as they are. */
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: KafkaConfig['sasl'];
}

/** Called for every completed Kafka request, e.g. ("ListOffsets", 1). */
export type RequestListener = (apiName: string, nodeId: number | undefined) => void;

export class KafkajsReader implements KafkaReader {
  readonly cluster: string;
  readonly #kafkaCluster: InternalCluster;
  readonly #log: Logger;
  readonly #coordinators = new Map<string, Promise<Awaited<ReturnType<InternalCluster['findGroupCoordinator']>>>>();
  readonly #emitter = new InstrumentationEventEmitter();
  #connecting: Promise<void> | undefined;

  constructor(options: KafkajsReaderOptions) {
    this.cluster = options.brokers.join(',');
    this.#log = options.logger.child({ component: 'kafka', cluster: this.cluster });
    const kafka = new Kafka({
      clientId: options.clientId ?? 'kstreams-scaler',
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: Math.max(1000, Math.round(options.requestTimeoutMs / 3)),
      requestTimeout: options.requestTimeoutMs,
      enforceRequestTimeout: true,
      // A poll has its own deadline and the next poll is seconds away: retry briefly, then report.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    });
    this.#kafkaCluster = createInternalCluster(kafka, {
      metadataMaxAge: options.metadataMaxAgeMs ?? 30_000,
      isolationLevel: READ_COMMITTED,
      instrumentationEmitter: this.#emitter,
    });
  }

  /** Subscribes to completed requests (metrics, tests); returns the unsubscribe function. */
  onRequest(listener: RequestListener): () => void {
    return this.#emitter.addListener(networkEvents.NETWORK_REQUEST, (event) => {
      const broker = event.payload['broker'];
      listener(String(event.payload['apiName']), typeof broker === 'number' ? broker : undefined);
    });
  }

  async partitions(topics: readonly string[], options?: { readonly skipMissing?: boolean }): Promise<TopicPartition[]> {
    await this.#connect();
    const cluster = this.#kafkaCluster;
    try {
      if (topics.some((t) => !cluster.targetTopics.has(t))) await cluster.addMultipleTargetTopics([...topics]);
      await cluster.refreshMetadataIfNecessary();
    } catch (err) {
      if (kafkaErrorType(err) !== 'UNKNOWN_TOPIC_OR_PARTITION') throw toKafkaError(err, this.cluster);
      await this.#pruneMissingTopics(topics);
    }
    const missing: string[] = [];
    const result: TopicPartition[] = [];
    for (const topic of topics) {
      const partitions = cluster.targetTopics.has(topic) ? cluster.findTopicPartitionMetadata(topic) : [];
      if (partitions.length === 0) missing.push(topic);
      for (const p of partitions) result.push({ topic, partition: p.partitionId });
    }
    if (missing.length > 0 && !options?.skipMissing) {
      throw new ScalerError(
        'TOPIC_NOT_FOUND',
        `kafka cluster ${this.cluster}: topic ${missing.map((t) => `"${t}"`).join(', ')} does not exist`,
      );
    }
    return result.sort(byTopicPartition);
  }

  async committedOffsets(
    groupId: string,
    partitions: readonly TopicPartition[] | undefined,
  ): Promise<PartitionOffset[]> {
    await this.#connect();
    const request = {
      groupId,
      // An empty list is sent as null: every partition the group has committed.
      topics: partitions === undefined ? [] : groupByTopic(partitions),
    };
    let response;
    try {
      const coordinator = await this.#coordinator(groupId);
      response = await coordinator.offsetFetch(request);
    } catch (err) {
      if (COORDINATOR_MOVED.has(kafkaErrorType(err) ?? '') || isConnectionError(err)) this.invalidate(groupId);
      throw toKafkaError(err, this.cluster);
    }
    const committed = response.responses.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset) })),
    );
    if (partitions === undefined) return committed.filter((p) => p.offset !== NO_COMMIT).sort(byTopicPartition);
    return committed.sort(byTopicPartition);
  }

  endOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#listOffsets(partitions, false);
  }

  startOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#listOffsets(partitions, true);
  }

  invalidate(groupId?: string): void {
    if (groupId === undefined) this.#coordinators.clear();
    else this.#coordinators.delete(groupId);
  }

  async close(): Promise<void> {
    this.#coordinators.clear();
    try {
      await this.#kafkaCluster.disconnect();
    } catch (err) {
      this.#log.debug({ err }, 'error while disconnecting');
    }
  }

  async #listOffsets(partitions: readonly TopicPartition[], fromBeginning: boolean): Promise<PartitionOffset[]> {
    if (partitions.length === 0) return [];
    await this.#connect();
    const request = groupByTopic(partitions).map((t) => ({ ...t, fromBeginning }));
    try {
      const response = await this.#kafkaCluster.fetchTopicsOffset(request);
      return response
        .flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset) })))
        .sort(byTopicPartition);
    } catch (err) {
      // A leader moved: let the next poll route with fresh metadata.
      await this.#kafkaCluster.refreshMetadata().catch(() => undefined);
      throw toKafkaError(err, this.cluster);
    }
  }

  #connect(): Promise<void> {
    if (this.#kafkaCluster.isConnected()) return Promise.resolve();
    this.#connecting ??= this.#kafkaCluster
      .connect()
      .catch((err: unknown) => {
        throw toKafkaError(err, this.cluster);
      })
      .finally(() => {
        this.#connecting = undefined;
      });
    return this.#connecting;
  }

  #coordinator(groupId: string): ReturnType<InternalCluster['findGroupCoordinator']> {
    let found = this.#coordinators.get(groupId);
    if (!found) {
      found = this.#kafkaCluster.findGroupCoordinator({ groupId });
      this.#coordinators.set(groupId, found);
      found.catch(() => this.#coordinators.delete(groupId));
    }
    return found;
  }

  /**
   * Asks for each topic alone which ones are gone, removes those from the
   * shared metadata set, and refreshes the metadata of the rest.
   */
  async #pruneMissingTopics(requested: readonly string[]): Promise<void> {
    const cluster = this.#kafkaCluster;
    const candidates = new Set([...cluster.targetTopics, ...requested]);
    const broker = await cluster.brokerPool.findConnectedBroker();
    const gone: string[] = [];
    for (const topic of candidates) {
      try {
        await broker.metadata([topic]);
      } catch (err) {
        if (kafkaErrorType(err) === 'UNKNOWN_TOPIC_OR_PARTITION') gone.push(topic);
        else throw toKafkaError(err, this.cluster);
      }
    }
    for (const topic of gone) cluster.targetTopics.delete(topic);
    const known = requested.filter((t) => !gone.includes(t));
    this.#log.info({ topics: gone }, 'topics do not exist; dropped from the metadata cache');
    try {
      if (known.some((t) => !cluster.targetTopics.has(t))) await cluster.addMultipleTargetTopics(known);
      else await cluster.refreshMetadata();
    } catch (err) {
      throw toKafkaError(err, this.cluster);
    }
  }
}

function groupByTopic(
  partitions: readonly TopicPartition[],
): Array<{ topic: string; partitions: Array<{ partition: number }> }> {
  const byTopic = new Map<string, Array<{ partition: number }>>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push({ partition });
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
}

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

function isConnectionError(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  return (
    name === 'KafkaJSConnectionError' ||
    name === 'KafkaJSConnectionClosedError' ||
    name === 'KafkaJSRequestTimeoutError'
  );
}
