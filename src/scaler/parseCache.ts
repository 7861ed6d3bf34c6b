/**
 * A least-recently-used cache bounded by bytes rather than entries: KEDA
 * sends the same metadata on every call, so parsed triggers are kept by their
 * metadata, but a map may be large, and the number of maps is up to whoever
 * writes ScaledObjects.
 */

/** What the parsed-metadata cache may keep, at most. */
export const CACHE_BYTES = 16 * 1024 * 1024;

export class ParseCache<V> {
  readonly #limit: number;
  readonly #entries = new Map<string, { readonly value: V; readonly bytes: number }>();
  #bytes = 0;

  constructor(limitBytes: number) {
    this.#limit = limitBytes;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` unless it alone is over the limit; drops the least recently used entries to make room. */
  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.#limit) return;
    while (this.#bytes + bytes > this.#limit) {
      const oldest = this.#entries.keys().next().value as string;
      this.delete(oldest);
    }
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }
}
