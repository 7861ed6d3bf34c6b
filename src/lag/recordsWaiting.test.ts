import assert from 'node:assert/strict';
import { NO_COMMIT } from '../model/sample.ts';
import { PartitionColumns } from '../model/partitionColumns.ts';
import {
  columnOffsets,
  committedWaiting,
  recordsWaiting,
  recordsWaitingAt,
  type WaitingOffsets,
  type WaitingRules,
} from './recordsWaiting.ts';

const EARLIEST: WaitingRules = { offsetResetPolicy: 'earliest', scaleToZeroOnInvalidOffset: false };
const LATEST: WaitingRules = { offsetResetPolicy: 'latest', scaleToZeroOnInvalidOffset: false };
const ZERO: WaitingRules = { offsetResetPolicy: 'earliest', scaleToZeroOnInvalidOffset: true };

describe('records waiting on a partition: one rule for every strategy', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly offsets: WaitingOffsets;
    readonly committed: bigint;
    readonly earliest: bigint;
    readonly latest: bigint;
    readonly zero: bigint;
  }> = [
    {
      name: 'committed below the end',
      offsets: { committed: 40n, end: 100n, start: undefined },
      committed: 60n,
      earliest: 60n,
      latest: 60n,
      zero: 60n,
    },
    {
      name: 'committed past the last stable offset (read into an open transaction)',
      offsets: { committed: 120n, end: 100n, start: undefined },
      committed: 0n,
      earliest: 0n,
      latest: 0n,
      zero: 0n,
    },
    {
      name: 'only transaction markers before the end',
      offsets: { committed: 98n, end: 100n, start: undefined, dataPending: false },
      committed: 0n,
      earliest: 0n,
      latest: 0n,
      zero: 0n,
    },
    {
      name: 'no end offset from the broker',
      offsets: { committed: 40n, end: undefined, start: undefined },
      committed: 0n,
      earliest: 0n,
      latest: 0n,
      zero: 0n,
    },
    {
      name: 'nothing committed: the log under earliest, nothing under latest',
      offsets: { committed: NO_COMMIT, end: 100n, start: 30n },
      committed: 0n,
      earliest: 70n,
      latest: 0n,
      zero: 0n,
    },
    {
      name: 'nothing committed, no start offset read',
      offsets: { committed: NO_COMMIT, end: 100n, start: undefined },
      committed: 0n,
      earliest: 0n,
      latest: 0n,
      zero: 0n,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(committedWaiting(c.offsets), c.committed);
      assert.equal(recordsWaiting(c.offsets, EARLIEST), c.earliest);
      assert.equal(recordsWaiting(c.offsets, LATEST), c.latest);
      assert.equal(recordsWaiting(c.offsets, ZERO), c.zero);
      const columns = PartitionColumns.of([{ topic: 't', partition: 0, ...c.offsets }]);
      assert.equal(recordsWaiting(columnOffsets(columns, 0), EARLIEST), c.earliest, 'a column answers as the row');
      assert.equal(recordsWaitingAt(columns, 0, EARLIEST), c.earliest);
      assert.equal(recordsWaitingAt(columns, 0, LATEST), c.latest);
    });
  }
});
