import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import { type GroupInfo, partitionKey, type PartitionOffsets, type Sample } from '../model/sample.ts';
import { stalledPartitions } from './persistentLag.ts';

const empty: GroupInfo = { state: 'Empty', members: 0, instances: undefined, memberIds: [] };
const at = (ms: number, rows: PartitionOffsets[], group: GroupInfo = stableGroup(2)): Sample => sample(ms, rows, group);

describe('stalled partitions', () => {
  const key0 = partitionKey('t', 0);
  const cases: Array<{ name: string; history: Sample[]; want: string[] }> = [
    {
      name: 'committed offset still for the window with data waiting and members present: stalled',
      history: [
        at(0, [row('t', 0, 5n, 9n), row('t', 1, 3n, 9n)]),
        at(120_000, [row('t', 0, 5n, 12n), row('t', 1, 9n, 12n)]),
      ],
      want: [key0],
    },
    {
      name: 'no members (the app is not running): stopped, not stalled',
      history: [at(0, [row('t', 0, 5n, 9n)], empty), at(120_000, [row('t', 0, 5n, 9n)], empty)],
      want: [],
    },
    {
      name: 'caught up: not stalled, however long it stands still',
      history: [at(0, [row('t', 0, 9n, 9n)]), at(120_000, [row('t', 0, 9n, 9n)])],
      want: [],
    },
    {
      name: 'only a transaction marker left: not stalled',
      history: [
        at(0, [row('t', 0, 9n, 10n, { dataPending: false })]),
        at(120_000, [row('t', 0, 9n, 10n, { dataPending: false })]),
      ],
      want: [],
    },
    {
      name: 'shorter than the window: not stalled yet',
      history: [at(0, [row('t', 0, 5n, 9n)]), at(60_000, [row('t', 0, 5n, 9n)])],
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual([...stalledPartitions(c.history, 120_000)], c.want));
  }
});
