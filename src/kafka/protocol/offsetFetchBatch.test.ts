import assert from 'node:assert/strict';
import { decodeOffsetFetchBatch, encodeOffsetFetchBatch } from './offsetFetchBatch.ts';
import { Reader, Writer } from './wire.ts';

describe('OffsetFetch v8 (many groups in one request)', () => {
  it('encodes groups, topics (or null for every topic) and partitions as compact arrays', () => {
    const body = encodeOffsetFetchBatch([
      { groupId: 'g1', topics: [{ topic: 't', partitions: [0, 2] }] },
      { groupId: 'g2', topics: null },
    ]);
    const expected = Buffer.from([
      3, // two groups
      3,
      0x67,
      0x31, // "g1"
      2, // one topic
      2,
      0x74, // "t"
      3,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      2, // partitions [0, 2]
      0, // topic tags
      0, // group tags
      3,
      0x67,
      0x32, // "g2"
      0, // topics: null
      0, // group tags
      0, // requireStable false
      0, // request tags
    ]);
    assert.deepEqual(body, expected);
  });

  it('decodes committed offsets and error codes per group and partition', () => {
    const response = new Writer()
      .int32(0)
      .compactArray(
        [
          {
            groupId: 'g1',
            error: 0,
            rows: [
              [0, 5n, 0],
              [1, -1n, 0],
            ] as Array<[number, bigint, number]>,
          },
          { groupId: 'g2', error: 16, rows: [] as Array<[number, bigint, number]> },
        ],
        (w, g) => {
          w.compactString(g.groupId)
            .compactArray(g.rows.length > 0 ? [g.rows] : [], (wt, rows) => {
              wt.compactString('orders')
                .compactArray(rows, (wp, [partition, offset, error]) => {
                  const b = Buffer.alloc(8);
                  b.writeBigInt64BE(offset);
                  wp.int32(partition)
                    .int32(b.readInt32BE(0))
                    .int32(b.readInt32BE(4))
                    .int32(-1)
                    .uvarint(0)
                    .int16(error)
                    .noTags();
                })
                .noTags();
            })
            .int16(g.error)
            .noTags();
        },
      )
      .noTags()
      .bytes();
    assert.deepEqual(decodeOffsetFetchBatch(response), [
      {
        groupId: 'g1',
        errorCode: 0,
        partitions: [
          { topic: 'orders', partition: 0, offset: 5n, errorCode: 0 },
          { topic: 'orders', partition: 1, offset: -1n, errorCode: 0 },
        ],
      },
      { groupId: 'g2', errorCode: 16, partitions: [] },
    ]);
  });

  const garbled = [
    { name: 'empty', bytes: Buffer.alloc(0) },
    { name: 'cut inside the group list', bytes: Buffer.from([0, 0, 0, 0, 3, 3, 0x67]) },
    { name: 'an array longer than the answer', bytes: Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0x03]) },
    { name: 'a varint that never ends', bytes: Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) },
  ];
  for (const c of garbled) {
    it(`a garbled answer throws, never reads past the end: ${c.name}`, () => {
      assert.throws(() => decodeOffsetFetchBatch(c.bytes), /Kafka response|varint/);
    });
  }

  it('reads back what it writes: varints, strings, tags', () => {
    const bytes = new Writer().uvarint(300).compactString('héllo').uvarint(0).bytes();
    const r = new Reader(bytes);
    assert.equal(r.uvarint(), 300);
    assert.equal(r.compactString(), 'héllo');
    r.skipTags();
    assert.equal(r.remaining, 0);
  });
});
