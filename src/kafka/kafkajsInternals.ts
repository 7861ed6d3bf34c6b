/**
 * Typed access to the few kafkajs 2.2.4 internals the reader builds on.
 *
 * kafkajs's public admin API reads end offsets one topic at a time with two
 * ListOffsets rounds each, asks for the group coordinator on every call, and
 * keeps one metadata cache per client that fails as a whole when any topic
 * in it has an error. The reader instead uses kafkajs for what it does well
 * (connections, TLS, SASL, API version negotiation, request encoding) and
 * keeps routing itself: per-topic metadata, its own broker map, a cached
 * coordinator per group. kafkajs is pinned to exactly 2.2.4 (it is no longer
 * developed, tulios/kafkajs#1603) and `createInternalCluster` fails loudly
 * if an upgrade removes anything used here.
 */
import type { Kafka } from 'kafkajs';

export const READ_UNCOMMITTED = 0;
export const READ_COMMITTED = 1;
/** ListOffsets timestamps for "latest" and "earliest". */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

export interface BrokerAddress {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack?: string | null;
}

export interface MetadataResponse {
  brokers: BrokerAddress[];
  topicMetadata: Array<{ topic: string; partitionMetadata: Array<{ partitionId: number; leader: number }> }>;
}

/** A kafkajs Broker: one connection pool to one Kafka node. */
export interface InternalBroker {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  metadata(topics: string[]): Promise<MetadataResponse>;
  findGroupCoordinator(request: { groupId: string; coordinatorType: number }): Promise<{ coordinator: BrokerAddress }>;
  offsetFetch(request: {
    groupId: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number }> }>;
  }): Promise<{ responses: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }>;
  listOffsets(request: {
    replicaId: number;
    isolationLevel: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; timestamp: number }> }>;
  }): Promise<{ responses: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }>;
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{
    responses: Array<{
      topicName: string;
      partitions: Array<{
        partition: number;
        abortedTransactions: Array<{ producerId: string; firstOffset: string }> | null;
        messages: Array<{
          offset: string;
          timestamp: string;
          isControlRecord?: boolean;
          batchContext?: { producerId?: string; inTransaction?: boolean };
        }>;
      }>;
    }>;
  }>;
  describeGroups(request: { groupIds: string[] }): Promise<{
    groups: Array<{
      errorCode: number;
      groupId: string;
      state: string;
      protocolType: string;
      protocol: string;
      members: Array<{
        memberId: string;
        clientId: string;
        clientHost: string;
        memberMetadata: Buffer;
        memberAssignment: Buffer;
      }>;
    }>;
  }>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  connectionPoolBuilder: { build(destination: { host: string; port: number; rack?: string | null }): Promise<unknown> };
  brokerPool: {
    rootLogger: unknown;
    versions: unknown;
    /** A connected broker through kafkajs's own bootstrap logic (test helpers; the reader picks its seeds itself). */
    findConnectedBroker(): Promise<InternalBroker>;
    createBroker(options: {
      nodeId: number;
      logger: unknown;
      versions: unknown;
      connectionPool: unknown;
    }): InternalBroker;
  };
}

type CreateCluster = (options: {
  metadataMaxAge?: number;
  allowAutoTopicCreation?: boolean;
  isolationLevel?: number;
  instrumentationEmitter?: unknown;
}) => InternalCluster;

/**
 * A kafkajs Cluster built from `kafka`'s own settings (brokers, TLS, SASL,
 * timeouts, retry), through the factory `kafka.admin()` itself uses, never
 * creating topics.
 */
export function createInternalCluster(
  kafka: Kafka,
  options: { metadataMaxAge: number; isolationLevel: number; instrumentationEmitter: unknown },
): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof factory !== 'function') throw internalsChanged('Kafka has no createCluster factory');
  const cluster = (factory as CreateCluster)({ ...options, allowAutoTopicCreation: false });
  const has = (owner: unknown, method: string): boolean =>
    typeof (owner as Record<string, unknown> | undefined)?.[method] === 'function';
  const missing = [
    ...['connect', 'disconnect', 'isConnected'].filter((m) => !has(cluster, m)),
    ...(has(cluster.connectionPoolBuilder, 'build') ? [] : ['connectionPoolBuilder.build']),
    ...['createBroker'].filter((m) => !has(cluster.brokerPool, m)).map((m) => `brokerPool.${m}`),
  ];
  if (missing.length > 0) throw internalsChanged(`Cluster lacks ${missing.join(', ')}`);
  return cluster;
}

/** Fails if a kafkajs Broker lacks a method the reader calls. */
export function assertBroker(broker: InternalBroker): InternalBroker {
  const methods = [
    'connect',
    'disconnect',
    'isConnected',
    'metadata',
    'findGroupCoordinator',
    'offsetFetch',
    'listOffsets',
    'describeGroups',
  ] as const;
  const missing = methods.filter((m) => typeof broker[m] !== 'function');
  if (missing.length > 0) throw internalsChanged(`Broker lacks ${missing.join(', ')}`);
  return broker;
}

function internalsChanged(what: string): Error {
  return new Error(`kafkajs internals changed: ${what} (kstreams-scaler needs kafkajs 2.2.4)`);
}
