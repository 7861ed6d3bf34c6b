import assert from 'node:assert/strict';
import { row } from '../../test/support/samples.ts';
import { NO_COMMIT } from '../model/sample.ts';
import { type EndPoint, timeLag } from './timeLag.ts';

/** End offsets seen by polls at 0s, 10s, 20s, 30s: 100 records every 10s. */
const SERIES: EndPoint[] = [
  { at: 0, end: 100n },
  { at: 10_000, end: 200n },
  { at: 20_000, end: 300n },
  { at: 30_000, end: 400n },
];

describe('time lag of a partition', () => {
  const cases: Array<{
    name: string;
    committed: bigint;
    end?: bigint;
    extra?: object;
    now: number;
    ms: number;
    basis: string;
  }> = [
    { name: 'caught up: 0', committed: 400n, now: 30_000, ms: 0, basis: 'caught-up' },
    { name: 'idle topic, caught up long ago: still 0', committed: 400n, now: 3_600_000, ms: 0, basis: 'caught-up' },
    {
      name: 'only transaction markers left: 0',
      committed: 399n,
      extra: { dataPending: false },
      now: 30_000,
      ms: 0,
      basis: 'caught-up',
    },
    {
      name: 'nothing committed: 0 (activation counts it)',
      committed: NO_COMMIT,
      now: 30_000,
      ms: 0,
      basis: 'caught-up',
    },
    {
      name: 'the record at 250 was appended half way between the polls at 20s and 30s',
      committed: 249n,
      now: 40_000,
      ms: 25_000,
      basis: 'interpolated',
    },
    {
      name: 'the first record after a poll was appended just after it',
      committed: 300n,
      now: 40_000,
      ms: 19_900,
      basis: 'interpolated',
    },
    {
      name: 'within the history, the polls date the record even when its own (event-time) stamp says otherwise',
      committed: 249n,
      extra: { committedTimestamp: -3_600_000 },
      now: 40_000,
      ms: 25_000,
      basis: 'interpolated',
    },
    {
      name: 'older than the history, a record stamp younger than the oldest poll: at least the age of the oldest poll',
      committed: 5n,
      extra: { committedTimestamp: 35_000 },
      now: 40_000,
      ms: 40_000,
      basis: 'record-timestamp',
    },
    {
      name: 'older than the history, between an earlier-read record (offset 0, a minute before the first poll) and the first poll',
      committed: 50n,
      extra: { timestampAnchor: { offset: 0n, timestamp: -60_000 } },
      now: 40_000,
      ms: 70_000,
      basis: 'anchored',
    },
    {
      name: 'older than the history, the record timestamp read from the broker: exact, also when reprocessing from the start',
      committed: 5n,
      extra: { committedTimestamp: -3_600_000 },
      now: 40_000,
      ms: 3_640_000,
      basis: 'record-timestamp',
    },
    {
      name: 'older than the history and no timestamp: at least the age of the oldest poll',
      committed: 5n,
      now: 40_000,
      ms: 40_000,
      basis: 'older-than-history',
    },
    {
      name: 'the end did not move for an hour and the consumer is stuck: the record keeps ageing',
      committed: 349n,
      now: 3_600_000,
      ms: 3_575_000,
      basis: 'interpolated',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const lag = timeLag(row('t', 0, c.committed, c.end ?? 400n, c.extra), SERIES, c.now);
      assert.equal(lag.basis, c.basis);
      assert.ok(Math.abs(lag.ms - c.ms) < 1, `${lag.ms} ≠ ${c.ms}`);
    });
  }
});
