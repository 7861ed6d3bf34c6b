import assert from 'node:assert/strict';
import { row, sample as build, topicSample } from '../../test/support/samples.ts';
import { NO_COMMIT, type Sample } from '../model/sample.ts';
import { STRATEGY_NAMES } from '../model/metadata/strategyNames.ts';
import { parseTriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { status } from '@grpc/grpc-js';
import { ScalerError } from '../errors.ts';
import { offsetStrategy, toMetricNumber } from './offsetStrategy.ts';
import { strategyByName } from './registry.ts';

function meta(extra: Record<string, string>) {
  const parsed = parseTriggerMetadata({ bootstrapServers: 'k:9092', consumerGroup: 'g', ...extra });
  assert.deepEqual(parsed.problems, []);
  return parsed.metadata;
}

const sample = (at: number, partitions: Array<[bigint, bigint]>): Sample => topicSample(at, partitions);

describe('offset strategy', () => {
  const cases: Array<{
    name: string;
    metadata: Record<string, string>;
    history: Sample[];
    metric: number;
    active: boolean;
    explanation: RegExp;
  }> = [
    {
      name: 'lag under the cap, active',
      metadata: { topic: 't' },
      history: [
        sample(0, [
          [0n, 5n],
          [10n, 12n],
        ]),
      ],
      metric: 7,
      active: true,
      explanation: /^lag 7 on 2 partition\(s\); metric 7 for target 10; active: 7 > 0$/,
    },
    {
      name: 'caught up, inactive',
      metadata: { topic: 't' },
      history: [sample(0, [[5n, 5n]])],
      metric: 0,
      active: false,
      explanation: /inactive: 0 ≤ 0$/,
    },
    {
      name: 'capped at partitions × lagThreshold',
      metadata: { topic: 't', lagThreshold: '100' },
      history: [
        sample(0, [
          [0n, 1000n],
          [0n, 1000n],
        ]),
      ],
      metric: 200,
      active: true,
      explanation: /capped at 2 replica\(s\) × 100/,
    },
    {
      name: 'activationLagThreshold: lag at the threshold is inactive',
      metadata: { topic: 't', activationLagThreshold: '5' },
      history: [sample(0, [[0n, 5n]])],
      metric: 5,
      active: false,
      explanation: /inactive: 5 ≤ 5$/,
    },
    {
      name: 'partitionLimitation counts only the listed partitions',
      metadata: { topic: 't', partitionLimitation: '1' },
      history: [
        sample(0, [
          [0n, 50n],
          [0n, 3n],
        ]),
      ],
      metric: 3,
      active: true,
      explanation: /^lag 3 on 1 partition\(s\)/,
    },
    {
      name: 'uncommitted partitions count 1 each under latest',
      metadata: { topic: 't' },
      history: [
        sample(0, [
          [NO_COMMIT, 50n],
          [NO_COMMIT, 0n],
        ]),
      ],
      metric: 2,
      active: true,
      explanation: /2 without a committed offset/,
    },
    {
      name: 'excludePersistentLag: stuck partition leaves the metric, keeps the trigger active',
      metadata: { topic: 't', excludePersistentLag: 'true', persistentLagWindow: '30s' },
      history: [
        sample(0, [
          [3n, 40n],
          [0n, 0n],
        ]),
        sample(30_000, [
          [3n, 40n],
          [1n, 3n],
        ]),
      ],
      metric: 2,
      active: true,
      explanation: /1 with persistent lag left out of the metric/,
    },
    {
      name: 'excludePersistentLag with too little history: everything counts',
      metadata: { topic: 't', excludePersistentLag: 'true' },
      history: [sample(0, [[3n, 40n]]), sample(10_000, [[3n, 40n]])],
      metric: 10,
      active: true,
      explanation: /capped at 1 replica/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const latest = c.history[c.history.length - 1]!;
      const decision = offsetStrategy.decide({
        metadata: meta(c.metadata),
        latest,
        history: c.history,
        now: latest.at,
      });
      assert.equal(decision.metricValue, c.metric);
      assert.equal(decision.active, c.active);
      assert.equal(decision.target, Number(c.metadata['lagThreshold'] ?? 10));
      assert.match(decision.explanation, c.explanation);
    });
  }

  it('caps at the useful maximum: Kafka Streams tasks, not partitions of every topic', () => {
    // Two co-partitioned source topics of 4 partitions are 4 tasks; KEDA's cap would allow 8 replicas.
    const rows = [0, 1, 2, 3].flatMap((p) => [row('left', p, 0n, 1000n), row('right', p, 0n, 1000n)]);
    const latest = build(0, rows);
    const decision = offsetStrategy.decide({
      metadata: meta({ lagThreshold: '10' }),
      latest,
      history: [latest],
      now: 0,
    });
    assert.equal(decision.metricValue, 40);
    assert.match(decision.explanation, /capped at the useful max: 1 sub-topology \(sources: 4 tasks\), useful max 4/);
    assert.equal(decision.topology.usefulMax, 4);
  });

  it('allowIdleConsumers lifts every cap, as in KEDA', () => {
    const latest = build(0, [row('t', 0, 0n, 1000n)]);
    const decision = offsetStrategy.decide({
      metadata: meta({ allowIdleConsumers: 'true' }),
      latest,
      history: [latest],
      now: 0,
    });
    assert.equal(decision.metricValue, 1000);
  });

  it('changelog topics are never demand', () => {
    const latest = build(0, [row('in', 0, 0n, 5n), row('g-store-changelog', 0, 0n, 500n)]);
    const decision = offsetStrategy.decide({
      metadata: meta({ lagThreshold: '100' }),
      latest,
      history: [latest],
      now: 0,
    });
    assert.equal(decision.metricValue, 5);
    assert.equal(decision.partitions.find((p) => p.topic === 'g-store-changelog')?.role, 'changelog');
  });

  it('a partitionLimitation that matches no partition is NOT_FOUND naming the partitions there are, never 0', () => {
    const latest = sample(0, [
      [0n, 5n],
      [0n, 5n],
      [0n, 5n],
      [0n, 5n],
      [0n, 5n],
      [0n, 5n],
    ]);
    for (const strategy of STRATEGY_NAMES) {
      assert.throws(
        () =>
          strategyByName(strategy).decide({
            metadata: meta({ topic: 't', partitionLimitation: '9,12-20', lagStrategy: strategy }),
            latest,
            history: [latest],
            now: 0,
          }),
        (err: unknown) =>
          err instanceof ScalerError &&
          err.grpcStatus === status.NOT_FOUND &&
          err.message ===
            'parameter "partitionLimitation" value "9,12-20" matches no partition: topic "t" has partitions 0-5',
        strategy,
      );
    }
  });

  it('target is lagThreshold, from the metadata alone', () => {
    assert.equal(offsetStrategy.target(meta({ lagThreshold: '42' })), 42);
  });

  it('converts offsets to numbers without going negative or past 2^53 − 1', () => {
    assert.equal(toMetricNumber(-5n), 0);
    assert.equal(toMetricNumber(123n), 123);
    assert.equal(toMetricNumber(2n ** 62n), Number.MAX_SAFE_INTEGER);
  });
});
