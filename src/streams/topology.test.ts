import assert from 'node:assert/strict';
import { parseTopology } from '../model/metadata/topologySpec.ts';
import { buildTopology, describeTopology, topicRole } from './topology.ts';

describe('Kafka Streams topology', () => {
  const roles = [
    { topic: 'words', role: 'source' },
    { topic: 'word-count-by-word-repartition', role: 'repartition' },
    { topic: 'word-count-word-counts-changelog', role: 'changelog' },
    { topic: 'other-app-x-repartition', role: 'source' },
    { topic: 'word-count', role: 'source' },
  ] as const;
  for (const c of roles) {
    it(`classifies ${c.topic} as ${c.role} for application word-count`, () =>
      assert.equal(topicRole('word-count', c.topic), c.role));
  }

  it('derives one sub-topology for the sources and one per repartition topic', () => {
    const topology = buildTopology({
      appId: 'word-count',
      partitionCounts: new Map([
        ['words', 4],
        ['clicks', 6],
        ['word-count-by-word-repartition', 4],
        ['word-count-by-user-repartition', 2],
      ]),
      given: undefined,
      streamThreads: 1,
    });
    assert.deepEqual(
      topology.subTopologies.map((s) => [s.id, s.inputs, s.tasks]),
      [
        ['sources', ['clicks', 'words'], 6],
        ['by-user', ['word-count-by-user-repartition'], 2],
        ['by-word', ['word-count-by-word-repartition'], 4],
      ],
    );
    assert.equal(topology.totalTasks, 12);
    assert.equal(topology.usefulMax, 12);
    assert.equal(topology.source, 'derived');
  });

  it('a join of two 12-partition topics is 12 tasks, not 24', () => {
    const topology = buildTopology({
      appId: 'joiner',
      partitionCounts: new Map([
        ['left', 12],
        ['right', 12],
      ]),
      given: undefined,
      streamThreads: 1,
    });
    assert.equal(topology.totalTasks, 12);
  });

  it('useful max is ceil(total tasks / streamThreads)', () => {
    const topology = buildTopology({
      appId: 'a',
      partitionCounts: new Map([['t', 8]]),
      given: undefined,
      streamThreads: 3,
    });
    assert.equal(topology.usefulMax, 3);
    assert.match(describeTopology(topology), /^1 sub-topology \(sources: 8 tasks\), useful max 3 \/ 3 threads$/);
  });

  it('changelog topics are no sub-topology', () => {
    const topology = buildTopology({
      appId: 'app',
      partitionCounts: new Map([
        ['in', 3],
        ['app-store-changelog', 3],
      ]),
      given: undefined,
      streamThreads: 1,
    });
    assert.deepEqual(
      topology.subTopologies.map((s) => s.id),
      ['sources'],
    );
    assert.equal(topology.roles.get('app-store-changelog'), 'changelog');
  });

  it('a given topology is used as it is', () => {
    const parsed = parseTopology('left:a; right:b');
    assert.ok('value' in parsed);
    const topology = buildTopology({
      appId: 'app',
      partitionCounts: new Map([
        ['a', 4],
        ['b', 6],
      ]),
      given: parsed.value,
      streamThreads: 2,
    });
    assert.equal(topology.source, 'given');
    assert.equal(topology.totalTasks, 10);
    assert.equal(topology.usefulMax, 5);
  });

  describe('as the application reports it', () => {
    const counts = new Map([
      ['left', 4],
      ['right', 4],
      ['app-by-first-repartition', 4],
      ['third', 3],
      ['app-counts-changelog', 4],
    ]);
    const reported = {
      protocol: 'classic' as const,
      ageMs: 0,
      subTopologies: [
        { id: '0', inputs: ['left', 'right'], assignedTasks: 4 },
        { id: '1', inputs: ['app-by-first-repartition'], assignedTasks: 4 },
        { id: '2', inputs: ['third'], assignedTasks: 3 },
      ],
    };

    it('three pipelines are 11 tasks where the topic names alone give 8', () => {
      const derived = buildTopology({ appId: 'app', partitionCounts: counts, given: undefined, streamThreads: 1 });
      assert.equal(derived.totalTasks, 8);
      const topology = buildTopology({
        appId: 'app',
        partitionCounts: counts,
        given: undefined,
        streamThreads: 1,
        reported,
      });
      assert.equal(topology.source, 'reported');
      assert.deepEqual(
        topology.subTopologies.map((s) => [s.id, s.inputs, s.tasks]),
        [
          ['0', ['left', 'right'], 4],
          ['1', ['app-by-first-repartition'], 4],
          ['2', ['third'], 3],
        ],
      );
      assert.equal(topology.usefulMax, 11);
      assert.deepEqual(topology.notes, []);
      assert.equal(topology.roles.get('app-counts-changelog'), 'changelog');
    });

    it('counts the tasks the members were assigned for topics the trigger does not read', () => {
      const topology = buildTopology({
        appId: 'app',
        partitionCounts: new Map([['third', 3]]),
        given: undefined,
        streamThreads: 1,
        reported,
      });
      assert.equal(topology.totalTasks, 11);
    });

    it('says how old a report is that a group without members last made', () => {
      const topology = buildTopology({
        appId: 'app',
        partitionCounts: counts,
        given: undefined,
        streamThreads: 1,
        reported: { ...reported, ageMs: 95_000 },
      });
      assert.equal(topology.source, 'reported');
      assert.deepEqual(topology.notes, ['as last reported 95s ago (the group has no members now)']);
    });

    it('a given topology overrides it, and the difference is said', () => {
      const parsed = parseTopology('sources:left+right+third;by-first:app-by-first-repartition');
      assert.ok('value' in parsed);
      const topology = buildTopology({
        appId: 'app',
        partitionCounts: counts,
        given: parsed.value,
        streamThreads: 1,
        reported,
      });
      assert.equal(topology.source, 'given');
      assert.equal(topology.totalTasks, 8);
      assert.deepEqual(topology.notes, [
        'the topology parameter differs from what the application reports: 0:left+right;1:app-by-first-repartition;2:third',
      ]);
    });

    it('a given topology that agrees (ids aside) says nothing', () => {
      const parsed = parseTopology('join:right+left;count:app-by-first-repartition;filter:third');
      assert.ok('value' in parsed);
      const topology = buildTopology({
        appId: 'app',
        partitionCounts: counts,
        given: parsed.value,
        streamThreads: 1,
        reported,
      });
      assert.deepEqual(topology.notes, []);
    });

    it('falls back to the topic names, saying why, when the report cannot be read', () => {
      const topology = buildTopology({
        appId: 'app',
        partitionCounts: counts,
        given: undefined,
        streamThreads: 1,
        reportProblem: 'Kafka Streams assignment info v12 is not one this scaler reads (v1–v11)',
      });
      assert.equal(topology.source, 'derived');
      assert.deepEqual(topology.notes, [
        'derived from the topic names: Kafka Streams assignment info v12 is not one this scaler reads (v1–v11)',
      ]);
    });
  });
  it('a reported sub-topology of 300,000 input topics is counted, not a stack overflow', () => {
    const inputs = Array.from({ length: 300_000 }, (_, i) => `t${i}`);
    const topology = buildTopology({
      appId: 'app',
      partitionCounts: new Map([['t7', 3]]),
      given: undefined,
      streamThreads: 1,
      reported: { subTopologies: [{ id: '0', inputs, assignedTasks: 2 }], protocol: 'classic', ageMs: 0 },
    });
    assert.equal(topology.subTopologies[0]!.tasks, 3);
  });
});
