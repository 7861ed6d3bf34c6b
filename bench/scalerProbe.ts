/**
 * What the benchmarks read off a running scaler process from the outside:
 * its /proc figures (RSS, CPU ticks) and its Prometheus exposition on the
 * HTTP port's /metrics, parsed into plain numbers.
 */
import { readFileSync } from 'node:fs';

/** Resident set size of `pid` in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** User + system CPU ticks (1/100 s) `pid` has used. */
export function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The 1, 5 and 15-minute load averages, as `uptime` prints them. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** One exposition: every sample by its full series text (`name{labels}`), and sums by metric name. */
export class Exposition {
  readonly #series = new Map<string, number>();

  constructor(text: string) {
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      const value = Number(line.slice(space + 1));
      if (Number.isFinite(value)) this.#series.set(line.slice(0, space), value);
    }
  }

  /** The sample of a series without labels, or the sum over every series of `name` whose labels contain `having`. */
  sum(name: string, having = ''): number | undefined {
    let total: number | undefined;
    for (const [series, value] of this.#series) {
      const brace = series.indexOf('{');
      const metric = brace === -1 ? series : series.slice(0, brace);
      if (metric !== name || (having !== '' && !series.includes(having))) continue;
      total = (total ?? 0) + value;
    }
    return total;
  }

  /** Cumulative bucket counts of a histogram (summed over its other labels), by upper bound. */
  buckets(name: string, having = ''): Map<number, number> {
    const out = new Map<number, number>();
    for (const [series, value] of this.#series) {
      if (!series.startsWith(`${name}_bucket{`) || (having !== '' && !series.includes(having))) continue;
      const le = /le="([^"]+)"/.exec(series)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      out.set(bound, (out.get(bound) ?? 0) + value);
    }
    return new Map([...out].sort((a, b) => a[0] - b[0]));
  }
}

export async function scrape(httpPort: number): Promise<Exposition> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`, { signal: AbortSignal.timeout(20_000) });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return new Exposition(await response.text());
}

/** The smallest bucket bound that holds every observation made between two expositions (undefined: none made). */
export function slowestBucket(before: Map<number, number>, after: Map<number, number>): number | undefined {
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return undefined;
  for (const [bound, count] of after) {
    if (count - (before.get(bound) ?? 0) >= total) return bound;
  }
  return Infinity;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** The smallest bucket bound under which at least `q` of the observations made between two expositions fall. */
export function quantileBucket(before: Map<number, number>, after: Map<number, number>, q: number): number | undefined {
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return undefined;
  for (const [bound, count] of after) {
    if (count - (before.get(bound) ?? 0) >= q * total) return bound;
  }
  return Infinity;
}
