/**
 * A trigger's recent figures, for the status page's plots: one point per
 * decision (or, while the figures stand still, about one per `spacingMs`), kept for `windowMs` (an hour by
 * default) and at most `maxPoints` (older points are thinned out first, never
 * the newest).
 */
import type { TriggerFigures } from './figures.ts';

export interface HistoryPoint extends TriggerFigures {
  /** When the decision was made (epoch ms). */
  readonly t: number;
}

export class FigureHistory {
  readonly #windowMs: number;
  readonly #maxPoints: number;
  readonly #spacingMs: number;
  #points: HistoryPoint[] = [];

  /**
   * @param spacingMs a new point with the same figures as the newest, closer
   *   than this to the one before the newest, replaces the newest instead of
   *   adding one: figures that stand still keep a point about every
   *   `spacingMs`, however often decisions are made; every change is kept.
   */
  constructor(windowMs = 3_600_000, maxPoints = 1_800, spacingMs = 0) {
    this.#windowMs = windowMs;
    this.#maxPoints = maxPoints;
    this.#spacingMs = spacingMs;
  }

  add(point: HistoryPoint): void {
    const last = this.#points.at(-1);
    if (last && point.t <= last.t) {
      if (point.t === last.t) this.#points[this.#points.length - 1] = point;
      return;
    }
    const beforeLast = this.#points.at(-2);
    if (last && beforeLast && point.t - beforeLast.t < this.#spacingMs && sameFigures(last, point)) {
      this.#points[this.#points.length - 1] = point;
      return;
    }
    this.#points.push(point);
    const cutoff = point.t - this.#windowMs;
    let drop = 0;
    while (drop < this.#points.length && this.#points[drop]!.t < cutoff) drop++;
    if (drop > 0) this.#points.splice(0, drop);
    if (this.#points.length > this.#maxPoints) {
      // Keep every other point of the older half: the plot keeps its shape, the newest stay exact.
      const half = Math.floor(this.#points.length / 2);
      this.#points = [...this.#points.slice(0, half).filter((_, i) => i % 2 === 0), ...this.#points.slice(half)];
    }
  }

  points(now: number): readonly HistoryPoint[] {
    const cutoff = now - this.#windowMs;
    return this.#points.filter((p) => p.t >= cutoff);
  }

  get newest(): HistoryPoint | undefined {
    return this.#points.at(-1);
  }
}

/** Whether two points show the same figures (their times aside). */
function sameFigures(a: HistoryPoint, b: HistoryPoint): boolean {
  const keys = Object.keys(a) as Array<keyof HistoryPoint>;
  return keys.length === Object.keys(b).length && keys.every((k) => k === 't' || a[k] === b[k]);
}
