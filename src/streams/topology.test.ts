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
});
