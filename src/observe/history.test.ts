import assert from 'node:assert/strict';
import { FigureHistory, type HistoryPoint } from './history.ts';

const point = (t: number, lag = t): HistoryPoint => ({ t, lag, replicas: 1, active: true, stalledPartitions: 0 });

describe('figure history', () => {
  it('keeps the last window, oldest first', () => {
    const h = new FigureHistory(10_000, 100);
    for (const t of [0, 4_000, 8_000, 12_000, 16_000]) h.add(point(t));
    assert.deepEqual(
      h.points(16_000).map((p) => p.t),
      [8_000, 12_000, 16_000],
    );
    assert.deepEqual(
      h.points(21_000).map((p) => p.t),
      [12_000, 16_000],
      'reading later hides what fell out of the window',
    );
  });

  it('a second point at the same time replaces the first; an older one is ignored', () => {
    const h = new FigureHistory(60_000, 100);
    h.add(point(1_000, 1));
    h.add(point(1_000, 2));
    h.add(point(500, 3));
    assert.deepEqual(
      h.points(1_000).map((p) => [p.t, p.lag]),
      [[1_000, 2]],
    );
  });

  it('over maxPoints, thins the older half and keeps the newest points exact', () => {
    const h = new FigureHistory(3_600_000, 10);
    for (let t = 1; t <= 11; t++) h.add(point(t * 1000));
    const kept = h.points(11_000).map((p) => p.t / 1000);
    // 11 points > 10: every other point of the older half (1–5) goes; the newer half (6–11) stays exact.
    assert.deepEqual(kept, [1, 3, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(kept[0], 1, 'the oldest point stays, so the plot spans the window');
    assert.equal(h.newest?.t, 11_000);
  });

  it('with a spacing, figures that stand still keep a point about every spacing and the newest', () => {
    const h = new FigureHistory(3_600_000, 1_000, 10_000);
    for (let t = 0; t <= 60_000; t += 2_000) h.add(point(t, 7));
    const kept = h.points(60_000).map((p) => p.t / 1000);
    assert.deepEqual(kept, [0, 8, 16, 24, 32, 40, 48, 56, 60]);
  });

  it('with a spacing, every change of the figures is kept', () => {
    const h = new FigureHistory(3_600_000, 1_000, 10_000);
    for (const [t, lag] of [
      [0, 0],
      [2_000, 70],
      [4_000, 70],
      [6_000, 105],
      [8_000, 65],
      [10_000, 65],
    ] as const) {
      h.add(point(t, lag));
    }
    assert.deepEqual(
      h.points(10_000).map((p) => [p.t / 1000, p.lag]),
      [
        [0, 0],
        [4, 70],
        [6, 105],
        [10, 65],
      ],
    );
  });

  it('reads every point back as it was added, optional figures absent or present', () => {
    const h = new FigureHistory(3_600_000, 1_000);
    const added: HistoryPoint[] = [
      { t: 1_000, lag: 0, replicas: 0, active: false, stalledPartitions: 0 },
      {
        t: 2_000,
        lag: 2 ** 53 - 1,
        timeLagSeconds: 0,
        arrivalRate: 1 / 3,
        drainRate: 0.1,
        replicas: 9e18,
        active: true,
        stalledPartitions: 12_345,
      },
      { t: 3_000, lag: 5, timeLagSeconds: 61.5, replicas: 1, active: true, stalledPartitions: 1 },
      { t: 4_000, lag: 5, arrivalRate: 0, drainRate: 0, replicas: 1, active: false, stalledPartitions: 0 },
    ];
    for (const p of added) h.add(p);
    assert.deepEqual(h.points(4_000), added);
    assert.deepEqual(h.newest, added.at(-1));
  });

  it('keeps the window and the limit through many points (storage grows and shrinks in place)', () => {
    const h = new FigureHistory(60_000, 20);
    for (let t = 0; t <= 600_000; t += 1_000) h.add(point(t));
    const kept = h.points(600_000).map((p) => p.t);
    assert.ok(kept.length <= 20, `${kept.length} points`);
    assert.ok(kept[0]! >= 540_000, `oldest ${kept[0]}`);
    assert.deepEqual(kept.slice(-5), [596_000, 597_000, 598_000, 599_000, 600_000]);
    assert.deepEqual(
      kept,
      [...kept].sort((a, b) => a - b),
      'oldest first',
    );
  });
});
