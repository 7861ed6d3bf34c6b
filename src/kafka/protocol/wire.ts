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

  int64(value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(value);
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

  compactNullableString(value: string | null): this {
    return value === null ? this.uvarint(0) : this.compactString(value);
  }

  /** Raw bytes, as they are (a UUID, a struct written elsewhere). */
  raw(bytes: Buffer): this {
    return this.#push(bytes);
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

  int8(): number {
    this.#need(1);
    return this.#buffer.readInt8(this.#offset++);
  }

  bool(): boolean {
    return this.int8() !== 0;
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

  /**
   * A classic (non-flexible) string: int16 length, -1 for null. Java's
   * DataOutputStream.writeUTF writes the same length (unsigned) before its
   * bytes, which are UTF-8 for every topic name Kafka allows.
   */
  string16(): string | null {
    this.#need(2);
    const length = this.#buffer.readInt16BE(this.#offset);
    this.#offset += 2;
    return length < 0 ? null : this.#take(length).toString('utf8');
  }

  /** A classic (non-flexible) array: int32 count, -1 for null (read as empty). */
  array32<T>(read: (reader: this) => T): T[] {
    const length = this.int32();
    if (length < 0) return [];
    if (length > this.#buffer.length - this.#offset) throw new Error('array longer than the Kafka response');
    const items: T[] = [];
    for (let i = 0; i < length; i++) items.push(read(this));
    return items;
  }

  /** Classic (non-flexible) bytes: int32 length, -1 for null. */
  bytes32(): Buffer | null {
    const length = this.int32();
    return length < 0 ? null : this.#take(length);
  }

  /** Skips `length` bytes (a UUID, a field not needed). */
  skip(length: number): void {
    this.#take(length);
  }

  /**
   * A nullable struct of a flexible version: -1 for null, else 1 and the
   * struct; `read` reads the struct (its tagged fields included).
   */
  nullableStruct<T>(read: (reader: this) => T): T | null {
    return this.int8() < 0 ? null : read(this);
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
