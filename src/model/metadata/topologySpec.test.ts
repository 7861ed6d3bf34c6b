import assert from 'node:assert/strict';
import { parseTopology } from './topologySpec.ts';

describe('the topology parameter', () => {
  const parses = [
    { text: 'words', want: [{ id: '0', inputs: ['words'] }] },
    {
      text: 'src:words+clicks;agg:app-x-repartition',
      want: [
        { id: 'src', inputs: ['words', 'clicks'] },
        { id: 'agg', inputs: ['app-x-repartition'] },
      ],
    },
    {
      text: ' a ; b + c ',
      want: [
        { id: '0', inputs: ['a'] },
        { id: '1', inputs: ['b', 'c'] },
      ],
    },
  ];
  for (const c of parses) {
    it(`parses "${c.text}"`, () => assert.deepEqual(parseTopology(c.text), { value: c.want }));
  }
  const bad = [
    { text: ';', problem: /at least one sub-topology/ },
    { text: 'x:', problem: /separated by ";"/ },
    { text: 'a:t/1', problem: /separated by ";"/ },
    { text: 'a:t;b:t', problem: /lists topic "t" in more than one sub-topology/ },
  ];
  for (const c of bad) {
    it(`rejects "${c.text}"`, () => {
      const result = parseTopology(c.text);
      assert.ok('problem' in result);
      assert.match(result.problem, c.problem);
    });
  }
});
