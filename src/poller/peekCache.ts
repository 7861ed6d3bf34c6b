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

export interface TimestampAnchor {
  readonly offset: bigint;
  readonly timestamp: number;
  /** When it was read (epoch ms). */
  readonly at: number;
}

export class PeekCache {
  readonly #entries = new Map<string, Entry>();
  readonly #anchors = new Map<string, TimestampAnchor>();

  /** The last record timestamp read for a partition. */
  anchor(key: string): TimestampAnchor | undefined {
    return this.#anchors.get(key);
  }

  setAnchor(key: string, anchor: TimestampAnchor): void {
    this.#anchors.set(key, anchor);
  }

  /** A still-valid result for a look from `from` up to `end`, if any. */
  lookup(key: string, from: bigint, end: bigint): PeekResult | undefined {
    const entry = this.#entries.get(key);
    if (!entry || entry.from !== from) return undefined;
    if (entry.end === end) return entry.result;
    // More records arrived; data already found before the old end is still there.
    return entry.result.dataPending === true ? entry.result : undefined;
  }

  /** Remembers a result, unless it says nothing (a truncated read, an offset below the log start): that is asked again. */
  store(key: string, from: bigint, end: bigint, result: PeekResult): void {
    if (result.dataPending === undefined && result.firstDataTimestamp === undefined) {
      this.#entries.delete(key);
      return;
    }
    this.#entries.set(key, { from, end, result });
  }

  /** Forgets partitions that are no longer read. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#entries.keys()) if (!keys.has(key)) this.#entries.delete(key);
    for (const key of this.#anchors.keys()) if (!keys.has(key)) this.#anchors.delete(key);
  }
}
