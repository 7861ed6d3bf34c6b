/**
 * Kafka's wire types for flexible message versions (KIP-482): compact
 * strings and arrays (length + 1 as an unsigned varint), tagged fields, and
 * the fixed-width integers. kafkajs 2.2.4 speaks no flexible version, so the
 * requests it lacks are encoded and decoded here, as plain bytes.
 */

export class Writer {
  #chunks: Buffer[] = [];

  int8(value: number): this {
    return this.#push(Buffer.from([value & 0xff]));
  }

  int16(value: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(value);
    return this.#push(b);
  }

  int32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    return this.#push(b);
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  uvarint(value: number): this {
    const bytes: number[] = [];
    let v = value >>> 0;
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
    return this.#push(Buffer.from(bytes));
  }

  compactString(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    return this.uvarint(bytes.length + 1).#push(bytes);
  }

  /** A compact array; `null` is the null array (length 0). */
  compactArray<T>(items: readonly T[] | null, write: (writer: this, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }

  /** An empty tagged-field section. */
  noTags(): this {
    return this.uvarint(0);
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  #push(buffer: Buffer): this {
    this.#chunks.push(buffer);
    return this;
  }
}

/** Reads a response; every read checks the bounds, so a short or garbled answer throws, never reads past the end. */
export class Reader {
  readonly #buffer: Buffer;
  #offset = 0;

  constructor(buffer: Buffer) {
    this.#buffer = buffer;
  }

  int16(): number {
    this.#need(2);
    const value = this.#buffer.readInt16BE(this.#offset);
    this.#offset += 2;
    return value;
  }

  int32(): number {
    this.#need(4);
    const value = this.#buffer.readInt32BE(this.#offset);
    this.#offset += 4;
    return value;
  }

  int64(): bigint {
    this.#need(8);
    const value = this.#buffer.readBigInt64BE(this.#offset);
    this.#offset += 8;
    return value;
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      this.#need(1);
      const byte = this.#buffer[this.#offset++]!;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw new Error('malformed varint in Kafka response');
  }

  compactString(): string {
    const length = this.uvarint() - 1;
    if (length < 0) throw new Error('unexpected null string in Kafka response');
    return this.#take(length).toString('utf8');
  }

  compactNullableString(): string | null {
    const length = this.uvarint() - 1;
    return length < 0 ? null : this.#take(length).toString('utf8');
  }

  compactArray<T>(read: (reader: this) => T): T[] {
    const length = this.uvarint() - 1;
    if (length < 0) return [];
    // Each item takes at least one byte: a larger count is a garbled answer.
    if (length > this.#buffer.length - this.#offset) throw new Error('array longer than the Kafka response');
    const items: T[] = [];
    for (let i = 0; i < length; i++) items.push(read(this));
    return items;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#buffer.length - this.#offset;
  }

  /** Skips a tagged-field section. */
  skipTags(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.#take(this.uvarint());
    }
  }

  #take(length: number): Buffer {
    this.#need(length);
    const slice = this.#buffer.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return slice;
  }

  #need(length: number): void {
    if (this.#offset + length > this.#buffer.length) throw new Error('Kafka response ended early');
  }
}
