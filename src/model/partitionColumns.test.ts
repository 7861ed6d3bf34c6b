import assert from 'node:assert/strict';
import { NO_COMMIT, type PartitionOffsets } from './offsets.ts';
import { ColumnChunks, PartitionColumns } from './partitionColumns.ts';

function row(extra: Partial<PartitionOffsets> = {}): PartitionOffsets {
  return { topic: 'orders', partition: 3, committed: 5n, end: 100n, start: undefined, ...extra };
}

const INT64_MAX = 2n ** 63n - 1n;

describe('partition columns: every row comes back as it went in', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly row: PartitionOffsets }> = [
    { name: 'committed and end', row: row() },
    { name: 'nothing committed, start read', row: row({ committed: NO_COMMIT, start: 40n }) },
    { name: 'no end offset from the broker', row: row({ end: undefined }) },
    { name: 'end offset 0', row: row({ committed: 0n, end: 0n }) },
    { name: 'the largest int64 offsets', row: row({ committed: INT64_MAX - 1n, end: INT64_MAX, start: INT64_MAX }) },
    { name: 'data pending', row: row({ dataPending: true }) },
    { name: 'only transaction markers', row: row({ dataPending: false }) },
    { name: 'out of range', row: row({ committed: NO_COMMIT, outOfRange: 1100n }) },
    { name: 'record timestamp', row: row({ committedTimestamp: 1_700_000_000_000 }) },
    { name: 'timestamp anchor', row: row({ timestampAnchor: { offset: 2n, timestamp: 9 } }) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const columns = PartitionColumns.of([row({ partition: 0 }), c.row]);
      assert.deepEqual(columns.row(1), c.row);
      assert.deepEqual(columns.rows(), [row({ partition: 0 }), c.row]);
      assert.equal(columns.endAt(1), c.row.end);
      assert.equal(columns.startAt(1), c.row.start);
      assert.equal(columns.dataPendingAt(1), c.row.dataPending);
      assert.equal(columns.layout.indexOf(`orders\u00003`), 1);
    });
  }

  it('costs 16 bytes per partition without start offsets or peeks, 8 more for each', () => {
    const rows = Array.from({ length: 100 }, (_, partition) => row({ partition }));
    assert.equal(PartitionColumns.of(rows).bytes, 1_600);
    assert.equal(PartitionColumns.of([...rows.slice(1), row({ partition: 100, start: 0n })]).bytes, 2_400);
    assert.equal(PartitionColumns.of([...rows.slice(1), row({ partition: 100, dataPending: false })]).bytes, 2_400);
  });

  it('samples placed in one poller’s chunks keep their own values', () => {
    const chunks = new ColumnChunks();
    const kept = Array.from({ length: 300 }, (_, k) =>
      PartitionColumns.of(
        Array.from({ length: 10 }, (_, partition) =>
          row({ partition, committed: BigInt(k), end: BigInt(k + partition) }),
        ),
        undefined,
        chunks,
      ),
    );
    kept.forEach((columns, k) => {
      assert.equal(columns.committedAt(9), BigInt(k));
      assert.equal(columns.endAt(9), BigInt(k + 9));
    });
  });

  it('sizes a poller’s next chunk by how fast the last one filled', () => {
    const cases = [
      { name: 'a sample every 2 s: 60 samples, 2 minutes a chunk', everyMs: 2_000, capacity: 60 * 20 },
      { name: 'a sample every second: the largest chunks', everyMs: 1_000, capacity: 64 * 20 },
      { name: 'a sample every 40 s: chunks stay small', everyMs: 40_000, capacity: 4 * 20 },
      { name: 'a sample every 10 s: about 2 minutes a chunk', everyMs: 10_000, capacity: 12 * 20 },
    ];
    for (const { name, everyMs, capacity } of cases) {
      const chunks = new ColumnChunks();
      for (let k = 0; k < 200; k++) chunks.take(20, k * everyMs);
      assert.equal(chunks.capacity, capacity, name);
    }
  });
});
