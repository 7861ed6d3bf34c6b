/**
 * Garbled bytes for the decoders of what brokers and group members write:
 * truncated, bit-flipped and random buffers, and huge declared lengths and
 * counts. Each decoder returns or throws an Error, quickly, and what it
 * returns is never larger than the bytes it read can carry. Seeded, so a
 * failure repeats.
 */
import assert from 'node:assert/strict';
import { Classic, assignmentInfo, consumerAssignment } from '../../../test/support/kafkaBytes.ts';
import { classicDescription, streamsGroupDescription } from '../groupDescriptions.ts';
import {
  decodeConsumerGroupDescribe,
  decodeStreamsGroupDescribe,
  type DescribedStreamsGroup,
} from './groupDescribe.ts';
import { decodeConsumerAssignment, decodeStreamsAssignmentInfo } from './memberAssignment.ts';
import { Writer } from './wire.ts';

/** mulberry32: a small deterministic generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ITERATIONS = 1_000;
/** Far above what a decode of a few hundred bytes takes; a loop over a declared count of 2^31 takes far longer. */
const QUICK_MS = 250;

function consumerGroupAnswer(): Buffer {
  const assignment = (w: Writer): void => {
    w.compactArray([['orders', [0, 1, 2]] as const], (wt, [topic, partitions]) => {
      wt.raw(Buffer.alloc(16, 7))
        .compactString(topic)
        .compactArray(partitions, (wp, p) => void wp.int32(p))
        .noTags();
    }).noTags();
  };
  const w = new Writer().int32(0);
  w.compactArray(['g1', 'g2'], (wg, id) => {
    wg.int16(0).compactNullableString(null).compactString(id).compactString('Stable').int32(3).int32(3);
    wg.compactString('uniform');
    wg.compactArray(['m1', 'm2'], (wm, memberId) => {
      wm.compactString(memberId).compactNullableString(null).compactNullableString('rack').int32(3);
      wm.compactString('consumer-1').compactString('/10.0.0.1');
      wm.compactArray(['orders'], (ws, t) => void ws.compactString(t)).compactNullableString(null);
      assignment(wm);
      assignment(wm);
      wm.noTags();
    });
    wg.int32(0).noTags();
  });
  return w.noTags().bytes();
}

function streamsGroupAnswer(): Buffer {
  const tasks = (w: Writer, list: ReadonlyArray<readonly [string, readonly number[]]>): void => {
    w.compactArray(list, (wt, [sub, partitions]) => {
      wt.compactString(sub)
        .compactArray(partitions, (wp, p) => void wp.int32(p))
        .noTags();
    });
  };
  const topicInfo = (w: Writer, name: string): void => {
    w.compactString(name)
      .int32(4)
      .int16(1)
      .compactArray([['k', 'v']], (wk, [k, v]) => void wk.compactString(k!).compactString(v!).noTags())
      .noTags();
  };
  const w = new Writer().int32(0);
  w.compactArray(['app'], (wg, id) => {
    wg.int16(0).compactNullableString(null).compactString(id).compactString('Stable').int32(5).int32(5);
    wg.int8(1).int32(1);
    wg.compactArray(['0', '1'], (ws, sub) => {
      ws.compactString(sub)
        .compactArray(sub === '0' ? ['left', 'right'] : [], (wt, t) => void wt.compactString(t))
        .compactArray(['app-rep'], (wt, t) => void wt.compactString(t))
        .compactArray(['app-changelog'], topicInfo)
        .compactArray(sub === '1' ? ['app-rep'] : [], topicInfo)
        .noTags();
    }).noTags();
    wg.compactArray(['a', 'b'], (wm, memberId) => {
      wm.compactString(memberId).int32(5).compactNullableString(null).compactNullableString(null);
      wm.compactString('app-StreamThread-1-consumer').compactString('/10.0.0.1').int32(1).compactString('p-1');
      wm.int8(1)
        .compactString('localhost')
        .raw(Buffer.from([0x1f, 0x90]))
        .noTags();
      wm.compactArray([['zone', 'a']], (wk, [k, v]) => void wk.compactString(k!).compactString(v!).noTags());
      for (let n = 0; n < 2; n++)
        wm.compactArray([['0', 1]] as const, (wo, [s, p]) => void wo.compactString(s).int32(p).int64(1n).noTags());
      for (let n = 0; n < 2; n++) {
        tasks(wm, [
          ['0', [0, 1]],
          ['1', [2, 3]],
        ]);
        tasks(wm, [['1', [0]]]);
        tasks(wm, []);
        wm.noTags();
      }
      wm.bool(false).noTags();
    });
    wg.int32(0).noTags();
  });
  return w.noTags().bytes();
}

const streamsAssignment = (): Buffer =>
  consumerAssignment(
    [
      ['left', [0, 1]],
      ['right', [0, 1]],
    ],
    assignmentInfo(11, [
      { subTopology: 0, partition: 0 },
      { subTopology: 0, partition: 1, namedTopology: 'named' },
      { subTopology: 0, partition: 0 },
      { subTopology: 0, partition: 1 },
    ]),
  );

/** Every value a decode returns, counted: arrays, their items and the fields of objects. */
function size(value: unknown, seen = 0): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + size(v), 1 + seen);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value))
    return Object.values(value).reduce((n: number, v) => n + size(v), 1 + seen);
  return 1 + seen;
}

/** Runs `decode`: it returns (what it returns is bounded by the input) or throws an Error, quickly. */
function survives(name: string, bytes: Buffer, decode: (b: Buffer) => unknown): void {
  const started = performance.now();
  let out: unknown;
  try {
    out = decode(bytes);
  } catch (err) {
    assert.ok(err instanceof Error, `${name}: threw ${String(err)}, not an Error`);
    return;
  } finally {
    const took = performance.now() - started;
    assert.ok(took < QUICK_MS, `${name}: took ${took.toFixed(0)} ms on ${bytes.length} bytes`);
  }
  // A decoded value costs bytes: a few values per byte at most (a 4-byte partition number is one object of 2).
  assert.ok(size(out) <= 8 * bytes.length + 64, `${name}: ${size(out)} values from ${bytes.length} bytes`);
}

const decoders: ReadonlyArray<readonly [string, () => Buffer, (b: Buffer) => unknown]> = [
  ['decodeConsumerAssignment', streamsAssignment, decodeConsumerAssignment],
  [
    'decodeStreamsAssignmentInfo',
    () => decodeConsumerAssignment(streamsAssignment()).userData!,
    decodeStreamsAssignmentInfo,
  ],
  ['decodeConsumerGroupDescribe', consumerGroupAnswer, decodeConsumerGroupDescribe],
  ['decodeStreamsGroupDescribe', streamsGroupAnswer, decodeStreamsGroupDescribe],
  [
    'classicDescription',
    streamsAssignment,
    (b) =>
      classicDescription({
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'stream',
        members: [{ memberId: 'm', clientId: 'c', memberAssignment: b }],
      }),
  ],
  ['streamsGroupDescription', streamsGroupAnswer, (b) => decodeStreamsGroupDescribe(b).map(streamsGroupDescription)],
];

describe('decoders fuzzed with garbled bytes', function () {
  // Thousands of buffers per decoder: seconds of CPU, many more on a busy machine. Not a timing test.
  this.timeout(120_000);
  for (const [name, seed, decode] of decoders) {
    it(`${name}: the seed decodes`, () => {
      assert.doesNotThrow(() => decode(seed()));
    });

    it(`${name}: every truncation returns or throws an Error, quickly`, () => {
      const bytes = seed();
      for (let n = 0; n < bytes.length; n++) survives(`${name} cut to ${n}`, bytes.subarray(0, n), decode);
    });

    it(`${name}: ${ITERATIONS} bit-flipped and byte-overwritten buffers`, () => {
      const next = random(0xc0ffee ^ name.length);
      const original = seed();
      for (let i = 0; i < ITERATIONS; i++) {
        const bytes = Buffer.from(original);
        const flips = 1 + Math.floor(next() * 4);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(next() * bytes.length);
          if (next() < 0.5) bytes[at]! ^= 1 << Math.floor(next() * 8);
          else bytes[at] = next() < 0.5 ? 0xff : Math.floor(next() * 256);
        }
        survives(`${name} mutation ${i}`, bytes, decode);
      }
    });

    it(`${name}: huge declared lengths and counts at every offset`, () => {
      const original = seed();
      const huge = [
        Buffer.from([0x7f, 0xff, 0xff, 0xff]), // int32 count / length 2^31 - 1
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), // uvarint 2^32 - 1
        Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]), // uvarint 2^31
        Buffer.from([0x7f, 0xff]), // int16 length 32767
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // a varint too long
      ];
      for (const h of huge) {
        for (let at = 0; at + h.length <= original.length; at++) {
          const bytes = Buffer.from(original);
          h.copy(bytes, at);
          survives(`${name} ${h.toString('hex')} at ${at}`, bytes, decode);
        }
      }
    });

    it(`${name}: ${ITERATIONS} random buffers`, () => {
      const next = random(0xbadf00d ^ name.length);
      for (let i = 0; i < ITERATIONS; i++) {
        const bytes = Buffer.alloc(Math.floor(next() * 300));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(next() * 256);
        survives(`${name} random ${i}`, bytes, decode);
      }
    });
  }

  it('a named topology of many characters is reported, not a crash', () => {
    const chars = 200_000;
    const w = new Classic().int32(10).int32(10).int32(1).int32(0).int32(0).int32(chars);
    const info = Buffer.concat([w.done(), Buffer.alloc(chars * 2, 0x41)]);
    const decoded = decodeStreamsAssignmentInfo(info);
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.problem);
    assert.equal(decoded.activeTasks[0]!.namedTopology!.length, chars);
  });

  it('a streams group whose tasks would spread over more partitions than a cluster has is reported, not expanded', () => {
    // One sub-topology reading 1,100 topics, one member with 1,000 of its partitions: 1.1 million member
    // partitions from a 20 kB answer. A broker (or garbled bytes) sending a few more would exhaust the memory.
    const inputs = Array.from({ length: 1_100 }, (_, i) => `t${i}`);
    const group: DescribedStreamsGroup = {
      groupId: 'app',
      errorCode: 0,
      errorMessage: null,
      state: 'Stable',
      groupEpoch: 1,
      assignmentEpoch: 1,
      topology: { epoch: 1, subTopologies: [{ id: '0', sourceTopics: inputs, repartitionSourceTopics: [] }] },
      members: [
        {
          memberId: 'm',
          clientId: 'c',
          memberEpoch: 1,
          processId: 'p',
          activeTasks: [{ subTopology: '0', partitions: Array.from({ length: 1_000 }, (_, i) => i) }],
        },
      ],
    };
    const started = performance.now();
    const d = streamsGroupDescription(group);
    const spread = d.members.reduce((n, m) => n + (m.partitions?.length ?? 0), 0);
    assert.ok(spread <= 1_000_000, `${spread} member partitions`);
    assert.match(d.assignmentProblem ?? '', /more than 1000000 partitions/);
    assert.deepEqual(d.topology?.length, 1, 'the registered topology is still reported');
    assert.ok(performance.now() - started < 2_000);
  });
});
