import assert from 'node:assert/strict';
import { analyzePeek, type PeekRecord } from './peekAnalysis.ts';

const data = (offset: number, producerId = '-1', inTransaction = false): PeekRecord => ({
  offset: BigInt(offset),
  timestamp: 1000 + offset,
  isControlRecord: false,
  inTransaction,
  producerId,
});
const marker = (offset: number, producerId: string): PeekRecord => ({
  offset: BigInt(offset),
  timestamp: 1000 + offset,
  isControlRecord: true,
  inTransaction: true,
  producerId,
});

describe('read-committed peek at the gap between committed and end offsets', () => {
  const cases: Array<{
    name: string;
    records: PeekRecord[];
    aborted?: Array<{ producerId: string; firstOffset: bigint }>;
    from: number;
    end: number;
    dataPending: boolean | undefined;
    timestamp?: number;
  }> = [
    {
      name: 'a caught-up exactly-once app: only the commit marker is left',
      records: [data(8, '7', true), data(9, '7', true), marker(10, '7')],
      from: 10,
      end: 11,
      dataPending: false,
    },
    {
      name: 'one real record after the marker keeps the trigger active',
      records: [marker(10, '7'), data(11)],
      from: 10,
      end: 12,
      dataPending: true,
      timestamp: 1011,
    },
    {
      name: 'an aborted transaction and its marker are not data',
      records: [data(10, '5', true), data(11, '5', true), marker(12, '5')],
      aborted: [{ producerId: '5', firstOffset: 10n }],
      from: 10,
      end: 13,
      dataPending: false,
    },
    {
      name: "another producer's committed record in the middle of an aborted transaction is data",
      records: [data(10, '5', true), data(11, '6', true), marker(12, '6'), marker(13, '5')],
      aborted: [{ producerId: '5', firstOffset: 10n }],
      from: 10,
      end: 14,
      dataPending: true,
      timestamp: 1011,
    },
    {
      name: 'a producer aborts, then commits: its later committed records are data',
      records: [
        data(10, '5', true),
        data(11, '5', true),
        marker(12, '5'),
        data(13, '5', true),
        data(14, '5', true),
        marker(15, '5'),
      ],
      aborted: [{ producerId: '5', firstOffset: 10n }],
      from: 10,
      end: 16,
      dataPending: true,
      timestamp: 1013,
    },
    {
      name: 'an aborted transaction that began before the committed offset is still aborted after it',
      records: [data(10, '5', true), data(11, '5', true), marker(12, '5')],
      aborted: [{ producerId: '5', firstOffset: 10n }],
      from: 11,
      end: 13,
      dataPending: false,
    },
    {
      name: 'records before the committed offset (same batch) are skipped',
      records: [data(5), data(6), marker(7, '9')],
      from: 7,
      end: 8,
      dataPending: false,
    },
    {
      name: 'the answer is unknown when the records read stop before the end',
      records: [marker(10, '7')],
      from: 10,
      end: 15,
      dataPending: undefined,
    },
    {
      name: 'plain (non-transactional) data: pending, with its timestamp for the time lag',
      records: [data(3), data(4)],
      from: 3,
      end: 5,
      dataPending: true,
      timestamp: 1003,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = analyzePeek(c.records, c.aborted ?? [], BigInt(c.from), BigInt(c.end));
      assert.equal(result.dataPending, c.dataPending);
      assert.equal(result.firstDataTimestamp, c.timestamp);
    });
  }
});
