import assert from 'node:assert/strict';
import type { Point } from './runSim.ts';
import { chart, niceStep } from './svg.ts';

const point = (t: number, latency = 0, replicas = 1): Point => ({ t, rate: 100, waiting: 0, latency, replicas });

describe('simulator chart', () => {
  const steps: Array<[number, number]> = [
    [0.3, 1],
    [1, 1],
    [1.5, 2],
    [3, 5],
    [6, 10],
    [20, 20],
    [21, 50],
    [240, 500],
  ];
  for (const [value, step] of steps) {
    it(`tick step for ${value}: ${step}`, () => assert.equal(niceStep(value), step));
  }

  it('one path for the load and one per strategy in each other panel, with the objective marked', () => {
    const series = [point(0, 10, 1), point(10, 150, 3), point(20, 5, 2)];
    const svg = chart(
      'burst',
      'a <test> & more',
      [
        { name: 'a', series },
        { name: 'b', series },
      ],
      120,
    );
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.equal(svg.match(/<path /g)?.length, 1 + 2 + 2);
    assert.match(svg, />objective 120s</);
    assert.match(svg, /a &lt;test&gt; &amp; more/);
  });

  it('a long run is bucketed to at most 480 points per line, keeping the peaks', () => {
    const series = Array.from({ length: 8_640 }, (_, i) => point(i * 10, i === 4_321 ? 999 : 1));
    const svg = chart('day', '', [{ name: 'a', series }], 120);
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]!);
    for (const d of paths) assert.ok(d.split(/[MLH]/).length - 1 <= 481, `${d.split(/[MLH]/).length} points`);
    assert.match(svg, />1000</, 'the 999 peak sets the latency scale');
  });
});
