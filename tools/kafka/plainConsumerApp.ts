/**
 * PlainConsumerApp.java, a plain KafkaConsumer in a group, run as a JVM:
 * with `group.protocol=consumer` (KIP-848) by default, which kafkajs cannot
 * speak, or `classic`. It reads its topics from the earliest offset, sleeps
 * `delayMs` per record and commits automatically or after every poll.
 *
 * startPlainConsumer() returns once the member has its first assignment
 * (possibly empty, with more members than partitions); launchPlainConsumer()
 * returns at once. Like the Streams apps (javaApp.ts), it is stopped (SIGTERM
 * closes the consumer, which leaves the group), killed, paused or resumed by PID.
 */
import { type JavaApp, launchJavaApp, propertyArgs, withJavaApp } from './javaApp.ts';

const MAIN_CLASS = 'PlainConsumerApp';

export interface PlainConsumerOptions {
  readonly bootstrap: string;
  readonly group: string;
  readonly topics: readonly string[];
  /** The consumer's group.protocol; `consumer` (KIP-848) by default. */
  readonly protocol?: 'consumer' | 'classic';
  /** `auto` (enable.auto.commit, every `commitMs`) by default, or `sync`: commitSync() after every poll with records. */
  readonly commit?: 'auto' | 'sync';
  readonly commitMs?: number;
  /** Milliseconds it sleeps per record. */
  readonly delayMs?: number;
  /** Kafka client version; KAFKA_VERSION or the harness default otherwise. */
  readonly version?: string;
  readonly readyTimeoutMs?: number;
  /** More consumer configuration, e.g. `{ 'max.poll.records': '10' }`. */
  readonly properties?: Readonly<Record<string, string>>;
  /** Where the JVM's output goes; by default a file in its temporary folder, deleted with it. */
  readonly logFile?: string;
}

export interface PlainConsumer extends JavaApp {
  readonly group: string;
  /** The partitions assigned to it now, as "topic-partition", sorted; empty before the first assignment. */
  readonly assignment: readonly string[];
}

/** Starts a member and waits for its first assignment; kills it if it does not get one. */
export async function startPlainConsumer(options: PlainConsumerOptions): Promise<PlainConsumer> {
  const consumer = await launchPlainConsumer(options);
  await consumer.ready;
  return consumer;
}

/** Starts a member and returns at once; `ready` tells when it has its first assignment. */
export async function launchPlainConsumer(options: PlainConsumerOptions): Promise<PlainConsumer> {
  let assignment: readonly string[] = [];
  let assigned = false;
  const app = await launchJavaApp({
    mainClass: MAIN_CLASS,
    name: `plain-consumer-${options.group}`,
    args: () => [
      `--bootstrap=${options.bootstrap}`,
      `--group=${options.group}`,
      `--topics=${options.topics.join(',')}`,
      `--protocol=${options.protocol ?? 'consumer'}`,
      `--commit=${options.commit ?? 'auto'}`,
      `--commit-ms=${options.commitMs ?? 1000}`,
      `--delay-ms=${options.delayMs ?? 0}`,
      ...propertyArgs(options.properties),
    ],
    onLine: (line) => {
      const match = /^ASSIGNMENT ?(.*)$/.exec(line);
      if (match) assignment = match[1] ? match[1].split(',') : [];
      if (line === 'READY') assigned = true;
    },
    isReady: () => assigned,
    notReady: `consumer of group ${options.group} exited before its first assignment`,
    ...(options.version ? { version: options.version } : {}),
    ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  return withJavaApp(app, {
    group: options.group,
    get assignment() {
      return assignment;
    },
  });
}
