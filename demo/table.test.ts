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

  it('terse: drops the words every row repeats, keeps the numbers that decide', () => {
    const now =
      'sub-topology by-word: 164.5/s arriving, backlog 1090, 50/s per replica (replicaThroughput) → 5; 5 replica(s); active: lag 1447 > 0';
    const cases = [
      {
        name: 'a plain decision',
        text: now,
        out: 'by-word: 164.5/s arriving, backlog 1090, 50/s per replica → 5; 5 replicas; active',
      },
      {
        name: 'held while the group rebalances',
        text: `holding the recommendation of 18s ago (metric 3): group rebalancing (CompletingRebalance); now: ${now}`,
        out: 'held at 3 (rebalancing); now by-word: 164.5/s arriving, backlog 1090, 50/s per replica → 5; 5 replicas; active',
      },
      {
        name: 'held after a member change',
        text: `holding the recommendation of 5s ago (metric 3): group members changed 4s ago (rebalanceCooldown 10s); now: ${now}`,
        out: 'held at 3 (members changed 4s ago); now by-word: 164.5/s arriving, backlog 1090, 50/s per replica → 5; 5 replicas; active',
      },
      {
        name: 'arrivals override a hold',
        text: `group rebalancing (PreparingRebalance), but arrivals alone need 5, more than the 3 of 13s ago; now: ${now}`,
        out: 'rebalancing, but arrivals need 5; now by-word: 164.5/s arriving, backlog 1090, 50/s per replica → 5; 5 replicas; active',
      },
      {
        name: 'arrivals override a hold after a member change',
        text: `group members changed 9s ago (rebalanceCooldown 10s), but arrivals alone need 4, more than the 3 of 28s ago; now: ${now}`,
        out: 'members changed 9s ago, but arrivals need 4; now by-word: 164.5/s arriving, backlog 1090, 50/s per replica → 5; 5 replicas; active',
      },
      {
        name: 'the scale-down delay',
        text: 'sub-topology sources: 0/s arriving, backlog 0, 50/s per replica (replicaThroughput) → 0; holding 3 until a lower count held for scaleDownDelay 15s; 3 replica(s); inactive: lag 0 ≤ 0',
        out: 'sources: 0/s arriving, backlog 0, 50/s per replica → 0; holding 3 for scaleDownDelay 15s; 3 replicas; inactive',
      },
      {
        name: 'text it does not know',
        text: 'the scaler answered: 14 UNAVAILABLE',
        out: 'the scaler answered: 14 UNAVAILABLE',
      },
    ];
    for (const c of cases) assert.equal(terse(c.text), c.out, c.name);
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
        'by-word: 100/s arriving, backlog 900, 50/s per replica → 3; 3 replicas; active',
    );
    assert.equal(row.indexOf('by-word:'), header.indexOf('decision'));
  });

  it('unknown values show as -, an unchanged replica count once', () => {
    const row = tableRow({ ...ROW, lag: [undefined, undefined], recommended: undefined, replicasBefore: 3 }, SUBS, 200);
    assert.ok(row.startsWith(' 1:05  burst          1500            -            -       -  3         1 +2  '), row);
  });

  it('the explanation is shortened to the width', () => {
    const row = tableRow(ROW, SUBS, 140);
    assert.equal(row.length, 140);
    assert.ok(row.endsWith('…'));
    const narrow = tableRow(ROW, SUBS, 80);
    assert.equal(narrow.length - narrow.indexOf('by-word:'), 40, 'a narrow terminal still gets 40 characters of it');
  });
});
