/**
 * A sample's partitions in columns: int64 values in a typed array instead of
 * an object per partition, so a poll history of hundreds of samples over
 * thousands of partitions costs 16 bytes per partition per sample (committed
 * and end offsets) rather than a row of objects and bigints. The samples of
 * one poller take their place in shared chunks (ColumnChunks), so a small
 * group does not pay a typed array per poll either. The partition list (the
 * layout) is shared by every sample that lists the same partitions, and a
 * sample whose values all equal the previous one's shares its columns whole
 * (an idle group costs a pointer per poll).
 *
 * Round trip: `PartitionColumns.of(rows).rows()` gives rows equal to `rows`.
 */
import { partitionKey, type PartitionOffsets } from './offsets.ts';

/** The partitions a sample lists, in its order. Shared between samples. */
export class PartitionLayout {
  readonly topics: readonly string[];
  readonly partitions: readonly number[];
  /** partitionKey of each. */
  readonly keys: readonly string[];
  readonly #index: ReadonlyMap<string, number>;

  constructor(rows: ReadonlyArray<{ readonly topic: string; readonly partition: number }>) {
    this.topics = rows.map((r) => r.topic);
    this.partitions = rows.map((r) => r.partition);
    this.keys = rows.map((r) => partitionKey(r.topic, r.partition));
    this.#index = new Map(this.keys.map((key, i) => [key, i]));
  }

  get size(): number {
    return this.keys.length;
  }

  /**
   * The place of a partition (by partitionKey), if listed; `hint` is tried
   * first (the samples of one poller list their partitions in one order).
   */
  indexOf(key: string, hint?: number): number | undefined {
    if (hint !== undefined && this.keys[hint] === key) return hint;
    return this.#index.get(key);
  }

  /** Whether `rows` list exactly these partitions in this order. */
  matches(rows: ReadonlyArray<{ readonly topic: string; readonly partition: number }>): boolean {
    if (rows.length !== this.keys.length) return false;
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]!.partition !== this.partitions[i] || rows[i]!.topic !== this.topics[i]) return false;
    }
    return true;
  }
}

/** No value (the broker gave none): below any offset Kafka uses (-1 is its smallest marker). */
const ABSENT = -(2n ** 63n);
/** Values of the dataPending column. */
const PENDING_UNKNOWN = 0n;
const PENDING = 1n;
const NOT_PENDING = 2n;

/** Entries (int64) in a chunk, at most: 256 KiB. A sample larger than half of it gets an array of its own. */
const MAX_CHUNK_ENTRIES = 32_768;
/** Samples in a poller's first chunk; each next chunk holds twice as many, up to MAX_CHUNK_SAMPLES. */
const FIRST_CHUNK_SAMPLES = 4;
const MAX_CHUNK_SAMPLES = 64;

/**
 * Where one poller's samples keep their values: chunks of a typed array,
 * each handed out a sample at a time and never reused, so a chunk is freed
 * once no sample in it is referenced. A poller that moves often fills
 * larger chunks; an idle one holds a small one.
 */
export class ColumnChunks {
  #chunk: BigInt64Array | undefined;
  #used = 0;
  #samples = FIRST_CHUNK_SAMPLES / 2;

  /** Room for `length` values: an array and the index they start at. */
  take(length: number): { readonly values: BigInt64Array; readonly base: number } {
    if (length * 2 > MAX_CHUNK_ENTRIES) return { values: new BigInt64Array(length), base: 0 };
    if (!this.#chunk || this.#used + length > this.#chunk.length) {
      this.#samples = Math.min(this.#samples * 2, MAX_CHUNK_SAMPLES);
      this.#chunk = new BigInt64Array(Math.min(length * this.#samples, MAX_CHUNK_ENTRIES));
      this.#used = 0;
    }
    const base = this.#used;
    this.#used += length;
    return { values: this.#chunk, base };
  }
}

/** The rarely set fields, kept per partition only where set. */
type Extras = Pick<PartitionOffsets, 'outOfRange' | 'committedTimestamp' | 'timestampAnchor'>;

/** Where each column starts in `values`, after `base`; -1: the column is not kept (no partition has a value). */
interface Segments {
  readonly start: number;
  readonly pending: number;
}

export class PartitionColumns {
  readonly layout: PartitionLayout;
  readonly #values: BigInt64Array;
  readonly #base: number;
  /** Where the start and dataPending columns begin after `base`; -1: not kept. */
  readonly #startAt: number;
  readonly #pendingAt: number;
  readonly #extras: ReadonlyMap<number, Extras> | undefined;

  private constructor(
    layout: PartitionLayout,
    values: BigInt64Array,
    base: number,
    segments: Segments,
    extras: ReadonlyMap<number, Extras> | undefined,
  ) {
    this.layout = layout;
    this.#values = values;
    this.#base = base;
    this.#startAt = segments.start;
    this.#pendingAt = segments.pending;
    this.#extras = extras;
  }

  /**
   * `rows` in columns, their values placed in `chunks` (a poller's; an array
   * of their own without). With `previous` (the same poller's last sample),
   * its layout is reused when the partitions are the same, and `previous`
   * itself is returned when every value is the same too.
   */
  static of(rows: readonly PartitionOffsets[], previous?: PartitionColumns, chunks?: ColumnChunks): PartitionColumns {
    const layout = previous?.layout.matches(rows) ? previous.layout : new PartitionLayout(rows);
    const n = rows.length;
    const hasStart = rows.some((r) => r.start !== undefined);
    const hasPending = rows.some((r) => r.dataPending !== undefined);
    const segments: Segments = { start: hasStart ? 2 * n : -1, pending: hasPending ? (hasStart ? 3 : 2) * n : -1 };
    let extras: Map<number, Extras> | undefined;
    rows.forEach((row, i) => {
      if (row.outOfRange !== undefined || row.committedTimestamp !== undefined || row.timestampAnchor !== undefined) {
        (extras ??= new Map()).set(i, {
          ...(row.outOfRange !== undefined && { outOfRange: row.outOfRange }),
          ...(row.committedTimestamp !== undefined && { committedTimestamp: row.committedTimestamp }),
          ...(row.timestampAnchor !== undefined && { timestampAnchor: row.timestampAnchor }),
        });
      }
    });
    const length = (2 + (hasStart ? 1 : 0) + (hasPending ? 1 : 0)) * n;
    if (previous && layout === previous.layout && previous.#holds(rows, segments, extras)) return previous;
    const { values, base } = chunks ? chunks.take(length) : { values: new BigInt64Array(length), base: 0 };
    rows.forEach((row, i) => {
      values[base + i] = row.committed;
      values[base + n + i] = row.end ?? ABSENT;
      if (hasStart) values[base + segments.start + i] = row.start ?? ABSENT;
      if (hasPending) {
        values[base + segments.pending + i] =
          row.dataPending === undefined ? PENDING_UNKNOWN : row.dataPending ? PENDING : NOT_PENDING;
      }
    });
    return new PartitionColumns(layout, values, base, segments, extras);
  }

  get size(): number {
    return this.layout.size;
  }

  /** The committed offset of partition `i` (NO_COMMIT where none). */
  committedAt(i: number): bigint {
    return this.#values[this.#base + i]!;
  }

  /** The end offset of partition `i`, if the broker returned one. */
  endAt(i: number): bigint | undefined {
    const end = this.#values[this.#base + this.size + i]!;
    return end === ABSENT ? undefined : end;
  }

  startAt(i: number): bigint | undefined {
    if (this.#startAt < 0) return undefined;
    const start = this.#values[this.#base + this.#startAt + i]!;
    return start === ABSENT ? undefined : start;
  }

  dataPendingAt(i: number): boolean | undefined {
    if (this.#pendingAt < 0) return undefined;
    const pending = this.#values[this.#base + this.#pendingAt + i]!;
    return pending === PENDING_UNKNOWN ? undefined : pending === PENDING;
  }

  /** Partition `i` as a row (a new object). */
  row(i: number): PartitionOffsets {
    const dataPending = this.dataPendingAt(i);
    return {
      topic: this.layout.topics[i]!,
      partition: this.layout.partitions[i]!,
      committed: this.committedAt(i),
      end: this.endAt(i),
      start: this.startAt(i),
      ...(dataPending !== undefined && { dataPending }),
      ...this.#extras?.get(i),
    };
  }

  /** Every partition as rows (new objects). */
  rows(): PartitionOffsets[] {
    return Array.from({ length: this.size }, (_, i) => this.row(i));
  }

  /** Bytes of values these columns hold (the layout and the chunk's free room not counted). */
  get bytes(): number {
    return (2 + (this.#startAt < 0 ? 0 : 1) + (this.#pendingAt < 0 ? 0 : 1)) * this.size * 8;
  }

  /** Whether these columns hold exactly `rows` (same layout assumed) kept as `segments` says. */
  #holds(
    rows: readonly PartitionOffsets[],
    segments: Segments,
    extras: ReadonlyMap<number, Extras> | undefined,
  ): boolean {
    if (segments.start < 0 !== this.#startAt < 0 || segments.pending < 0 !== this.#pendingAt < 0) {
      return false;
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (
        row.committed !== this.committedAt(i) ||
        row.end !== this.endAt(i) ||
        row.start !== this.startAt(i) ||
        row.dataPending !== this.dataPendingAt(i)
      ) {
        return false;
      }
    }
    return sameExtras(extras, this.#extras);
  }
}

function sameExtras(a: ReadonlyMap<number, Extras> | undefined, b: ReadonlyMap<number, Extras> | undefined): boolean {
  if ((a?.size ?? 0) !== (b?.size ?? 0)) return false;
  for (const [i, x] of a ?? []) {
    const y = b!.get(i);
    if (
      !y ||
      x.outOfRange !== y.outOfRange ||
      x.committedTimestamp !== y.committedTimestamp ||
      x.timestampAnchor?.offset !== y.timestampAnchor?.offset ||
      x.timestampAnchor?.timestamp !== y.timestampAnchor?.timestamp
    ) {
      return false;
    }
  }
  return true;
}
