/**
 * KEDA's `partitionLimitation` syntax: partition ids and inclusive ranges,
 * comma-separated, e.g. "1,2,10-20,31".
 */

/** Parses the list; returns a sorted set of partition ids, or a problem phrase. */
export function parsePartitionList(text: string): { value: ReadonlySet<number> } | { problem: string } {
  const ids = new Set<number>();
  for (const part of text.split(',').map((s) => s.trim())) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (from > to) return { problem: `has a backwards range "${part}"; write ranges low-high, e.g. 10-20` };
      if (to - from > 100_000) return { problem: `has a range "${part}" wider than 100000 partitions` };
      for (let id = from; id <= to; id++) ids.add(id);
    } else if (/^\d+$/.test(part)) {
      ids.add(Number(part));
    } else {
      return { problem: `must be partition ids and ranges separated by commas, e.g. "1,2,10-20,31"` };
    }
  }
  return { value: ids };
}
