/**
 * Remembers peeks (see KafkaReader.peek) so a partition is looked at again
 * only when its committed offset or end offset moved: an idle exactly-once
 * app costs one Fetch, not one per poll.
 */
import type { PeekResult } from '../kafka/kafkaReader.ts';

interface Entry {
  readonly from: bigint;
  readonly end: bigint;
  readonly result: PeekResult;
}

export class PeekCache {
  readonly #entries = new Map<string, Entry>();

  /** A still-valid result for a look from `from` up to `end`, if any. */
  lookup(key: string, from: bigint, end: bigint): PeekResult | undefined {
    const entry = this.#entries.get(key);
    if (!entry || entry.from !== from) return undefined;
    if (entry.end === end) return entry.result;
    // More records arrived; data already found before the old end is still there.
    return entry.result.dataPending === true ? entry.result : undefined;
  }

  store(key: string, from: bigint, end: bigint, result: PeekResult): void {
    this.#entries.set(key, { from, end, result });
  }

  /** Forgets partitions that are no longer read. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#entries.keys()) if (!keys.has(key)) this.#entries.delete(key);
  }
}
