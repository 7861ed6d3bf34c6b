import assert from 'node:assert/strict';
import { row, sample as build } from '../../test/support/samples.ts';
import { NO_COMMIT, partitionKey, type Sample } from '../model/sample.ts';
import { persistentPartitions } from './persistentLag.ts';

function sample(at: number, committed: Record<number, bigint>): Sample {
  return build(
    at,
    Object.entries(committed).map(([p, c]) => row('t', Number(p), c, 1000n)),
  );
}

describe('persistent lag from the poller history', () => {
  const key = (p: number) => partitionKey('t', p);
  const cases: Array<{ name: string; history: Sample[]; windowMs: number; want: string[] }> = [
    { name: 'no history: nothing persistent', history: [], windowMs: 30_000, want: [] },
    {
      name: 'history shorter than the window: nothing persistent yet',
      history: [sample(0, { 0: 5n }), sample(20_000, { 0: 5n })],
      windowMs: 30_000,
      want: [],
    },
    {
      name: 'standing still for the whole window: persistent',
      history: [sample(0, { 0: 5n, 1: 9n }), sample(15_000, { 0: 5n, 1: 10n }), sample(30_000, { 0: 5n, 1: 11n })],
      windowMs: 30_000,
      want: [key(0)],
    },
    {
      name: 'moved and came back within the window: not persistent',
      history: [sample(0, { 0: 5n }), sample(15_000, { 0: 6n }), sample(30_000, { 0: 5n })],
      windowMs: 30_000,
      want: [],
    },
    {
      name: 'only the window counts: older movement does not matter',
      history: [sample(0, { 0: 1n }), sample(10_000, { 0: 5n }), sample(40_000, { 0: 5n })],
      windowMs: 30_000,
      want: [key(0)],
    },
    {
      name: 'uncommitted partitions are never persistent',
      history: [sample(0, { 0: NO_COMMIT }), sample(30_000, { 0: NO_COMMIT })],
      windowMs: 30_000,
      want: [],
    },
    {
      name: 'a partition new in the window is not persistent',
      history: [sample(0, { 0: 5n }), sample(30_000, { 0: 5n, 1: 3n })],
      windowMs: 30_000,
      want: [key(0)],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual([...persistentPartitions(c.history, c.windowMs)].sort(), c.want);
    });
  }
});
