import assert from 'node:assert/strict';
import { assignmentInfo, consumerAssignment } from '../../test/support/kafkaBytes.ts';
import { toGroupInfo } from './readSample.ts';
import { classicDescription, consumerGroupDescription, streamsGroupDescription } from '../kafka/groupDescriptions.ts';

/** A classic Kafka Streams member of the join/count/filter app: its partitions and, in sorted order, their tasks. */
function streamsMember(memberId: string, byTopic: ReadonlyArray<[string, number[]]>, tasks: Array<[number, number]>) {
  return {
    memberId,
    clientId: `app-${memberId}-StreamThread-1-consumer`,
    memberAssignment: consumerAssignment(
      byTopic,
      assignmentInfo(
        11,
        tasks.map(([subTopology, partition]) => ({ subTopology, partition })),
      ),
    ),
  };
}

describe('group descriptions from the describe answers', () => {
  // Sorted partitions: app-by-first-repartition-0, left-0, left-1, right-0, right-1, third-2
  const one = streamsMember(
    'a',
    [
      ['left', [0, 1]],
      ['right', [0, 1]],
      ['app-by-first-repartition', [0]],
      ['third', [2]],
    ],
    [
      [1, 0],
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 1],
      [2, 2],
    ],
  );
  const two = streamsMember(
    'b',
    [
      ['left', [2, 3]],
      ['right', [2, 3]],
      ['app-by-first-repartition', [1, 2, 3]],
      ['third', [0, 1]],
    ],
    [
      [1, 1],
      [1, 2],
      [1, 3],
      [0, 2],
      [0, 3],
      [0, 2],
      [0, 3],
      [2, 0],
      [2, 1],
    ],
  );

  it('a classic Kafka Streams group: sub-topologies, their input topics and tasks, from the assignments', () => {
    const group = toGroupInfo(
      classicDescription({ state: 'Stable', protocolType: 'consumer', protocol: 'stream', members: [one, two] }),
    );
    assert.deepEqual(group.reported, [
      { id: '0', inputs: ['left', 'right'], assignedTasks: 4 },
      { id: '1', inputs: ['app-by-first-repartition'], assignedTasks: 4 },
      { id: '2', inputs: ['third'], assignedTasks: 3 },
    ]);
    assert.equal(group.protocol, 'classic');
    assert.equal(group.instances, 2);
    assert.equal(group.owners?.get('left\u00002'), 'b');
    assert.equal(group.owners?.get('third\u00002'), 'a');
    assert.equal(group.reportProblem, undefined);
  });

  const unreadable: Array<{
    name: string;
    member: Parameters<typeof classicDescription>[0]['members'][number];
    problem: RegExp;
  }> = [
    {
      name: 'an assignment info version this scaler does not read',
      member: {
        ...one,
        memberAssignment: consumerAssignment(
          [['left', [0]]],
          assignmentInfo(11, [{ subTopology: 0, partition: 0 }]).fill(12, 3, 4),
        ),
      },
      problem: /v12 is not one this scaler reads/,
    },
    {
      name: 'tasks that do not pair with the partitions',
      member: {
        ...one,
        memberAssignment: consumerAssignment(
          [['left', [0, 1]]],
          assignmentInfo(11, [{ subTopology: 0, partition: 0 }]),
        ),
      },
      problem: /1 active task\(s\) for 2 partition/,
    },
    {
      name: 'bytes that are no assignment',
      member: { ...one, memberAssignment: Buffer.from([0, 1, 0x7f]) },
      problem: /member assignment unreadable/,
    },
  ];
  for (const c of unreadable) {
    it(`says why, and reports no topology, for ${c.name}`, () => {
      const group = toGroupInfo(
        classicDescription({ state: 'Stable', protocolType: 'consumer', protocol: 'stream', members: [c.member, two] }),
      );
      assert.equal(group.reported, undefined);
      assert.match(group.reportProblem ?? '', c.problem);
    });
  }

  it('a plain classic consumer group: owners from the assignment, no topology', () => {
    const group = toGroupInfo(
      classicDescription({
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'range',
        members: [{ memberId: 'c1', clientId: 'c', memberAssignment: consumerAssignment([['orders', [0, 1]]], null) }],
      }),
    );
    assert.equal(group.reported, undefined);
    assert.deepEqual(
      [...(group.owners ?? [])],
      [
        ['orders\u00000', 'c1'],
        ['orders\u00001', 'c1'],
      ],
    );
  });

  it('a group of another protocol type (Connect): members only', () => {
    const group = toGroupInfo(
      classicDescription({
        state: 'Stable',
        protocolType: 'connect',
        protocol: 'sessioned',
        members: [{ memberId: 'w1', clientId: 'connect-1', memberAssignment: Buffer.from([1, 2, 3]) }],
      }),
    );
    assert.equal(group.owners, undefined);
    assert.equal(group.reportProblem, undefined);
  });

  it('a streams group: the registered topology, tasks spread over each sub-topology’s input topics', () => {
    const description = streamsGroupDescription({
      groupId: 'app',
      errorCode: 0,
      errorMessage: null,
      state: 'Stable',
      groupEpoch: 4,
      assignmentEpoch: 4,
      topology: {
        epoch: 0,
        subTopologies: [
          { id: '0', sourceTopics: ['right', 'left'], repartitionSourceTopics: [] },
          { id: '1', sourceTopics: [], repartitionSourceTopics: ['app-by-first-repartition'] },
          { id: '2', sourceTopics: ['third'], repartitionSourceTopics: [] },
        ],
      },
      members: [
        {
          memberId: 'x',
          clientId: 'app-p1-StreamThread-1-consumer',
          memberEpoch: 4,
          processId: 'p1',
          activeTasks: [
            { subTopology: '0', partitions: [0, 1] },
            { subTopology: '2', partitions: [0] },
          ],
        },
        {
          memberId: 'y',
          clientId: 'app-p2-StreamThread-1-consumer',
          memberEpoch: 4,
          processId: 'p2',
          activeTasks: [{ subTopology: '1', partitions: [0, 1, 2, 3] }],
        },
      ],
    });
    const group = toGroupInfo(description);
    assert.deepEqual(group.reported, [
      { id: '0', inputs: ['left', 'right'], assignedTasks: 2 },
      { id: '1', inputs: ['app-by-first-repartition'], assignedTasks: 4 },
      { id: '2', inputs: ['third'], assignedTasks: 1 },
    ]);
    assert.equal(group.protocol, 'streams');
    assert.equal(group.instances, 2);
    assert.equal(group.owners?.get('right\u00001'), 'x');
    assert.equal(group.reconciling, undefined);
  });

  const epochs = [
    {
      name: 'assignment epoch behind the group epoch',
      groupEpoch: 5,
      assignmentEpoch: 4,
      memberEpoch: 4,
      state: 'Assigning',
      want: true,
    },
    {
      name: 'a member behind the assignment',
      groupEpoch: 5,
      assignmentEpoch: 5,
      memberEpoch: 4,
      state: 'Reconciling',
      want: true,
    },
    {
      name: 'all at the same epoch',
      groupEpoch: 5,
      assignmentEpoch: 5,
      memberEpoch: 5,
      state: 'Stable',
      want: undefined,
    },
  ];
  for (const c of epochs) {
    it(`a KIP-848 consumer group with ${c.name}: reconciling ${String(c.want ?? false)}`, () => {
      const group = toGroupInfo(
        consumerGroupDescription({
          groupId: 'g',
          errorCode: 0,
          errorMessage: null,
          state: c.state,
          groupEpoch: c.groupEpoch,
          assignmentEpoch: c.assignmentEpoch,
          members: [
            { memberId: 'm', clientId: 'c', memberEpoch: c.memberEpoch, partitions: [{ topic: 't', partition: 0 }] },
          ],
        }),
      );
      assert.equal(group.reconciling, c.want);
      assert.equal(group.protocol, 'consumer');
      assert.equal(group.owners?.get('t\u00000'), 'm');
    });
  }
  it('counts the processes of a group of 300,000 members whose client ids show as many thread numbers', () => {
    const members = Array.from({ length: 300_000 }, (_, i) => ({
      memberId: `m${i}`,
      clientId: `app-${i % 2}-StreamThread-${i >> 1}-consumer`,
    }));
    assert.equal(toGroupInfo({ state: 'Stable', members }).instances, 2);
  });
});
