import assert from 'node:assert/strict';
import { parsePartitionList } from './partitionList.ts';

describe('partitionLimitation lists', () => {
  const valid = [
    { text: '1', want: [1] },
    { text: '1,2,10-12,31', want: [1, 2, 10, 11, 12, 31] },
    { text: ' 3 , 1-2 ', want: [1, 2, 3] },
    { text: '4-4', want: [4] },
  ];
  for (const c of valid) {
    it(`"${c.text}" is ${c.want.join(',')}`, () => {
      const result = parsePartitionList(c.text);
      assert.ok('value' in result);
      assert.deepEqual(
        [...result.value].sort((a, b) => a - b),
        c.want,
      );
    });
  }
  const invalid = ['', 'a', '1,,2', '-1', '1-', '2-1', '0-200000'];
  for (const text of invalid) {
    it(`"${text}" is rejected`, () => assert.ok('problem' in parsePartitionList(text)));
  }
});
