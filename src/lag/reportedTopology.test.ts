import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import type { GroupInfo } from '../model/sample.ts';
import { reportedTopology } from './analysis.ts';

describe('the topology the application reports, over the poll history', () => {
  const subTopologies = [{ id: '0', inputs: ['in'], assignedTasks: 2 }];
  const reporting: GroupInfo = { ...stableGroup(2), protocol: 'streams', reported: subTopologies };
  const silent = stableGroup(2);
  const empty: GroupInfo = { state: 'Empty', members: 0, instances: undefined, memberIds: [] };
  const cases: Array<{ name: string; groups: GroupInfo[]; want: ReturnType<typeof reportedTopology> }> = [
    {
      name: 'the latest poll reports it',
      groups: [silent, reporting],
      want: { subTopologies, protocol: 'streams', ageMs: 0 },
    },
    {
      name: 'no members now: the newest poll that reported it, with its age',
      groups: [reporting, empty, empty],
      want: { subTopologies, protocol: 'streams', ageMs: 20_000 },
    },
    {
      name: 'members that report nothing now: nothing, not an old report',
      groups: [reporting, silent],
      want: undefined,
    },
    { name: 'no members before members that reported nothing', groups: [reporting, silent, empty], want: undefined },
    { name: 'never reported', groups: [empty], want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const history = c.groups.map((g, i) => sample(i * 10_000, [row('in', 0, 1n, 2n)], g));
      assert.deepEqual(reportedTopology(history), c.want);
    });
  }
});
