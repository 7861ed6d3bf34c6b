import assert from 'node:assert/strict';
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
      name: '<name>FromEnv wins over <name> (KEDA resolves it from the workload env)',
      metadata: { consumerGroupFromEnv: 'from-env', topicFromEnv: 'env-topic', topic: 'plain' },
      expect: { consumerGroup: 'from-env', topic: ['env-topic'] },
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
      expect: { partitionLimitation: new Set([0, 2, 3, 4]) },
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

  it("ignores KEDA's own keys and reports other unknown keys", () => {
    const { unknownKeys, problems } = parseTriggerMetadata({
      ...BASE,
      scalerAddress: 'scaler:9090',
      enableTLS: 'true',
      unsafeSsl: 'false',
      sasl: 'plaintext',
      version: '1.0.0',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(unknownKeys, ['sasl', 'version']);
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
      problems: [`parameter "replicaThroughput" value "${'9'.repeat(400)}" must be a finite number greater than 0`],
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
