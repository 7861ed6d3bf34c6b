import assert from 'node:assert/strict';
import { assignmentInfo, Classic, consumerAssignment } from '../../../test/support/kafkaBytes.ts';
import {
  decodeConsumerAssignment,
  decodeStreamsAssignmentInfo,
  type StreamsTask,
  tasksOfPartitions,
} from './memberAssignment.ts';

describe('member assignments of classic groups', () => {
  it('reads the consumer protocol assignment: partitions by topic and the user data', () => {
    const data = Buffer.from('xyz');
    assert.deepEqual(
      decodeConsumerAssignment(
        consumerAssignment(
          [
            ['a', [1, 0]],
            ['b', [2]],
          ],
          data,
        ),
      ),
      {
        partitions: [
          { topic: 'a', partition: 1 },
          { topic: 'a', partition: 0 },
          { topic: 'b', partition: 2 },
        ],
        userData: data,
      },
    );
  });

  it('reads a version 0 assignment that ends before its user data', () => {
    const bytes = new Classic().int16(0).int32(1).utf('t').int32(1).int32(4).done();
    assert.deepEqual(decodeConsumerAssignment(bytes), { partitions: [{ topic: 't', partition: 4 }], userData: null });
  });

  const garbled: Array<{ name: string; bytes: Buffer }> = [
    { name: 'empty', bytes: Buffer.alloc(0) },
    { name: 'a topic count beyond the bytes', bytes: new Classic().int16(1).int32(1_000_000).done() },
    { name: 'a topic name cut short', bytes: new Classic().int16(1).int32(1).int16(40).done() },
  ];
  for (const c of garbled) {
    it(`throws on a garbled assignment: ${c.name}`, () => assert.throws(() => decodeConsumerAssignment(c.bytes)));
  }

  const tasks: StreamsTask[] = [
    { subTopology: 0, partition: 0 },
    { subTopology: 0, partition: 0 },
    { subTopology: 2, partition: 1 },
  ];
  for (const version of [1, 2, 3, 6, 7, 9, 10, 11]) {
    it(`reads the active tasks of Kafka Streams assignment info v${version}`, () => {
      assert.deepEqual(decodeStreamsAssignmentInfo(assignmentInfo(version, tasks)), {
        ok: true,
        version,
        activeTasks: tasks,
      });
    });
  }

  it('reads the named topology of a task (v10 and later)', () => {
    const named = [{ subTopology: 1, partition: 3, namedTopology: 'orders' }];
    assert.deepEqual(decodeStreamsAssignmentInfo(assignmentInfo(11, named)), {
      ok: true,
      version: 11,
      activeTasks: named,
    });
  });

  const refused: Array<{ name: string; bytes: Buffer; problem: RegExp }> = [
    {
      name: 'a newer version',
      bytes: assignmentInfo(11, tasks).fill(0, 0, 4).fill(12, 3, 4),
      problem: /v12 is not one/,
    },
    { name: 'version 0', bytes: Buffer.alloc(8), problem: /v0 is not one/ },
    { name: 'cut short', bytes: assignmentInfo(11, tasks).subarray(0, 14), problem: /unreadable/ },
    {
      name: 'a huge named topology',
      bytes: new Classic()
        .int32(11)
        .int32(11)
        .int32(1)
        .int32(0)
        .int32(0)
        .int32(1 << 30)
        .done(),
      problem: /unreadable/,
    },
  ];
  for (const c of refused) {
    it(`reports, never guesses, an assignment info it cannot read: ${c.name}`, () => {
      const info = decodeStreamsAssignmentInfo(c.bytes);
      assert.equal(info.ok, false);
      assert.match((info as { problem: string }).problem, c.problem);
    });
  }

  it('pairs the tasks with the partitions sorted by topic, then partition', () => {
    const info = decodeStreamsAssignmentInfo(
      assignmentInfo(11, [
        { subTopology: 0, partition: 1 },
        { subTopology: 1, partition: 1 },
        { subTopology: 0, partition: 1 },
      ]),
    );
    const paired = tasksOfPartitions(
      [
        { topic: 'right', partition: 1 },
        { topic: 'app-by-first-repartition', partition: 1 },
        { topic: 'left', partition: 1 },
      ],
      info,
    );
    assert.deepEqual(paired.ok && paired.tasks.map((t) => [t.topic, t.task.subTopology]), [
      ['app-by-first-repartition', 0],
      ['left', 1],
      ['right', 0],
    ]);
  });

  it('refuses to pair when the counts differ', () => {
    const paired = tasksOfPartitions(
      [{ topic: 't', partition: 0 }],
      decodeStreamsAssignmentInfo(assignmentInfo(11, tasks)),
    );
    assert.equal(paired.ok, false);
    assert.match((paired as { problem: string }).problem, /3 active task\(s\) for 1 partition/);
  });
});
