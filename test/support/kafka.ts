/**
 * Helpers for integration tests against the broker of the global fixture.
 */
import { randomBytes } from 'node:crypto';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';

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
