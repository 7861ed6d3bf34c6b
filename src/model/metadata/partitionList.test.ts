import assert from 'node:assert/strict';
import { MAX_PARTITION_ID, parsePartitionList, PartitionRanges } from './partitionList.ts';

describe('partitionLimitation lists', () => {
  const valid = [
    { text: '1', ranges: '1', in: [1], out: [0, 2] },
    { text: '1,2,10-12,31', ranges: '1-2,10-12,31', in: [1, 2, 10, 11, 12, 31], out: [0, 3, 9, 13, 30, 32] },
    { text: ' 3 , 1-2 ', ranges: '1-3', in: [1, 2, 3], out: [0, 4] },
    { text: '4-4', ranges: '4', in: [4], out: [3, 5] },
    { text: '0-100000,5-7,200000-300000', ranges: '0-100000,200000-300000', in: [0, 100000, 250000], out: [100001] },
    { text: `0-${MAX_PARTITION_ID}`, ranges: `0-${MAX_PARTITION_ID}`, in: [0, MAX_PARTITION_ID], out: [-1] },
  ];
  for (const c of valid) {
    it(`"${c.text}" is ${c.ranges}`, () => {
      const result = parsePartitionList(c.text);
      assert.ok('value' in result, JSON.stringify(result));
      assert.equal(result.value.toString(), c.ranges);
      for (const id of c.in) assert.equal(result.value.has(id), true, `${id} in`);
      for (const id of c.out) assert.equal(result.value.has(id), false, `${id} out`);
    });
  }
  const invalid = [
    { text: '', problem: /must be partition ids/ },
    { text: 'a', problem: /must be partition ids/ },
    { text: '1,,2', problem: /must be partition ids/ },
    { text: '-1', problem: /must be partition ids/ },
    { text: '1-', problem: /must be partition ids/ },
    { text: '+1', problem: /must be partition ids/ },
    { text: '2-1', problem: /backwards range "2-1"/ },
    { text: '0-2147483648', problem: /beyond the largest partition id 2147483647/ },
    { text: '99999999999', problem: /must be partition ids/ },
    { text: Array(1001).fill('1').join(','), problem: /1001 items; at most 1000/ },
  ];
  for (const c of invalid) {
    it(`"${c.text.slice(0, 20)}" is rejected: ${c.problem.source}`, () => {
      const result = parsePartitionList(c.text);
      assert.ok('problem' in result);
      assert.match(result.problem, c.problem);
    });
  }
  it('costs the same for wide ranges as for one id: 3.6 KB of 0-100000 ranges parse to one range', () => {
    const text = Array(400).fill('0-100000').join(',');
    const result = parsePartitionList(text);
    assert.ok('value' in result);
    assert.deepEqual(result.value.ranges, [[0, 100000]]);
  });
  it('merges adjacent and overlapping ranges', () => {
    assert.equal(
      new PartitionRanges([
        [5, 9],
        [0, 2],
        [3, 4],
        [20, 20],
        [8, 12],
      ]).toString(),
      '0-12,20',
    );
  });
});
