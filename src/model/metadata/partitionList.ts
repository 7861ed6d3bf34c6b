/**
 * KEDA's `partitionLimitation` syntax: partition ids and inclusive ranges,
 * comma-separated, e.g. "1,2,10-20,31". Parsed to sorted, merged ranges, never
 * to a list of every id, so "0-2147483647" costs what "0" costs.
 */

/** Kafka partition ids are int32. */
export const MAX_PARTITION_ID = 2_147_483_647;
/** Ids and ranges in one list, at most. */
export const MAX_PARTITION_ITEMS = 1_000;

/** A set of partition ids as sorted, disjoint, non-adjacent inclusive ranges. */
export class PartitionRanges {
  readonly #ranges: ReadonlyArray<readonly [number, number]>;

  constructor(ranges: ReadonlyArray<readonly [number, number]>) {
    const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const [from, to] of sorted) {
      const last = merged[merged.length - 1];
      if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
      else merged.push([from, to]);
    }
    this.#ranges = merged;
  }

  /** Whether `id` is in the set (binary search). */
  has(id: number): boolean {
    let low = 0;
    let high = this.#ranges.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const [from, to] = this.#ranges[mid]!;
      if (id < from) high = mid - 1;
      else if (id > to) low = mid + 1;
      else return true;
    }
    return false;
  }

  get ranges(): ReadonlyArray<readonly [number, number]> {
    return this.#ranges;
  }

  /** KEDA's syntax, normalised: "0,2-4". */
  toString(): string {
    return this.#ranges.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(',');
  }
}

const SYNTAX = 'must be partition ids and ranges separated by commas, e.g. "1,2,10-20,31"';

/** Parses the list, or returns a problem phrase ("must be ..."). */
export function parsePartitionList(text: string): { value: PartitionRanges } | { problem: string } {
  const parts = text.split(',');
  if (parts.length > MAX_PARTITION_ITEMS) {
    return { problem: `has ${parts.length} items; at most ${MAX_PARTITION_ITEMS} ids and ranges are allowed` };
  }
  const ranges: Array<[number, number]> = [];
  for (const raw of parts) {
    const part = raw.trim();
    const match = /^(\d{1,10})(?:\s*-\s*(\d{1,10}))?$/.exec(part);
    if (!match) return { problem: SYNTAX };
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to > MAX_PARTITION_ID || from > MAX_PARTITION_ID) {
      return { problem: `has "${part}" beyond the largest partition id ${MAX_PARTITION_ID}` };
    }
    if (from > to) return { problem: `has a backwards range "${part}"; write ranges low-high, e.g. 10-20` };
    ranges.push([from, to]);
  }
  return { value: new PartitionRanges(ranges) };
}
