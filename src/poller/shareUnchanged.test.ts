import assert from 'node:assert/strict';
import type { GroupInfo, PartitionOffsets, Sample } from '../model/sample.ts';
import { shareUnchanged } from './shareUnchanged.ts';

const GROUP: GroupInfo = { state: 'Stable', members: 1, instances: 1, memberIds: ['m0'] };

function row(partition: number, committed: bigint, extra: Partial<PartitionOffsets> = {}): PartitionOffsets {
  return { topic: 't', partition, committed, end: 100n, start: undefined, ...extra };
}

function sample(seq: number, partitions: PartitionOffsets[], group: GroupInfo = GROUP): Sample {
  return { seq, at: seq * 2_000, partitions, group };
}

describe('compact history: unchanged rows are shared with the poll before', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly before: PartitionOffsets;
    readonly after: PartitionOffsets;
    readonly shared: boolean;
  }> = [
    { name: 'same offsets', before: row(0, 5n), after: row(0, 5n), shared: true },
    { name: 'committed moved', before: row(0, 5n), after: row(0, 6n), shared: false },
    { name: 'end moved', before: row(0, 5n), after: row(0, 5n, { end: 101n }), shared: false },
    { name: 'start read now', before: row(0, 5n), after: row(0, 5n, { start: 0n }), shared: false },
    { name: 'out of range now', before: row(0, 5n), after: row(0, 5n, { outOfRange: 1100n }), shared: false },
    { name: 'markers only now', before: row(0, 5n), after: row(0, 5n, { dataPending: false }), shared: false },
    {
      name: 'same record timestamp',
      before: row(0, 5n, { committedTimestamp: 7 }),
      after: row(0, 5n, { committedTimestamp: 7 }),
      shared: true,
    },
    {
      name: 'other record timestamp',
      before: row(0, 5n, { committedTimestamp: 7 }),
      after: row(0, 5n, { committedTimestamp: 8 }),
      shared: false,
    },
    {
      name: 'other timestamp anchor',
      before: row(0, 5n, { timestampAnchor: { offset: 1n, timestamp: 7 } }),
      after: row(0, 5n, { timestampAnchor: { offset: 2n, timestamp: 7 } }),
      shared: false,
    },
    { name: 'another partition', before: row(0, 5n), after: row(1, 5n), shared: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.shared ? 'shared' : 'kept apart'}`, () => {
      const kept = shareUnchanged(sample(1, [c.before]), sample(2, [c.after]));
      assert.equal(kept.partitions[0] === c.before, c.shared);
      assert.deepEqual(kept.partitions[0], c.after, 'the values are the new poll’s');
      assert.equal(kept.seq, 2);
    });
  }

  it('a poll that changed nothing keeps the earlier row list and group', () => {
    const first = sample(1, [row(0, 5n), row(1, 7n)]);
    const next = shareUnchanged(first, sample(2, [row(0, 5n), row(1, 7n)], { ...GROUP, memberIds: ['m0'] }));
    assert.equal(next.partitions, first.partitions);
    assert.equal(next.group, first.group);
    assert.equal(next.at, 4_000);
  });

  it('a new member or a partition more is not shared', () => {
    const first = sample(1, [row(0, 5n)]);
    const next = shareUnchanged(first, sample(2, [row(0, 5n), row(1, 0n)], { ...GROUP, memberIds: ['m0', 'm1'] }));
    assert.notEqual(next.partitions, first.partitions);
    assert.equal(next.partitions[0], first.partitions[0]);
    assert.notEqual(next.group, first.group);
  });
});
