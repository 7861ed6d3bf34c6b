import assert from 'node:assert/strict';
import type { Decision } from '../model/decision.ts';
import type { Explanation } from './explanation.ts';
import { explanationJson, renderJson, renderText } from './renderExplanation.ts';

/** A `rate` decision for a two-sub-topology app, held through a rebalance, with one stalled partition. */
const DECISION: Decision = {
  metricValue: 3,
  target: 1,
  active: true,
  explanation:
    'holding the recommendation of 20s ago (metric 3): group members changed 20s ago (rebalanceCooldown 1m); now: sub-topology sources: 40/s arriving, backlog 1200, 25/s per replica (replicaThroughput) → 3; 3 replica(s); active: lag 1207 > 0',
  partitions: [
    {
      topic: 'clicks',
      partition: 0,
      committed: 100n,
      end: 700n,
      lag: 600n,
      activationLag: 600n,
      role: 'source',
      subTopology: 'sources',
    },
    {
      topic: 'clicks',
      partition: 1,
      committed: 9_007_199_254_740_993n,
      end: 9_007_199_254_741_593n,
      lag: 600n,
      activationLag: 600n,
      role: 'source',
      subTopology: 'sources',
      stalled: true,
    },
    {
      topic: 'word-count-counts-repartition',
      partition: 0,
      committed: -1n,
      end: 6n,
      lag: 6n,
      activationLag: 6n,
      note: 'uncommitted',
      role: 'repartition',
      subTopology: 'counts',
    },
    {
      topic: 'word-count-counts-repartition',
      partition: 1,
      committed: 41n,
      end: 42n,
      lag: 1n,
      activationLag: 1n,
      note: 'transaction-markers',
      role: 'repartition',
      subTopology: 'counts',
    },
    {
      topic: 'word-count-store-changelog',
      partition: 0,
      committed: -1n,
      end: undefined,
      lag: 0n,
      activationLag: 0n,
      note: 'no-end-offset',
      role: 'changelog',
    },
  ],
  topology: {
    source: 'derived',
    notes: [],
    usefulMax: 2,
    streamThreads: 2,
    subTopologies: [
      { id: 'sources', inputs: ['clicks'], tasks: 2, lag: 1200n, arrivalRate: 40, replicaThroughput: 25, replicas: 3 },
      { id: 'counts', inputs: ['word-count-counts-repartition'], tasks: 2, lag: 7n, arrivalRate: 0.4, replicas: 1 },
    ],
  },
  dominant: 'sources',
  stalled: ['clicks-1'],
  heldAtLeast: 2,
  held: 'group members changed 20s ago (rebalanceCooldown 1m)',
};

const EXPLANATION: Explanation = {
  consumerGroup: 'word-count',
  topics: ['clicks', 'word-count-counts-repartition', 'word-count-store-changelog'],
  cluster: {
    bootstrapServers: ['kafka-0:9093', 'kafka-1:9093'],
    profile: { name: 'prod', tls: true, sasl: 'scram-sha-512' },
  },
  strategy: 'rate',
  strategySummary: 'replicas to keep up with arrivals and drain the backlog within catchUpSeconds',
  metricName: 'kstreams-rate-word-count-clicks-0a1b2c3d',
  sampledAt: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
  history: {
    polls: 6,
    spanMs: 10_000,
    watchMs: 10_000,
    intervalMs: 2_000,
    interrupted: false,
    shortWindows: [
      { parameter: 'stallWindow', ms: 120_000, effect: 'no partition can show as stalled' },
      { parameter: 'rateWindow', ms: 60_000, effect: 'arrival rates cover only 10s' },
    ],
  },
  group: { state: 'Stable', members: 4, instances: 2, memberIds: ['a', 'b', 'c', 'd'] },
  decision: DECISION,
  figures: {
    lag: 1207,
    arrivalRate: 40.44,
    drainRate: 31.96,
    replicas: 3,
    active: true,
    stalledPartitions: 1,
  },
  notes: ['keys this scaler does not read: lagTreshold'],
};

describe('explain output: text', () => {
  it('shows the trigger, the history, the partitions, the topology and the decision', () => {
    assert.equal(
      renderText(EXPLANATION),
      `Consumer group:  word-count
Kafka cluster:   kafka-0:9093,kafka-1:9093 (cluster profile prod: TLS, SASL scram-sha-512)
Topics:          clicks, word-count-counts-repartition, word-count-store-changelog
Strategy:        rate: replicas to keep up with arrivals and drain the backlog within catchUpSeconds
Group:           Stable, 4 members (2 Kafka Streams instances)
Offsets read:    2025-01-02T03:04:05.678Z
History:         6 polls over 10s, every 2s
                 shorter than stallWindow 2m: no partition can show as stalled
                 shorter than rateWindow 1m: arrival rates cover only 10s

Partitions:
  TOPIC                          PARTITION         COMMITTED               END  LAG  NOTE                 ROLE         SUB-TOPOLOGY  STALLED
  clicks                                 0               100               700  600  -                    source       sources       no
  clicks                                 1  9007199254740993  9007199254741593  600  -                    source       sources       yes
  word-count-counts-repartition          0                 -                 6    6  uncommitted          repartition  counts        no
  word-count-counts-repartition          1                41                42    1  transaction-markers  repartition  counts        no
  word-count-store-changelog             0                 -                 -    0  no-end-offset        changelog    -             no

Topology (derived from the topic names):
  SUB-TOPOLOGY  INPUTS                         TASKS   LAG  ARRIVING/S  PER REPLICA/S  REPLICAS
  sources       clicks                             2  1200          40             25         3
  counts        word-count-counts-repartition      2     7         0.4        unknown         1
  useful maximum 2 replicas: 4 tasks / 2 stream threads per instance

Decision:
  metric value          3
  target                1
  recommended replicas  3 = ceil(3 / 1)
  active                yes
  held                  group members changed 20s ago (rebalanceCooldown 1m)
  driven by             sub-topology sources
  stalled               clicks-1
  measured              lag 1207; 40.4/s arriving, 32/s processed
  explanation           ${DECISION.explanation}

Notes:
  keys this scaler does not read: lagTreshold
`,
    );
  });

  it('shows time lag where a strategy measured it, and says when one poll is all there is', () => {
    const text = renderText({
      ...EXPLANATION,
      cluster: { bootstrapServers: ['127.0.0.1:9092'] },
      history: { ...EXPLANATION.history, polls: 1, spanMs: 0, watchMs: 0, shortWindows: [] },
      group: { state: 'Empty', members: 0, instances: undefined, memberIds: [] },
      decision: {
        ...DECISION,
        partitions: [{ ...DECISION.partitions[0]!, timeLagSeconds: 12.34 }, DECISION.partitions[4]!],
        topology: {
          ...DECISION.topology,
          subTopologies: [{ id: 'sources', inputs: ['clicks'], tasks: 2, lag: 600n, timeLagSeconds: 12.34 }],
        },
        held: undefined,
        stalled: [],
      },
      figures: { lag: 600, timeLagSeconds: 12.34, replicas: 3, active: true, stalledPartitions: 0 },
      notes: [],
    });
    assert.match(text, /^Kafka cluster: {3}127\.0\.0\.1:9092 \(no cluster profile: plaintext\)$/m);
    assert.match(text, /^Group: {11}Empty, 0 members$/m);
    assert.match(text, /^History: {9}1 poll \(no history: --watch DURATION polls for longer\)$/m);
    assert.match(text, /^ {2}TOPIC +PARTITION +COMMITTED +END +LAG +NOTE +ROLE +SUB-TOPOLOGY +STALLED +TIME LAG$/m);
    assert.match(text, /^ {2}clicks +0 +100 +700 +600 +- +source +sources +no +12\.3s$/m);
    assert.match(text, /^ {2}word-count-store-changelog +0 +- +- +0 +no-end-offset +changelog +- +no +-$/m);
    assert.match(text, /^ {2}sources +clicks +2 +600 +12\.3s$/m);
    assert.match(text, /^ {2}measured +lag 600; 12\.3s behind$/m);
    assert.doesNotMatch(text, /held|stalled {2}|Notes:/);
  });

  it('says when the watch was cut short', () => {
    const text = renderText({
      ...EXPLANATION,
      history: { ...EXPLANATION.history, polls: 3, spanMs: 4_000, watchMs: 60_000, interrupted: true },
    });
    assert.match(text, /^History: {9}3 polls over 4s, every 2s \(stopped early; --watch was 1m\)$/m);
  });
});

describe('explain output: JSON', () => {
  it('carries the same content; int64 offsets as strings, absent values as null', () => {
    const doc = JSON.parse(renderJson(EXPLANATION)) as Record<string, unknown>;
    assert.deepEqual(doc, JSON.parse(JSON.stringify(explanationJson(EXPLANATION))));
    assert.deepEqual(doc['cluster'], {
      bootstrapServers: ['kafka-0:9093', 'kafka-1:9093'],
      profile: { name: 'prod', tls: true, sasl: 'scram-sha-512' },
    });
    assert.deepEqual(doc['history'], {
      polls: 6,
      spanSeconds: 10,
      watchSeconds: 10,
      intervalSeconds: 2,
      interrupted: false,
      shorterThan: [
        { parameter: 'stallWindow', seconds: 120, effect: 'no partition can show as stalled' },
        { parameter: 'rateWindow', seconds: 60, effect: 'arrival rates cover only 10s' },
      ],
    });
    assert.deepEqual(doc['group'], { state: 'Stable', members: 4, instances: 2, protocol: null, reconciling: false });
    const partitions = doc['partitions'] as Array<Record<string, unknown>>;
    assert.deepEqual(partitions[1], {
      topic: 'clicks',
      partition: 1,
      committed: '9007199254740993',
      end: '9007199254741593',
      lag: '600',
      activationLag: '600',
      note: null,
      role: 'source',
      subTopology: 'sources',
      stalled: true,
      timeLagSeconds: null,
    });
    assert.deepEqual(partitions[4], {
      topic: 'word-count-store-changelog',
      partition: 0,
      committed: null,
      end: null,
      lag: '0',
      activationLag: '0',
      note: 'no-end-offset',
      role: 'changelog',
      subTopology: null,
      stalled: false,
      timeLagSeconds: null,
    });
    assert.deepEqual(doc['topology'], {
      source: 'derived',
      notes: [],
      usefulMax: 2,
      streamThreads: 2,
      subTopologies: [
        {
          id: 'sources',
          inputs: ['clicks'],
          tasks: 2,
          lag: '1200',
          arrivalRate: 40,
          replicaThroughput: 25,
          replicas: 3,
        },
        { id: 'counts', inputs: ['word-count-counts-repartition'], tasks: 2, lag: '7', arrivalRate: 0.4, replicas: 1 },
      ],
    });
    assert.deepEqual(doc['decision'], {
      metricValue: 3,
      target: 1,
      recommendedReplicas: 3,
      active: true,
      explanation: DECISION.explanation,
      held: 'group members changed 20s ago (rebalanceCooldown 1m)',
      heldAtLeast: 2,
      dominant: 'sources',
      stalledPartitions: ['clicks-1'],
    });
    assert.deepEqual(doc['figures'], { lag: '1207', timeLagSeconds: null, arrivalRate: 40.44, drainRate: 31.96 });
    assert.deepEqual(doc['notes'], ['keys this scaler does not read: lagTreshold']);
  });
});
