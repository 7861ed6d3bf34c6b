/**
 * Kafka's classic (non-flexible) encodings as the Java clients write them,
 * for unit tests of the decoders: the consumer protocol's member assignment
 * and Kafka Streams' AssignmentInfo.
 */
import type { StreamsTask } from '../../src/kafka/protocol/memberAssignment.ts';

/** Big-endian writer for the classic (non-flexible) encodings Kafka Streams and the consumer protocol use. */
export class Classic {
  readonly #parts: Buffer[] = [];
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.#push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.#push(b);
  }
  int64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return this.#push(b);
  }
  utf(s: string): this {
    return this.int16(Buffer.byteLength(s)).#push(Buffer.from(s));
  }
  chars(s: string): this {
    for (const c of s) this.int16(c.charCodeAt(0));
    return this;
  }
  bytes(b: Buffer | null): this {
    return b === null ? this.int32(-1) : this.int32(b.length).#push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.#parts);
  }
  #push(b: Buffer): this {
    this.#parts.push(b);
    return this;
  }
}

/** AssignmentInfo as Kafka Streams writes it, up to and past the active tasks. */
export function assignmentInfo(version: number, tasks: readonly StreamsTask[]): Buffer {
  const w = new Classic().int32(version);
  if (version >= 3) w.int32(version);
  w.int32(tasks.length);
  for (const t of tasks) {
    w.int32(t.subTopology).int32(t.partition);
    if (version >= 10) w.int32(t.namedTopology?.length ?? 0).chars(t.namedTopology ?? '');
  }
  // What follows the active tasks (standbys, hosts, error code, next rebalance) is never read.
  w.int32(0).int32(0).int32(0).int32(0).int32(0);
  if (version >= 7) w.int64(9_223_372_036_854_775_807n);
  return w.done();
}

export function consumerAssignment(
  byTopic: ReadonlyArray<[string, number[]]>,
  userData: Buffer | null,
  version = 3,
): Buffer {
  const w = new Classic().int16(version).int32(byTopic.length);
  for (const [topic, partitions] of byTopic) {
    w.utf(topic).int32(partitions.length);
    for (const p of partitions) w.int32(p);
  }
  return w.bytes(userData).done();
}
