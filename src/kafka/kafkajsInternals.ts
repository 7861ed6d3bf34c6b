/**
 * Typed access to the parts of kafkajs 2.2.4's internal Cluster the reader
 * needs. kafkajs's public admin API reads end offsets one topic at a time with
 * two ListOffsets rounds each and looks up the group coordinator on every
 * call; its Cluster batches ListOffsets per leader across topics, takes an
 * isolation level and lets the coordinator be cached. kafkajs is pinned to
 * 2.2.4 exactly (it is no longer developed, tulios/kafkajs#1603), and
 * `assertInternalsAvailable` fails loudly if an upgrade removes these.
 */
import type { Kafka } from 'kafkajs';

export const READ_COMMITTED = 1;

export interface InternalBroker {
  offsetFetch(request: {
    groupId: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number }> }>;
  }): Promise<{ responses: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }>;
  describeGroups(request: { groupIds: string[] }): Promise<{
    groups: Array<{
      errorCode: number;
      groupId: string;
      groupState: string;
      protocolType: string;
      protocol: string;
      members: Array<{ memberId: string; clientId: string; clientHost: string }>;
    }>;
  }>;
  metadata(topics: string[]): Promise<unknown>;
}

export interface PartitionMetadata {
  readonly partitionId: number;
  readonly leader: number;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  targetTopics: Set<string>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): PartitionMetadata[];
  fetchTopicsOffset(
    topics: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalBroker & { nodeId: number }>;
  findBroker(request: { nodeId: number }): Promise<InternalBroker>;
  brokerPool: { findConnectedBroker(): Promise<InternalBroker> };
}

type CreateCluster = (options: {
  metadataMaxAge?: number;
  allowAutoTopicCreation?: boolean;
  isolationLevel?: number;
  instrumentationEmitter?: unknown;
}) => InternalCluster;

const REQUIRED_METHODS = [
  'connect',
  'disconnect',
  'addMultipleTargetTopics',
  'refreshMetadata',
  'refreshMetadataIfNecessary',
  'findTopicPartitionMetadata',
  'fetchTopicsOffset',
  'findGroupCoordinator',
  'findBroker',
] as const;

/** The Kafka client's private cluster factory (the one `kafka.admin()` uses). */
function clusterFactory(kafka: Kafka): CreateCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof factory !== 'function') {
    throw new Error(
      'kafkajs internals changed: Kafka has no createCluster factory (kstreams-scaler needs kafkajs 2.2.4)',
    );
  }
  return factory as CreateCluster;
}

/**
 * A kafkajs Cluster built from `kafka`'s own settings (brokers, TLS, SASL,
 * timeouts, retry), reading with `isolationLevel`, never creating topics.
 */
export function createInternalCluster(
  kafka: Kafka,
  options: { metadataMaxAge: number; isolationLevel: number; instrumentationEmitter: unknown },
): InternalCluster {
  const cluster = clusterFactory(kafka)({ ...options, allowAutoTopicCreation: false });
  assertInternalsAvailable(cluster);
  return cluster;
}

export function assertInternalsAvailable(cluster: InternalCluster): void {
  const missing = REQUIRED_METHODS.filter(
    (m) => typeof (cluster as unknown as Record<string, unknown>)[m] !== 'function',
  );
  if (missing.length > 0 || !(cluster.targetTopics instanceof Set)) {
    throw new Error(
      `kafkajs internals changed: Cluster lacks ${missing.join(', ') || 'targetTopics'} (kstreams-scaler needs kafkajs 2.2.4)`,
    );
  }
}
