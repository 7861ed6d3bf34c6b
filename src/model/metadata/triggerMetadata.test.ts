import assert from 'node:assert/strict';
import { PartitionRanges } from './partitionList.ts';
import { MAX_KEYS, MAX_VALUE_LENGTH } from '../../schema.ts';
import { parseTriggerMetadata } from './triggerMetadata.ts';

const BASE = { bootstrapServers: 'kafka:9092', consumerGroup: 'g' };

describe('trigger metadata: defaults as in KEDA', () => {
  it('fills every default', () => {
    const { metadata, problems, unknownKeys } = parseTriggerMetadata(BASE);
    assert.deepEqual(problems, []);
    assert.deepEqual(unknownKeys, []);
    assert.deepEqual(metadata, {
      bootstrapServers: ['kafka:9092'],
      cluster: '',
      consumerGroup: 'g',
      topic: [],
      partitionLimitation: undefined,
      lagThreshold: 10,
      activationLagThreshold: 0,
      offsetResetPolicy: 'latest',
      allowIdleConsumers: false,
      excludePersistentLag: false,
      persistentLagWindow: 120_000,
      scaleToZeroOnInvalidOffset: false,
      limitToPartitionsWithLag: false,
      ensureEvenDistributionOfPartitions: false,
      lagStrategy: 'offset',
      streamThreads: 1,
      topology: undefined,
      rebalanceCooldown: 60_000,
      stallWindow: 120_000,
      timeLagThreshold: 60,
      replicaThroughput: undefined,
      targetUtilization: 0.7,
      catchUpSeconds: 300,
      rateWindow: 60_000,
      scaleDownDelay: 300_000,
    });
  });
});

describe('trigger metadata: parsing', () => {
  const cases: Array<{ name: string; metadata: Record<string, string>; expect: Record<string, unknown> }> = [
    {
      name: 'a comma list of brokers and topics, blanks trimmed',
      metadata: { bootstrapServers: ' k0:9092, k1:9093 ', topic: 'a, b,,c' },
      expect: { bootstrapServers: ['k0:9092', 'k1:9093'], topic: ['a', 'b', 'c'] },
    },
    {
      name: '<name> wins over <name>FromEnv, as in KEDA (trigger metadata first, then the resolved env)',
      metadata: { consumerGroupFromEnv: 'from-env', topicFromEnv: 'env-topic', topic: 'plain' },
      expect: { consumerGroup: 'g', topic: ['plain'] },
    },
    {
      name: '<name>FromEnv is read when <name> is absent',
      metadata: { consumerGroup: '', consumerGroupFromEnv: 'from-env', topicFromEnv: 'env-topic' },
      expect: { consumerGroup: 'from-env', topic: ['env-topic'] },
    },
    {
      name: 'a topic of 249 characters, the most Kafka allows',
      metadata: { topic: 'a'.repeat(249) },
      expect: { topic: ['a'.repeat(249)] },
    },
    {
      name: 'negative and zero integers as JSON writes them',
      metadata: { activationLagThreshold: '0', lagThreshold: '7' },
      expect: { activationLagThreshold: 0, lagThreshold: 7 },
    },
    {
      name: 'an empty <name>FromEnv falls back to <name>',
      metadata: { topicFromEnv: '', topic: 'plain' },
      expect: { topic: ['plain'] },
    },
    {
      name: "Go's boolean spellings",
      metadata: { allowIdleConsumers: 'True', excludePersistentLag: '1', scaleToZeroOnInvalidOffset: 'f' },
      expect: { allowIdleConsumers: true, excludePersistentLag: true, scaleToZeroOnInvalidOffset: false },
    },
    {
      name: 'thresholds, policy, strategy',
      metadata: {
        lagThreshold: '50',
        activationLagThreshold: '0',
        offsetResetPolicy: 'earliest',
        lagStrategy: 'offset',
      },
      expect: { lagThreshold: 50, activationLagThreshold: 0, offsetResetPolicy: 'earliest', lagStrategy: 'offset' },
    },
    {
      name: 'partitionLimitation with a topic',
      metadata: { topic: 't', partitionLimitation: '0, 2-4' },
      expect: {
        partitionLimitation: new PartitionRanges([
          [0, 0],
          [2, 4],
        ]),
      },
    },
    {
      name: 'partitionLimitation without a topic is ignored, as in KEDA',
      metadata: { partitionLimitation: '1' },
      expect: { partitionLimitation: undefined },
    },
    {
      name: 'persistentLagWindow as a duration',
      metadata: { persistentLagWindow: '1m30s' },
      expect: { persistentLagWindow: 90_000 },
    },
    {
      name: 'IPv6 and bracketed brokers',
      metadata: { bootstrapServers: '[::1]:9092' },
      expect: { bootstrapServers: ['[::1]:9092'] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { metadata, problems } = parseTriggerMetadata({ ...BASE, ...c.metadata });
      assert.deepEqual(problems, []);
      for (const [key, value] of Object.entries(c.expect)) {
        assert.deepEqual(metadata[key as keyof typeof metadata], value, key);
      }
    });
  }

  it("ignores KEDA's own keys and the kafka scaler's keys without effect here, and reports other unknown keys", () => {
    const { unknownKeys, problems } = parseTriggerMetadata({
      ...BASE,
      scalerAddress: 'scaler:9090',
      enableTLS: 'true',
      unsafeSsl: 'false',
      fullMetadata: 'false',
      version: '1.0.0',
      ccacheName: 'KCM:',
      sasl: 'plaintext',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(unknownKeys, ['sasl']);
  });

  it('notes a setting without effect', () => {
    assert.deepEqual(parseTriggerMetadata({ ...BASE, partitionLimitation: '1' }).notes, [
      'partitionLimitation is ignored without topic',
    ]);
  });
});

describe('trigger metadata: every problem at once, in KEDA grammar', () => {
  const cases: Array<{ name: string; metadata: Record<string, string>; problems: string[] }> = [
    {
      name: 'nothing given',
      metadata: {},
      problems: ['missing required parameter "bootstrapServers"', 'missing required parameter "consumerGroup"'],
    },
    {
      name: 'blank values count as missing',
      metadata: { bootstrapServers: '  ', consumerGroup: '' },
      problems: ['missing required parameter "bootstrapServers"', 'missing required parameter "consumerGroup"'],
    },
    {
      name: 'every field wrong at once',
      metadata: {
        bootstrapServers: 'kafka',
        consumerGroup: 'g',
        lagThreshold: '0',
        activationLagThreshold: '-1',
        offsetResetPolicy: 'foo',
        allowIdleConsumers: 'yes',
        lagStrategy: 'magic',
        persistentLagWindow: 'soon',
        topic: 't',
        partitionLimitation: '1,x',
      },
      problems: [
        'parameter "bootstrapServers" value "kafka" must be a comma-separated list of host:port addresses, e.g. "kafka-0:9092,kafka-1:9092"',
        'parameter "partitionLimitation" value "1,x" must be partition ids and ranges separated by commas, e.g. "1,2,10-20,31"',
        'parameter "lagThreshold" value "0" must be greater than 0',
        'parameter "activationLagThreshold" value "-1" must be at least 0',
        'parameter "offsetResetPolicy" value "foo" must be one of [earliest latest]',
        'parameter "allowIdleConsumers" value "yes" must be a boolean (true or false)',
        `unable to parse duration value "soon" for "persistentLagWindow": must be either a duration string (e.g. '30s', '5m') or a number of milliseconds`,
        'parameter "lagStrategy" value "magic" must be one of [offset time rate]',
      ],
    },
    {
      name: 'non-integer thresholds',
      metadata: { ...BASE, lagThreshold: '1.5', activationLagThreshold: 'ten' },
      problems: [
        'parameter "lagThreshold" value "1.5" must be an integer',
        'parameter "activationLagThreshold" value "ten" must be an integer',
      ],
    },
    {
      name: 'a replicaThroughput of 0',
      metadata: { ...BASE, replicaThroughput: '0' },
      problems: ['parameter "replicaThroughput" value "0" must be a finite number greater than 0'],
    },
    {
      name: 'a replicaThroughput too large to be a finite number',
      metadata: { ...BASE, replicaThroughput: '9'.repeat(400) },
      problems: [
        `parameter "replicaThroughput" value "${'9'.repeat(64)}…(400 characters)" must be a finite number greater than 0`,
      ],
    },
    {
      name: 'integers KEDA refuses: a plus sign, leading zeros, exponents (KEDA decodes them as JSON)',
      metadata: { ...BASE, lagThreshold: '+10', activationLagThreshold: '010', streamThreads: '1e1' },
      problems: [
        'parameter "lagThreshold" value "+10" must be an integer',
        'parameter "activationLagThreshold" value "010" must be an integer',
        'parameter "streamThreads" value "1e1" must be an integer',
      ],
    },
    {
      name: 'numbers that are not JSON numbers',
      metadata: { ...BASE, timeLagThreshold: '.5', targetUtilization: '+0.5', catchUpSeconds: '05' },
      problems: [
        'parameter "timeLagThreshold" value ".5" must be a number',
        'parameter "targetUtilization" value "+0.5" must be a number',
        'parameter "catchUpSeconds" value "05" must be a number',
      ],
    },
    {
      name: 'bootstrap lists without a server',
      metadata: { consumerGroup: 'g', bootstrapServers: ',' },
      problems: [
        'parameter "bootstrapServers" value "," must be a comma-separated list of host:port addresses, e.g. "kafka-0:9092,kafka-1:9092"',
      ],
    },
    {
      name: 'bootstrapServersFromEnv without a server',
      metadata: { consumerGroup: 'g', bootstrapServersFromEnv: ',,,' },
      problems: [
        'parameter "bootstrapServersFromEnv" value ",,," must be a comma-separated list of host:port addresses, e.g. "kafka-0:9092,kafka-1:9092"',
      ],
    },
    {
      name: 'a topic list without a topic',
      metadata: { ...BASE, topic: ' , ' },
      problems: [
        'parameter "topic" value "," must name at least one topic; leave it out for every topic the group commits to',
      ],
    },
    {
      name: "topic names outside Kafka's rules",
      metadata: { ...BASE, topic: `ok,a/b,..,${'t'.repeat(250)}` },
      problems: [
        `parameter "topic" value "ok,a/b,..,${'t'.repeat(54)}…(260 characters)" must be topic names of 1 to 249 characters from [a-zA-Z0-9._-], separated by commas; "a/b", ".." and "${'t'.repeat(64)}…(250 characters)" are not`,
      ],
    },
    {
      name: 'one bad server at the end of a long list: named, not cut off',
      metadata: {
        ...BASE,
        bootstrapServers: `${Array.from({ length: 8 }, (_, i) => `kafka-${i}.kafka.svc:9092`).join(',')},kafka-8:90922`,
      },
      problems: [
        'parameter "bootstrapServers" value "kafka-0.kafka.svc:9092,kafka-1.kafka.svc:9092,kafka-2.kafka.svc:…(197 characters)" must be a comma-separated list of host:port addresses, e.g. "kafka-0:9092,kafka-1:9092"; "kafka-8:90922" is not',
      ],
    },
    {
      name: 'many bad servers: the first three, and how many more',
      metadata: { ...BASE, bootstrapServers: 'a:1,b,c,d,e, c ,f' },
      problems: [
        'parameter "bootstrapServers" value "a:1,b,c,d,e, c ,f" must be a comma-separated list of host:port addresses, e.g. "kafka-0:9092,kafka-1:9092"; "b", "c", "d" and 2 more are not',
      ],
    },
    {
      name: 'a 40,000-character topic',
      metadata: { ...BASE, topic: 't'.repeat(40_000) },
      problems: [`parameter "topic" value is 40000 characters long; at most ${MAX_VALUE_LENGTH} are allowed`],
    },
    {
      name: 'a consumer group over 1000 characters',
      metadata: { ...BASE, consumerGroup: 'g'.repeat(1_001) },
      problems: ['parameter "consumerGroup" value is 1001 characters long; at most 1000 are allowed'],
    },
    {
      name: 'a 1 MB value of a key this scaler does not read: refused before any parsing',
      metadata: { ...BASE, lagThreshold: 'x', annotation: 'v'.repeat(1_000_000) },
      problems: [
        'metadata is 1000063 characters long in all; at most 65536 are allowed',
        `parameter "annotation" value is 1000000 characters long; at most ${MAX_VALUE_LENGTH} are allowed`,
      ],
    },
    {
      name: 'too many keys',
      metadata: { ...BASE, ...Object.fromEntries(Array.from({ length: MAX_KEYS }, (_, i) => [`k${i}`, 'v'])) },
      problems: [`metadata has ${MAX_KEYS + 2} keys; at most ${MAX_KEYS} are allowed`],
    },
    {
      name: 'a map over 64 Ki characters in all',
      metadata: { ...BASE, ...Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'.repeat(4_000)])) },
      problems: ['metadata is 68081 characters long in all; at most 65536 are allowed'],
    },
    {
      name: 'a key over 256 characters',
      metadata: { ...BASE, ['k'.repeat(300)]: 'v' },
      problems: [`metadata key "${'k'.repeat(64)}…(300 characters)" is 300 characters long; at most 256 are allowed`],
    },
    {
      name: 'a duration too large to be a number of milliseconds',
      metadata: { ...BASE, stallWindow: '9'.repeat(400) },
      problems: [
        `unable to parse duration value "${'9'.repeat(64)}…(400 characters)" for "stallWindow": must be either a duration string (e.g. '30s', '5m') or a number of milliseconds`,
      ],
    },
    {
      name: 'a backwards partition range',
      metadata: { ...BASE, topic: 't', partitionLimitation: '5-2' },
      problems: [
        'parameter "partitionLimitation" value "5-2" has a backwards range "5-2"; write ranges low-high, e.g. 10-20',
      ],
    },
    {
      name: 'cross-field rules',
      metadata: {
        ...BASE,
        allowIdleConsumers: 'true',
        limitToPartitionsWithLag: 'true',
        ensureEvenDistributionOfPartitions: 'true',
      },
      problems: [
        'allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously',
        'limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously',
        'topic must be specified when using limitToPartitionsWithLag',
        'topic must be specified when using ensureEvenDistributionOfPartitions',
      ],
    },
    {
      name: 'a field error and a cross-field error together',
      metadata: { ...BASE, lagThreshold: 'x', limitToPartitionsWithLag: 'true' },
      problems: [
        'parameter "lagThreshold" value "x" must be an integer',
        'topic must be specified when using limitToPartitionsWithLag',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(parseTriggerMetadata(c.metadata).problems, c.problems);
    });
  }
});
