/**
 * Which Apache Kafka releases the harness runs, and what each needs.
 *
 * Kafka's POMs carry no SLF4J binding; the release tarball adds reload4j for
 * 3.x and Log4j 2 for 4.x, and the harness adds the same (tools/kafka/pom.xml).
 */
import { HarnessError } from './harnessError.ts';

/** The newest 4.x on Maven Central when this was pinned; KAFKA_VERSION overrides it. */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

export interface KafkaVersion {
  readonly text: string;
  readonly major: 3 | 4;
  readonly minor: number;
  /** Log4j 2 version matching the release's own (4.x only). */
  readonly log4j2: string | undefined;
}

/**
 * Log4j 2 shipped with each 4.x minor (from the releases' dependency trees);
 * an unlisted newer minor uses the newest known one.
 */
const LOG4J2_BY_MINOR: ReadonlyArray<readonly [number, string]> = [
  [0, '2.24.3'],
  [1, '2.24.3'],
  [2, '2.25.3'],
  [3, '2.25.4'],
  [4, '2.25.5'],
];

/** Parses and checks a version such as "4.4.0" or "3.9.1". */
export function parseKafkaVersion(text: string): KafkaVersion {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) {
    throw new HarnessError(
      `KAFKA_VERSION "${text}" is not a release number; expected MAJOR.MINOR.PATCH such as ${DEFAULT_KAFKA_VERSION} or 3.9.1`,
    );
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major !== 3 && major !== 4) {
    throw new HarnessError(
      `Kafka ${text} is not supported: the harness runs KRaft brokers of the 3.x (3.7 or newer) and 4.x lines`,
    );
  }
  if (major === 3 && minor < 7) {
    throw new HarnessError(`Kafka ${text} is not supported: 3.x brokers must be 3.7 or newer`);
  }
  let log4j2: string | undefined;
  if (major === 4) {
    const known = LOG4J2_BY_MINOR.filter(([m]) => m <= minor);
    log4j2 = known[known.length - 1]?.[1];
  }
  return { text: match[0], major, minor, log4j2 };
}

/** The version requested through the environment, or the default. */
export function kafkaVersionFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaVersion {
  return parseKafkaVersion(env['KAFKA_VERSION'] || DEFAULT_KAFKA_VERSION);
}
