/**
 * Helpers for integration tests against the broker of the global fixture.
 */
import { randomBytes } from 'node:crypto';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { createInternalCluster, READ_COMMITTED } from '../../src/kafka/kafkajsInternals.ts';

/** The bootstrap address of the run's broker (see kafkaFixture.ts). */
export function testBootstrap(): string {
  const bootstrap = process.env['TEST_KAFKA_BOOTSTRAP'];
  if (!bootstrap) throw new Error('no test broker: run integration tests through .mocharc.integration.json');
  return bootstrap;
}

/** The version of the run's broker, e.g. "4.4.0". */
export function testKafkaVersion(): string {
  return process.env['TEST_KAFKA_VERSION'] ?? 'unknown';
}

/** A name no other test uses: `<prefix>-<12 hex chars>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/**
 * A kafkajs client for the test broker; quiet unless KAFKAJS_LOG=debug.
 * `retries` raises kafkajs's retry budget for tests that kill brokers.
 */
export function testKafkaClient(bootstrap = testBootstrap(), retries?: number): Kafka {
  return new Kafka({
    clientId: 'kstreams-scaler-test',
    brokers: bootstrap.split(','),
    logLevel: process.env['KAFKAJS_LOG'] === 'debug' ? logLevel.DEBUG : logLevel.NOTHING,
    ...(retries === undefined ? {} : { retry: { retries } }),
  });
}

/** Creates a topic and waits until it has leaders for every partition. */
export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
}

/** Produces `count` records to each listed partition; values are `<partition>-<i>`. */
export async function produceToPartitions(
  producer: Producer,
  topic: string,
  counts: Readonly<Record<number, number>>,
): Promise<void> {
  const messages = Object.entries(counts).flatMap(([partition, count]) =>
    Array.from({ length: count }, (_, i) => ({ partition: Number(partition), value: `${partition}-${i}` })),
  );
  await producer.send({ topic, messages });
}

interface CommitBroker {
  findGroupCoordinator(request: {
    groupId: string;
    coordinatorType: number;
  }): Promise<{ coordinator: { host: string; port: number } }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime?: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  }): Promise<unknown>;
}

/** Runs `use` with a connected kafkajs broker for `address`. */
async function withBroker<T>(address: string, use: (broker: CommitBroker) => Promise<T>): Promise<T> {
  const cluster = createInternalCluster(testKafkaClient(address), {
    metadataMaxAge: 60_000,
    isolationLevel: READ_COMMITTED,
    instrumentationEmitter: null,
  });
  try {
    await cluster.connect();
    return await use((await cluster.brokerPool.findConnectedBroker()) as unknown as CommitBroker);
  } finally {
    await cluster.disconnect();
  }
}

/**
 * Commits offsets for a group with no members, as admin tools do
 * (OffsetCommit with generation -1 and no member id): FindCoordinator, then
 * OffsetCommit to the coordinator. kafkajs's admin.setOffsets joins the group
 * as a consumer instead, which costs a rebalance (seconds) per call.
 */
export async function commitOffsets(
  groupId: string,
  topic: string,
  offsets: Readonly<Record<number, number>>,
  bootstrap = testBootstrap(),
): Promise<void> {
  const topics = [
    {
      topic,
      partitions: Object.entries(offsets).map(([partition, offset]) => ({
        partition: Number(partition),
        offset: String(offset),
      })),
    },
  ];
  let lastError: unknown;
  // The coordinator may still be loading the first time __consumer_offsets is used.
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const { coordinator } = await withBroker(bootstrap.split(',')[0]!, (seed) =>
        seed.findGroupCoordinator({ groupId, coordinatorType: 0 }),
      );
      await withBroker(`${coordinator.host}:${coordinator.port}`, (broker) =>
        broker.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', retentionTime: -1, topics }),
      );
      return;
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw lastError instanceof Error ? lastError : new Error(`cannot commit offsets for ${groupId}`);
}
