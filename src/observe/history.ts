/**
 * A trigger's recent figures, for the status page's plots: one point per
 * decision (or, while the figures stand still, about one per `spacingMs`), kept for `windowMs` (an hour by
 * default) and at most `maxPoints` (older points are thinned out first, never
 * the newest).
 *
 * Every tracked trigger keeps one, so the points live in one Float64Array
 * (seven numbers a point, 56 bytes) that grows as points come, instead of an
 * object per point (about 120 bytes): at 2,000 triggers an hour of busy
 * figures is ~80 MiB less heap. Points are made into objects only when read.
 */
import type { TriggerFigures } from './figures.ts';

export interface HistoryPoint extends TriggerFigures {
  /** When the decision was made (epoch ms). */
  readonly t: number;
}

/** A point's numbers, in this order; an optional figure that is absent is NaN. */
const T = 0;
const LAG = 1;
const TIME_LAG = 2;
const ARRIVAL = 3;
const DRAIN = 4;
const REPLICAS = 5;
/** stalledPartitions × 2, plus 1 when active. */
const STALLED_ACTIVE = 6;
const STRIDE = 7;
const FIRST_CAPACITY = 16;

const optional = (v: number | undefined): number => (v === undefined ? NaN : v);
const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

export class FigureHistory {
  readonly #windowMs: number;
  readonly #maxPoints: number;
  readonly #spacingMs: number;
  #values = new Float64Array(0);
  #length = 0;

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
    const n = this.#length;
    if (n > 0 && point.t <= this.#at(n - 1, T)) {
      if (point.t === this.#at(n - 1, T)) this.#write(n - 1, point);
      return;
    }
    if (n > 1 && point.t - this.#at(n - 2, T) < this.#spacingMs && this.#sameFigures(n - 1, point)) {
      this.#write(n - 1, point);
      return;
    }
    this.#append(point);
    const cutoff = point.t - this.#windowMs;
    let drop = 0;
    while (drop < this.#length && this.#at(drop, T) < cutoff) drop++;
    if (drop > 0) this.#keep((i) => i >= drop);
    if (this.#length > this.#maxPoints) {
      // Keep every other point of the older half: the plot keeps its shape, the newest stay exact.
      const half = Math.floor(this.#length / 2);
      this.#keep((i) => i >= half || i % 2 === 0);
    }
  }

  points(now: number): readonly HistoryPoint[] {
    const cutoff = now - this.#windowMs;
    const out: HistoryPoint[] = [];
    for (let i = 0; i < this.#length; i++) if (this.#at(i, T) >= cutoff) out.push(this.#point(i));
    return out;
  }

  get newest(): HistoryPoint | undefined {
    return this.#length > 0 ? this.#point(this.#length - 1) : undefined;
  }

  #at(i: number, field: number): number {
    return this.#values[i * STRIDE + field]!;
  }

  #append(point: HistoryPoint): void {
    if ((this.#length + 1) * STRIDE > this.#values.length) {
      // One more than maxPoints: a point is added before the history is thinned.
      const capacity = Math.min(Math.max(FIRST_CAPACITY, this.#length * 2), this.#maxPoints + 1);
      const grown = new Float64Array(Math.max(capacity, this.#length + 1) * STRIDE);
      grown.set(this.#values.subarray(0, this.#length * STRIDE));
      this.#values = grown;
    }
    this.#write(this.#length++, point);
  }

  #write(i: number, p: HistoryPoint): void {
    this.#values.set(
      [
        p.t,
        p.lag,
        optional(p.timeLagSeconds),
        optional(p.arrivalRate),
        optional(p.drainRate),
        p.replicas,
        p.stalledPartitions * 2 + (p.active ? 1 : 0),
      ],
      i * STRIDE,
    );
  }

  /** Keeps the points `keep` accepts (by index), in order. */
  #keep(keep: (i: number) => boolean): void {
    let kept = 0;
    for (let i = 0; i < this.#length; i++) {
      if (!keep(i)) continue;
      if (kept !== i) this.#values.copyWithin(kept * STRIDE, i * STRIDE, (i + 1) * STRIDE);
      kept++;
    }
    this.#length = kept;
  }

  #point(i: number): HistoryPoint {
    const timeLag = this.#at(i, TIME_LAG);
    const arrival = this.#at(i, ARRIVAL);
    const drain = this.#at(i, DRAIN);
    const stalledActive = this.#at(i, STALLED_ACTIVE);
    return {
      t: this.#at(i, T),
      lag: this.#at(i, LAG),
      ...(Number.isNaN(timeLag) ? {} : { timeLagSeconds: timeLag }),
      ...(Number.isNaN(arrival) ? {} : { arrivalRate: arrival }),
      ...(Number.isNaN(drain) ? {} : { drainRate: drain }),
      replicas: this.#at(i, REPLICAS),
      active: stalledActive % 2 === 1,
      stalledPartitions: Math.floor(stalledActive / 2),
    };
  }

  /** Whether point `i` shows the same figures as `p` (their times aside). */
  #sameFigures(i: number, p: HistoryPoint): boolean {
    return (
      same(this.#at(i, LAG), p.lag) &&
      same(this.#at(i, TIME_LAG), optional(p.timeLagSeconds)) &&
      same(this.#at(i, ARRIVAL), optional(p.arrivalRate)) &&
      same(this.#at(i, DRAIN), optional(p.drainRate)) &&
      same(this.#at(i, REPLICAS), p.replicas) &&
      this.#at(i, STALLED_ACTIVE) === p.stalledPartitions * 2 + (p.active ? 1 : 0)
    );
  }
}
