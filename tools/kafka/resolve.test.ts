import assert from 'node:assert/strict';
import { describeMavenFailure } from './resolve.ts';

describe('harness: Maven failures in one line', () => {
  const cases = [
    {
      name: 'an unknown Kafka version',
      output:
        '[ERROR] Failed to execute goal on project kafka-libs: Could not resolve dependencies for project x:kafka-libs:pom:1: Could not find artifact org.apache.kafka:kafka_2.13:jar:9.9.9 in central (https://repo.maven.apache.org/maven2) -> [Help 1]',
      expected:
        'Kafka 9.9.9 is not on Maven Central (org.apache.kafka:kafka_2.13:jar:9.9.9 not found); pick a released version, e.g. KAFKA_VERSION=3.9.1',
    },
    {
      name: "an unknown Kafka version, from Maven's cache of an earlier miss",
      output:
        '[ERROR] Failed to execute goal on project kafka-libs: Could not resolve dependencies for project x:kafka-libs:pom:1: org.apache.kafka:kafka_2.13:jar:9.9.9 was not found in https://repo.maven.apache.org/maven2 during a previous attempt. This failure was cached in the local repository',
      expected:
        'Kafka 9.9.9 is not on Maven Central (org.apache.kafka:kafka_2.13:jar:9.9.9 not found); pick a released version, e.g. KAFKA_VERSION=3.9.1',
    },
    {
      name: 'an unreachable repository',
      output:
        '\u001b[0m[ERROR] Non-resolvable import POM: Could not transfer artifact org.apache.logging.log4j:log4j-bom:pom:2.25.5 from/to dead (http://127.0.0.1:9/maven2): transfer failed for http://127.0.0.1:9/maven2/x.pom @ line 73',
      expected:
        'cannot download Kafka 9.9.9: Maven repository unreachable (http://127.0.0.1:9); check the network or the Maven mirror settings',
    },
    {
      name: 'anything else names the first error',
      output: '[INFO] x\n[ERROR] \n[ERROR] The goal you specified requires a project to execute\n[ERROR] more',
      expected: 'Maven failed to resolve Kafka 9.9.9: The goal you specified requires a project to execute',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const message = describeMavenFailure(c.output, '9.9.9');
      assert.equal(message, c.expected);
      assert.doesNotMatch(message, /\n/);
    });
  }
});
