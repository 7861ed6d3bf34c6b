import assert from 'node:assert/strict';
import { clock, jvmCell, shorten, type TableRow, tableHeader, tableRow, terse } from './table.ts';

const SUBS = ['sources', 'by-word'];
const ROW: TableRow = {
  elapsedMs: 65_400,
  phase: 'burst',
  produced: 1500,
  lag: [12, 900],
  recommended: 3,
  replicasBefore: 1,
  replicas: 3,
  jvms: { running: 1, starting: 2, stopping: 0 },
  decision:
    'sub-topology by-word: 100/s arriving, backlog 900, 50/s per replica (replicaThroughput) → 3; 3 replica(s); active: lag 912 > 0',
};

describe('demo table', () => {
  it('clock: m:ss', () => {
    const cases = [
      { name: 'zero', ms: 0, text: '0:00' },
      { name: 'rounds to the second', ms: 4_600, text: '0:05' },
      { name: 'over a minute', ms: 65_400, text: '1:05' },
      { name: 'over ten minutes', ms: 725_000, text: '12:05' },
    ];
    for (const c of cases) assert.equal(clock(c.ms), c.text, c.name);
  });

  it('shorten: cuts with an ellipsis, leaves short text alone', () => {
    const cases = [
      { name: 'fits', text: 'abc', max: 3, out: 'abc' },
      { name: 'cut', text: 'abcdef', max: 4, out: 'abc…' },
      { name: 'no trailing space before the ellipsis', text: 'ab cdef', max: 4, out: 'ab…' },
      { name: 'no room', text: 'abc', max: 0, out: '' },
    ];
    for (const c of cases) assert.equal(shorten(c.text, c.max), c.out, c.name);
  });

  it('terse: drops the words every row repeats, keeps the numbers', () => {
    assert.equal(
      terse(ROW.decision),
      'by-word: 100/s arriving, backlog 900, 50/s per replica → 3; 3 replicas; active: lag 912 > 0',
    );
  });

  it('JVMs as running +starting -stopping', () => {
    const cases = [
      { name: 'none', jvms: { running: 0, starting: 0, stopping: 0 }, cell: '0' },
      { name: 'starting', jvms: { running: 1, starting: 2, stopping: 0 }, cell: '1 +2' },
      { name: 'stopping', jvms: { running: 2, starting: 0, stopping: 1 }, cell: '2 -1' },
      { name: 'both', jvms: { running: 2, starting: 1, stopping: 1 }, cell: '2 +1 -1' },
    ];
    for (const c of cases) assert.equal(jvmCell(c.jvms), c.cell, c.name);
  });

  it('a row lines up under the header, one lag column per sub-topology', () => {
    const header = tableHeader(SUBS);
    const row = tableRow(ROW, SUBS, 200);
    assert.equal(header, ' time  phase      produced  lag sources  lag by-word  scaler  replicas  JVMs       decision');
    assert.equal(
      row,
      ' 1:05  burst          1500           12          900       3  1 → 3     1 +2       ' +
        'by-word: 100/s arriving, backlog 900, 50/s per replica → 3; 3 replicas; active: lag 912 > 0',
    );
    assert.equal(row.indexOf('by-word:'), header.indexOf('decision'));
  });

  it('unknown values show as -, an unchanged replica count once', () => {
    const row = tableRow({ ...ROW, lag: [undefined, undefined], recommended: undefined, replicasBefore: 3 }, SUBS, 200);
    assert.ok(row.startsWith(' 1:05  burst          1500            -            -       -  3         1 +2  '), row);
  });

  it('the explanation is shortened to the width', () => {
    const row = tableRow(ROW, SUBS, 100);
    assert.equal(row.length, 100);
    assert.ok(row.endsWith('…'));
  });
});
