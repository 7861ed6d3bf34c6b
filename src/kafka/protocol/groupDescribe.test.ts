import assert from 'node:assert/strict';
import {
  decodeConsumerGroupDescribe,
  decodeStreamsGroupDescribe,
  encodeGroupDescribe,
  GROUP_ID_NOT_FOUND,
} from './groupDescribe.ts';
import { Writer } from './wire.ts';

/** A ConsumerGroupDescribe v0 answer as a broker writes it. */
function consumerAnswer(): Buffer {
  const assignment = (w: Writer, topics: ReadonlyArray<[string, number[]]>): void => {
    w.compactArray(topics, (wt, [topic, partitions]) => {
      wt.raw(Buffer.alloc(16, 7))
        .compactString(topic)
        .compactArray(partitions, (wp, p) => void wp.int32(p))
        .noTags();
    }).noTags();
  };
  const w = new Writer().int32(0);
  w.compactArray(['plain', 'missing'], (wg, id) => {
    if (id === 'missing') {
      wg.int16(GROUP_ID_NOT_FOUND).compactNullableString('Group missing is not a consumer group.').compactString(id);
      wg.compactString('Dead')
        .int32(0)
        .int32(0)
        .compactString('')
        .compactArray([], () => {});
    } else {
      wg.int16(0).compactNullableString(null).compactString(id).compactString('Reconciling').int32(3).int32(3);
      wg.compactString('uniform');
      wg.compactArray(['m1'], (wm, memberId) => {
        wm.compactString(memberId).compactNullableString(null).compactNullableString('rack-a').int32(2);
        wm.compactString('consumer-1').compactString('/127.0.0.1');
        wm.compactArray(['orders'], (ws, t) => void ws.compactString(t)).compactNullableString(null);
        assignment(wm, [['orders', [0, 2]]]);
        assignment(wm, [['orders', [0, 1, 2]]]);
        wm.noTags();
      });
    }
    wg.int32(-2147483648).noTags();
  });
  return w.noTags().bytes();
}

/** A StreamsGroupDescribe v0 answer as a broker writes it: one group with a topology, one with none. */
function streamsAnswer(): Buffer {
  const topicInfo = (w: Writer, name: string, partitions: number): void => {
    w.compactString(name)
      .int32(partitions)
      .int16(1)
      .compactArray(
        [['cleanup.policy', 'delete']],
        (wk, [k, v]) => void wk.compactString(k!).compactString(v!).noTags(),
      )
      .noTags();
  };
  const tasks = (w: Writer, list: ReadonlyArray<[string, number[]]>): void => {
    w.compactArray(list, (wt, [sub, partitions]) => {
      wt.compactString(sub)
        .compactArray(partitions, (wp, p) => void wp.int32(p))
        .noTags();
    });
  };
  const w = new Writer().int32(0);
  w.compactArray(['app', 'fresh'], (wg, id) => {
    wg.int16(0)
      .compactNullableString(null)
      .compactString(id)
      .compactString(id === 'app' ? 'Stable' : 'Empty');
    wg.int32(5).int32(5);
    if (id === 'fresh') {
      wg.int8(-1); // no topology
      wg.compactArray([], () => {});
    } else {
      wg.int8(1).int32(1);
      wg.compactArray(
        [
          ['0', ['left', 'right'], ['app-by-first-repartition'], [], []],
          ['1', [], [], ['app-counts-changelog'], ['app-by-first-repartition']],
        ] as const,
        (ws, [sub, sources, sinks, changelogs, repartitions]) => {
          ws.compactString(sub)
            .compactArray(sources, (wt, t) => void wt.compactString(t))
            .compactArray(sinks, (wt, t) => void wt.compactString(t))
            .compactArray(changelogs, (wt, t) => topicInfo(wt, t, 0))
            .compactArray(repartitions, (wt, t) => topicInfo(wt, t, 4))
            .noTags();
        },
      ).noTags();
      wg.compactArray(['member-a'], (wm, memberId) => {
        wm.compactString(memberId).int32(5).compactNullableString(null).compactNullableString(null);
        wm.compactString('app-1234-StreamThread-1-consumer').compactString('/127.0.0.1').int32(1);
        wm.compactString('process-1');
        wm.int8(1)
          .compactString('localhost')
          .raw(Buffer.from([0x1f, 0x90]))
          .noTags(); // user endpoint :8080
        wm.compactArray([['zone', 'a']], (wk, [k, v]) => void wk.compactString(k!).compactString(v!).noTags());
        for (let n = 0; n < 2; n++) {
          wm.compactArray(
            [['1', 2]],
            (wo, [sub, p]) =>
              void wo
                .compactString(sub as string)
                .int32(p as number)
                .int64(10n)
                .noTags(),
          );
        }
        for (const active of [
          [
            ['0', [0, 1]],
            ['1', [3]],
          ],
          [['0', [0, 1, 2, 3]]],
        ] as Array<Array<[string, number[]]>>) {
          tasks(wm, active);
          tasks(wm, [['1', [0]]]); // standby
          tasks(wm, []); // warm-up
          wm.noTags();
        }
        wm.bool(false).noTags();
      });
    }
    wg.int32(-2147483648).noTags();
  });
  return w.noTags().bytes();
}

describe('ConsumerGroupDescribe and StreamsGroupDescribe v0', () => {
  it('encodes the group ids and no authorized operations', () => {
    assert.deepEqual(encodeGroupDescribe(['ab']), Buffer.from([2, 3, 0x61, 0x62, 0, 0]));
  });

  it('reads a KIP-848 consumer group: state, epochs, members and their current partitions', () => {
    const [plain, missing] = decodeConsumerGroupDescribe(consumerAnswer());
    assert.deepEqual(plain, {
      groupId: 'plain',
      errorCode: 0,
      errorMessage: null,
      state: 'Reconciling',
      groupEpoch: 3,
      assignmentEpoch: 3,
      members: [
        {
          memberId: 'm1',
          clientId: 'consumer-1',
          memberEpoch: 2,
          partitions: [
            { topic: 'orders', partition: 0 },
            { topic: 'orders', partition: 2 },
          ],
        },
      ],
    });
    assert.equal(missing!.errorCode, GROUP_ID_NOT_FOUND);
  });

  it('reads a streams group: its topology, members with process ids and active tasks', () => {
    const [app, fresh] = decodeStreamsGroupDescribe(streamsAnswer());
    assert.deepEqual(app!.topology, {
      epoch: 1,
      subTopologies: [
        { id: '0', sourceTopics: ['left', 'right'], repartitionSourceTopics: [] },
        { id: '1', sourceTopics: [], repartitionSourceTopics: ['app-by-first-repartition'] },
      ],
    });
    assert.deepEqual(app!.members, [
      {
        memberId: 'member-a',
        clientId: 'app-1234-StreamThread-1-consumer',
        memberEpoch: 5,
        processId: 'process-1',
        activeTasks: [
          { subTopology: '0', partitions: [0, 1] },
          { subTopology: '1', partitions: [3] },
        ],
      },
    ]);
    assert.equal(fresh!.topology, null);
    assert.deepEqual(fresh!.members, []);
  });

  const cut = [1, 10, 40, 200];
  for (const n of cut) {
    it(`throws, never reads past the end, on an answer cut to ${n} bytes`, () => {
      assert.throws(() => decodeStreamsGroupDescribe(streamsAnswer().subarray(0, n)), /ended early|longer than/);
      assert.throws(() => decodeConsumerGroupDescribe(consumerAnswer().subarray(0, n)), /ended early|longer than/);
    });
  }
});
