import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import { type GroupInfo, partitionKey, type PartitionOffsets, type Sample } from '../model/sample.ts';
import { goneMembers, stalledPartitions } from './persistentLag.ts';

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

  describe('with the owner of each partition known', () => {
    // Member a owns t-0 and t-1, member b owns t-2.
    const owned: GroupInfo = {
      ...stableGroup(2),
      owners: new Map([
        [partitionKey('t', 0), 'a'],
        [partitionKey('t', 1), 'a'],
        [partitionKey('t', 2), 'b'],
      ]),
    };
    const cases: Array<{ name: string; before: bigint[]; after: bigint[]; want: string[] }> = [
      {
        name: 'its member moves another partition: starved by a busy member, not stalled',
        before: [5n, 3n, 7n],
        after: [5n, 9n, 7n],
        want: [partitionKey('t', 2)],
      },
      {
        name: 'its member commits nothing at all: stalled',
        before: [5n, 3n, 7n],
        after: [5n, 3n, 8n],
        want: [partitionKey('t', 0), partitionKey('t', 1)],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const rows = (committed: bigint[]): PartitionOffsets[] => committed.map((o, p) => row('t', p, o, 20n));
        const history = [at(0, rows(c.before), owned), at(60_000, rows(c.after), owned)];
        assert.deepEqual([...stalledPartitions(history, 60_000)].sort(), c.want);
      });
    }
  });

  describe('members gone while records wait', () => {
    const cases: Array<{ name: string; groups: GroupInfo[]; waiting: bigint; want: ReturnType<typeof goneMembers> }> = [
      {
        name: 'had 3 members, none for the last two polls: gone since the first poll without',
        groups: [stableGroup(3), empty, empty],
        waiting: 10n,
        want: { sinceMs: 10_000, hadMembers: 3 },
      },
      { name: 'nothing waits: not reported', groups: [stableGroup(3), empty], waiting: 0n, want: undefined },
      { name: 'members now: not reported', groups: [empty, stableGroup(1)], waiting: 10n, want: undefined },
      {
        name: 'never had members in the history (scaled to zero): not reported',
        groups: [empty, empty],
        waiting: 10n,
        want: undefined,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const history = c.groups.map((g, i) => at(i * 10_000, [row('t', 0, 5n, 15n)], g));
        assert.deepEqual(goneMembers(history, c.waiting), c.want);
      });
    }
  });
});
