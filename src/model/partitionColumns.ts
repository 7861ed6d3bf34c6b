/**
 * A sample's partitions in columns: int64 values in a typed array instead of
 * an object per partition, so a poll history of hundreds of samples over
 * thousands of partitions costs 16 bytes per partition per sample (committed
 * and end offsets) rather than a row of objects and bigints. What most
 * partitions lack (start offsets, peek results and record timestamps,
 * out-of-range offsets) is a column too, kept only in a sample where some
 * partition has it: no object per partition either way. The samples of
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
/** Samples in a poller's first chunk, and in any chunk at least; MAX_CHUNK_SAMPLES at most. */
const FIRST_CHUNK_SAMPLES = 4;
const MAX_CHUNK_SAMPLES = 64;
/**
 * How long a chunk should take to fill: the next chunk is sized by how fast
 * the last one filled, so a poller whose offsets move once in a while does
 * not hold a large chunk it fills over half an hour.
 */
const CHUNK_FILL_MS = 120_000;

/**
 * Where one poller's samples keep their values: chunks of a typed array,
 * each handed out a sample at a time and never reused, so a chunk is freed
 * once no sample in it is referenced. A poller that moves often fills
 * larger chunks (up to MAX_CHUNK_SAMPLES samples); one that moves seldom,
 * small ones: each chunk is sized to fill in about CHUNK_FILL_MS at the
 * pace the last one filled (doubling each time when the samples' times are
 * not given).
 */
export class ColumnChunks {
  #chunk: BigInt64Array | undefined;
  #used = 0;
  #samples = FIRST_CHUNK_SAMPLES / 2;
  /** When the current chunk's first sample was taken, if told. */
  #startedAt: number | undefined;

  /** Room for `length` values of a sample taken at `at` (epoch ms): an array and the index they start at. */
  take(length: number, at?: number): { readonly values: BigInt64Array; readonly base: number } {
    if (length * 2 > MAX_CHUNK_ENTRIES) return { values: new BigInt64Array(length), base: 0 };
    if (!this.#chunk || this.#used + length > this.#chunk.length) {
      this.#samples = this.#nextSamples(at);
      this.#chunk = new BigInt64Array(Math.min(length * this.#samples, MAX_CHUNK_ENTRIES));
      this.#used = 0;
      this.#startedAt = at;
    }
    const base = this.#used;
    this.#used += length;
    return { values: this.#chunk, base };
  }

  #nextSamples(at: number | undefined): number {
    const filledInMs = at !== undefined && this.#startedAt !== undefined ? at - this.#startedAt : undefined;
    const next =
      this.#chunk && filledInMs !== undefined
        ? Math.round((this.#samples * CHUNK_FILL_MS) / Math.max(1, filledInMs))
        : this.#samples * 2;
    return Math.max(FIRST_CHUNK_SAMPLES, Math.min(next, MAX_CHUNK_SAMPLES));
  }

  /** Values the current chunk has room for (for tests). */
  get capacity(): number {
    return this.#chunk?.length ?? 0;
  }
}

/**
 * The optional columns, each kept only when some partition of the sample has
 * a value (NONE where one has none); bit k of a sample's `present` says
 * whether column k is kept. Record timestamps are whole epoch milliseconds.
 */
const START = 0;
const PENDING_COLUMN = 1;
const OUT_OF_RANGE = 2;
const COMMITTED_TIMESTAMP = 3;
const ANCHOR_OFFSET = 4;
const ANCHOR_TIMESTAMP = 5;

const timestamp = (ms: number | undefined): bigint =>
  ms === undefined || !Number.isFinite(ms) ? ABSENT : BigInt(Math.round(ms));

/** A row's value in each optional column, in column order. */
const OPTIONAL: ReadonlyArray<(row: PartitionOffsets) => bigint> = [
  (row) => row.start ?? ABSENT,
  (row) => (row.dataPending === undefined ? PENDING_UNKNOWN : row.dataPending ? PENDING : NOT_PENDING),
  (row) => row.outOfRange ?? ABSENT,
  (row) => timestamp(row.committedTimestamp),
  (row) => row.timestampAnchor?.offset ?? ABSENT,
  (row) => timestamp(row.timestampAnchor?.timestamp),
];
/** Each optional column's value for a partition without one. */
const NONE: readonly bigint[] = [ABSENT, PENDING_UNKNOWN, ABSENT, ABSENT, ABSENT, ABSENT];

/** The number of bits set in `mask`. */
function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

export class PartitionColumns {
  readonly layout: PartitionLayout;
  readonly #values: BigInt64Array;
  readonly #base: number;
  /** Which optional columns are kept (bit k: column k), after committed and end offsets, in column order. */
  readonly #present: number;

  private constructor(layout: PartitionLayout, values: BigInt64Array, base: number, present: number) {
    this.layout = layout;
    this.#values = values;
    this.#base = base;
    this.#present = present;
  }

  /**
   * `rows` in columns, their values placed in `chunks` (a poller's; an array
   * of their own without), for a sample taken at `at`. With `previous` (the same poller's last sample),
   * its layout is reused when the partitions are the same, and `previous`
   * itself is returned when every value is the same too.
   */
  static of(
    rows: readonly PartitionOffsets[],
    previous?: PartitionColumns,
    chunks?: ColumnChunks,
    at?: number,
  ): PartitionColumns {
    const layout = previous?.layout.matches(rows) ? previous.layout : new PartitionLayout(rows);
    const n = rows.length;
    let present = 0;
    OPTIONAL.forEach((value, k) => {
      if (rows.some((row) => value(row) !== NONE[k])) present |= 1 << k;
    });
    if (previous && layout === previous.layout && previous.#holds(rows, present)) return previous;
    const length = (2 + bitCount(present)) * n;
    const { values, base } = chunks ? chunks.take(length, at) : { values: new BigInt64Array(length), base: 0 };
    rows.forEach((row, i) => {
      values[base + i] = row.committed;
      values[base + n + i] = row.end ?? ABSENT;
    });
    let column = base + 2 * n;
    OPTIONAL.forEach((value, k) => {
      if ((present & (1 << k)) === 0) return;
      rows.forEach((row, i) => (values[column + i] = value(row)));
      column += n;
    });
    return new PartitionColumns(layout, values, base, present);
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
    const start = this.#optional(START, i);
    return start === ABSENT ? undefined : start;
  }

  dataPendingAt(i: number): boolean | undefined {
    const pending = this.#optional(PENDING_COLUMN, i);
    return pending === PENDING_UNKNOWN ? undefined : pending === PENDING;
  }

  /** Partition `i` as a row (a new object). */
  row(i: number): PartitionOffsets {
    const dataPending = this.dataPendingAt(i);
    const outOfRange = this.#optional(OUT_OF_RANGE, i);
    const committedTimestamp = this.#optional(COMMITTED_TIMESTAMP, i);
    const anchorOffset = this.#optional(ANCHOR_OFFSET, i);
    return {
      topic: this.layout.topics[i]!,
      partition: this.layout.partitions[i]!,
      committed: this.committedAt(i),
      end: this.endAt(i),
      start: this.startAt(i),
      ...(dataPending !== undefined && { dataPending }),
      ...(outOfRange !== ABSENT && { outOfRange }),
      ...(committedTimestamp !== ABSENT && { committedTimestamp: Number(committedTimestamp) }),
      ...(anchorOffset !== ABSENT && {
        timestampAnchor: { offset: anchorOffset, timestamp: Number(this.#optional(ANCHOR_TIMESTAMP, i)) },
      }),
    };
  }

  /** Every partition as rows (new objects). */
  rows(): PartitionOffsets[] {
    return Array.from({ length: this.size }, (_, i) => this.row(i));
  }

  /** Bytes of values these columns hold (the layout and the chunk's free room not counted). */
  get bytes(): number {
    return (2 + bitCount(this.#present)) * this.size * 8;
  }

  /** Partition `i`'s value in optional column `k`; that column's NONE when it is not kept. */
  #optional(k: number, i: number): bigint {
    const bit = 1 << k;
    if ((this.#present & bit) === 0) return NONE[k]!;
    return this.#values[this.#base + (2 + bitCount(this.#present & (bit - 1))) * this.size + i]!;
  }

  /** Whether these columns hold exactly `rows` (same layout assumed) with the optional columns `present`. */
  #holds(rows: readonly PartitionOffsets[], present: number): boolean {
    if (present !== this.#present) return false;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (row.committed !== this.committedAt(i) || row.end !== this.endAt(i)) return false;
      for (let k = 0; k < OPTIONAL.length; k++) {
        if ((present & (1 << k)) !== 0 && OPTIONAL[k]!(row) !== this.#optional(k, i)) return false;
      }
    }
    return true;
  }
}
