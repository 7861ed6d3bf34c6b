import assert from 'node:assert/strict';
import { type KindAnswer, kindVerdict } from './groupDescriptions.ts';

describe('which kind a Dead-looking group is (kindVerdict)', () => {
  const found: KindAnswer<string> = { ok: true, value: { state: 'Stable', members: [] } };
  const failed: KindAnswer<string> = { ok: false, error: 'timeout' };

  it('the kind that describes the group wins, whatever the other answered', () => {
    assert.deepEqual(
      kindVerdict([
        ['consumer', failed],
        ['streams', found],
      ]),
      { found: 'streams', value: found.value },
    );
    assert.deepEqual(
      kindVerdict([
        ['consumer', found],
        ['streams', 'neither'],
      ]),
      {
        found: 'consumer',
        value: found.value,
      },
    );
  });

  it('an error where no kind described the group is the error, never "neither" (a streams group is not Dead)', () => {
    assert.deepEqual(
      kindVerdict([
        ['consumer', 'neither'],
        ['streams', failed],
      ]),
      { error: 'timeout' },
    );
    assert.deepEqual(kindVerdict([['streams', failed]]), { error: 'timeout' });
  });

  it('neither when every kind asked says so, or none was asked', () => {
    assert.equal(
      kindVerdict([
        ['consumer', 'neither'],
        ['streams', 'neither'],
      ]),
      'neither',
    );
    assert.equal(
      kindVerdict([
        ['consumer', undefined],
        ['streams', 'neither'],
      ]),
      'neither',
    );
    assert.equal(kindVerdict([]), 'neither');
  });
});
