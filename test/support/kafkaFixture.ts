/**
 * Mocha global fixture: one real Kafka broker for the whole integration run,
 * started by the project's harness (tools/kafka). Tests reach it through
 * `testKafka()` and use their own random topic and group names.
 *
 * KAFKA_VERSION picks the broker version (default: the harness default).
 */
import { startKafka, type LocalKafka } from '../../tools/kafka/localKafka.ts';

let kafka: LocalKafka | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  kafka = await startKafka({ log: (line) => process.stdout.write(`  [kafka] ${line}\n`) });
  process.env['TEST_KAFKA_BOOTSTRAP'] = kafka.bootstrapServers;
  process.env['TEST_KAFKA_VERSION'] = kafka.version;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await kafka?.stop();
}
