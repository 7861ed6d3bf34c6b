import assert from 'node:assert/strict';
import type { GroupInfo, PartitionOffsets, Sample } from '../model/sample.ts';
import { PolledSample } from './polledSample.ts';

const GROUP: GroupInfo = { state: 'Stable', members: 1, instances: 1, memberIds: ['m0'] };

function row(partition: number, committed: bigint, extra: Partial<PartitionOffsets> = {}): PartitionOffsets {
  return { topic: 't', partition, committed, end: 100n, start: undefined, ...extra };
}

function sample(seq: number, partitions: PartitionOffsets[], group: GroupInfo = GROUP): Sample {
  return { seq, at: seq * 2_000, partitions, group };
}

describe('compact history: a polled sample shares what did not change with the poll before', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly before: PartitionOffsets;
    readonly after: PartitionOffsets;
    readonly shared: boolean;
  }> = [
    { name: 'same offsets', before: row(0, 5n), after: row(0, 5n), shared: true },
    { name: 'committed moved', before: row(0, 5n), after: row(0, 6n), shared: false },
    { name: 'end moved', before: row(0, 5n), after: row(0, 5n, { end: 101n }), shared: false },
    { name: 'end gone', before: row(0, 5n), after: row(0, 5n, { end: undefined }), shared: false },
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
    it(`${c.name}: columns ${c.shared ? 'shared' : 'kept apart'}`, () => {
      const first = new PolledSample(sample(1, [c.before]));
      const next = new PolledSample(sample(2, [c.after]), first);
      assert.equal(next.columns === first.columns, c.shared);
      next.compact();
      assert.deepEqual(next.partitions, [c.after], 'the values are the new poll’s, also from the columns');
      assert.equal(next.seq, 2);
    });
  }

  it('a poll that changed nothing keeps the earlier columns and group', () => {
    const first = new PolledSample(sample(1, [row(0, 5n), row(1, 7n)]));
    const next = new PolledSample(sample(2, [row(0, 5n), row(1, 7n)], { ...GROUP, memberIds: ['m0'] }), first);
    assert.equal(next.columns, first.columns);
    assert.equal(next.group, first.group);
    assert.equal(next.at, 4_000);
  });

  it('a new member or a partition more is not shared; the same partitions keep their layout', () => {
    const first = new PolledSample(sample(1, [row(0, 5n)]));
    const grown = new PolledSample(sample(2, [row(0, 5n), row(1, 0n)], { ...GROUP, memberIds: ['m0', 'm1'] }), first);
    assert.notEqual(grown.columns.layout, first.columns.layout);
    assert.notEqual(grown.group, first.group);
    const moved = new PolledSample(sample(3, [row(0, 6n), row(1, 0n)]), grown);
    assert.notEqual(moved.columns, grown.columns);
    assert.equal(moved.columns.layout, grown.columns.layout);
  });

  it('the newest sample keeps its rows; a compacted one makes equal rows from its columns', () => {
    const rows = [row(0, 5n, { dataPending: true, start: 3n }), row(1, -1n, { end: undefined })];
    const polled = new PolledSample(sample(1, rows));
    assert.equal(polled.partitions, rows);
    polled.compact();
    assert.notEqual(polled.partitions, rows);
    assert.deepEqual(polled.partitions, rows);
  });
});

describe('a polled sample in the history keeps no partition owners', () => {
  it('drops them on compact, and samples that shared a group share the group without them', () => {
    const owned: GroupInfo = { ...GROUP, owners: new Map([['t\u00000', 'm0']]) };
    const first = new PolledSample(sample(1, [row(0, 5n)], owned));
    const second = new PolledSample(sample(2, [row(0, 5n)], { ...owned, owners: new Map(owned.owners) }), first);
    assert.equal(second.group, first.group, 'the same group, owners included, is shared');
    assert.equal(first.group.owners?.get('t\u00000'), 'm0');
    first.compact();
    second.compact();
    assert.equal(first.group.owners, undefined);
    assert.equal(first.group, second.group);
    assert.deepEqual(first.group, GROUP);
  });
});
