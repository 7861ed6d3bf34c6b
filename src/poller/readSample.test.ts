import assert from 'node:assert/strict';
import { MemoryKafka } from '../kafka/memoryKafka.ts';
import { NO_COMMIT, partitionKey } from '../model/sample.ts';
import { PeekCache } from './peekCache.ts';
import { readSample, type SampleContext, toGroupInfo } from './readSample.ts';

describe('reading one sample', () => {
  it('reads committed offsets before end offsets, and start offsets only for uncommitted partitions', async () => {
    const kafka = new MemoryKafka()
      .createTopic('orders', 3)
      .produce('orders', 0, 10)
      .produce('orders', 1, 5)
      .commit('g', 'orders', 0, 4);
    kafka.truncate('orders', 1, 2);
    const sample = await readSample(kafka, { groupId: 'g', topics: ['orders'] }, 7, 1000);
    assert.deepEqual(kafka.requests, [
      'Metadata',
      'OffsetFetch',
      'DescribeGroups',
      'ListOffsets(latest)',
      'ListOffsets(earliest)',
    ]);
    assert.equal(sample.seq, 7);
    assert.equal(sample.at, 1000);
    assert.deepEqual(
      sample.partitions.map((p) => [p.partition, p.committed, p.end, p.start]),
      [
        [0, 4n, 10n, undefined],
        [1, NO_COMMIT, 5n, 2n],
        [2, NO_COMMIT, 0n, 0n],
      ],
    );
  });

  it('sends no start-offset request when every partition has a commit', async () => {
    const kafka = new MemoryKafka().createTopic('t', 2).commit('g', 't', 0, 0).commit('g', 't', 1, 0);
    await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0);
    assert.deepEqual(kafka.requests, ['Metadata', 'OffsetFetch', 'DescribeGroups', 'ListOffsets(latest)']);
  });

  it('a committed offset beyond the log end (truncated log) reads as uncommitted, keeping the offset it had', async () => {
    const kafka = new MemoryKafka()
      .createTopic('t', 2)
      .produce('t', 0, 100)
      .produce('t', 1, 100)
      .commit('g', 't', 0, 1100)
      .commit('g', 't', 1, 40);
    kafka.truncate('t', 0, 30);
    const sample = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0);
    assert.deepEqual(kafka.requests, [
      'Metadata',
      'OffsetFetch',
      'DescribeGroups',
      'ListOffsets(latest)',
      'ListOffsets(latest, uncommitted)',
      'ListOffsets(earliest)',
    ]);
    assert.deepEqual(
      sample.partitions.map((p) => [p.partition, p.committed, p.end, p.start, p.outOfRange]),
      [
        [0, NO_COMMIT, 100n, 30n, 1100n],
        [1, 40n, 100n, undefined, undefined],
      ],
    );
  });

  it('topic-less: only topics the group committed to, with all their partitions', async () => {
    const kafka = new MemoryKafka()
      .createTopic('a', 2)
      .createTopic('unrelated', 4)
      .produce('unrelated', 0, 1000)
      .commit('g', 'a', 1, 0);
    const sample = await readSample(kafka, { groupId: 'g', topics: undefined }, 1, 0);
    assert.deepEqual(
      sample.partitions.map((p) => [p.topic, p.partition, p.committed]),
      [
        ['a', 0, NO_COMMIT],
        ['a', 1, 0n],
      ],
    );
  });

  it('topic-less with no commits: no partitions at all, not every topic (kedacore/keda#8104)', async () => {
    const kafka = new MemoryKafka().createTopic('unrelated', 4).produce('unrelated', 0, 1000);
    const sample = await readSample(kafka, { groupId: 'g', topics: undefined }, 1, 0);
    assert.deepEqual(sample.partitions, []);
    assert.deepEqual(kafka.requests, ['OffsetFetch', 'DescribeGroups']);
  });

  it('topic-less: a committed topic that was since deleted is left out', async () => {
    const kafka = new MemoryKafka()
      .createTopic('a', 1)
      .createTopic('gone', 1)
      .commit('g', 'a', 0, 0)
      .commit('g', 'gone', 0, 3);
    kafka.deleteTopic('gone');
    const sample = await readSample(kafka, { groupId: 'g', topics: undefined }, 1, 0);
    assert.deepEqual(
      sample.partitions.map((p) => p.topic),
      ['a'],
    );
  });

  it('a named topic that does not exist fails with TOPIC_NOT_FOUND', async () => {
    const kafka = new MemoryKafka();
    await assert.rejects(readSample(kafka, { groupId: 'g', topics: ['nope'] }, 1, 0), {
      code: 'TOPIC_NOT_FOUND',
      message: /topic "nope" does not exist/,
    });
  });
});

describe('reading one sample: group, transaction markers and record timestamps', () => {
  const context = (extra: Partial<SampleContext> = {}): SampleContext => ({
    peeks: new PeekCache(),
    timestamps: false,
    oldestEnds: new Map(),
    ...extra,
  });

  it("counts Kafka Streams instances from the members' client ids", () => {
    const group = toGroupInfo({
      state: 'Stable',
      members: [
        { memberId: 'b', clientId: 'wc-2f1c-StreamThread-1-consumer' },
        { memberId: 'a', clientId: 'wc-2f1c-StreamThread-2-consumer' },
        { memberId: 'c', clientId: 'wc-9d0e-StreamThread-1-consumer' },
      ],
    });
    assert.deepEqual(group, { state: 'Stable', members: 3, instances: 2, memberIds: ['a', 'b', 'c'] });
    assert.equal(
      toGroupInfo({ state: 'Stable', members: [{ memberId: 'x', clientId: 'plain-consumer' }] }).instances,
      undefined,
    );
    // Three pods of two threads that all set the same client.id: three processes, not one.
    const constant = toGroupInfo({
      state: 'Stable',
      members: ['a', 'b', 'c', 'd', 'e', 'f'].map((memberId, i) => ({
        memberId,
        clientId: `orders-StreamThread-${(i % 2) + 1}-consumer`,
      })),
    });
    assert.equal(constant.instances, 3);
  });

  it('peeks at small gaps and sees that only a transaction marker is left', async () => {
    const kafka = new MemoryKafka().createTopic('t', 2).produceTransaction('t', 0, 5).produce('t', 1, 5);
    kafka.commit('g', 't', 0, 5).commit('g', 't', 1, 3);
    const sample = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0, context());
    assert.deepEqual(
      sample.partitions.map((p) => [p.partition, p.committed, p.end, p.dataPending]),
      [
        [0, 5n, 6n, false],
        [1, 3n, 5n, true],
      ],
    );
    assert.deepEqual(kafka.requests, ['Metadata', 'OffsetFetch', 'DescribeGroups', 'ListOffsets(latest)', 'Fetch']);
  });

  it('does not peek again while committed and end offsets stand still', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produceTransaction('t', 0, 5).commit('g', 't', 0, 5);
    const ctx = context();
    await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0, ctx);
    kafka.requests.length = 0;
    const again = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 2, 1000, ctx);
    assert.equal(again.partitions[0]!.dataPending, false, 'from the cache');
    assert.ok(!kafka.requests.includes('Fetch'), kafka.requests.join(', '));
  });

  it('peeks again once the end moves after a markers-only answer: the new records may be data', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produceTransaction('t', 0, 5).commit('g', 't', 0, 5);
    const ctx = context();
    assert.equal(
      (await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0, ctx)).partitions[0]!.dataPending,
      false,
    );
    kafka.produce('t', 0, 1);
    kafka.requests.length = 0;
    const after = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 2, 1000, ctx);
    assert.equal(after.partitions[0]!.dataPending, true);
    assert.ok(kafka.requests.includes('Fetch'));
  });

  it('does not peek while the end moves (records arrive: the gap is lag), and peeks once it stood still for a poll', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produceTransaction('t', 0, 5).commit('g', 't', 0, 5);
    kafka.setGroup('g', { state: 'Stable', members: [{ memberId: 'm', clientId: 'c' }] });
    const moving = await readSample(
      kafka,
      { groupId: 'g', topics: ['t'] },
      1,
      0,
      context({ latestEnds: new Map([[partitionKey('t', 0), 3n]]) }),
    );
    assert.equal(moving.partitions[0]!.dataPending, undefined, 'not looked at: counted as lag');
    assert.ok(!kafka.requests.includes('Fetch'), kafka.requests.join(', '));
    const settled = await readSample(
      kafka,
      { groupId: 'g', topics: ['t'] },
      2,
      1000,
      context({ latestEnds: new Map([[partitionKey('t', 0), 6n]]) }),
    );
    assert.equal(settled.partitions[0]!.dataPending, false, 'only the marker is left');
    assert.ok(kafka.requests.includes('Fetch'));
  });

  it('a group without members (scaled to zero) is looked at even while the end moves: markers never wake it', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produceTransaction('t', 0, 5).commit('g', 't', 0, 5);
    const sample = await readSample(
      kafka,
      { groupId: 'g', topics: ['t'] },
      1,
      0,
      context({ latestEnds: new Map([[partitionKey('t', 0), 3n]]) }),
    );
    assert.equal(sample.partitions[0]!.dataPending, false);
  });

  it('keeps the record timestamp a look found only when a trigger dates records', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produce('t', 0, 10, 4_321).commit('g', 't', 0, 5);
    const plain = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0, context());
    assert.equal(plain.partitions[0]!.dataPending, true, 'looked at: a small gap');
    assert.equal(plain.partitions[0]!.committedTimestamp, undefined, 'no trigger reads it: not kept every poll');
    const timed = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0, context({ timestamps: true }));
    assert.equal(timed.partitions[0]!.committedTimestamp, 4_321);
  });

  it('a group without members whose commits move is not looked at while the end moves: something consumes it', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produce('t', 0, 10).commit('g', 't', 0, 8);
    const moving = {
      latestEnds: new Map([[partitionKey('t', 0), 9n]]),
      committedBefore: new Map([[partitionKey('t', 0), 7n]]),
    };
    const consumed = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 2, 1000, context(moving));
    assert.equal(consumed.partitions[0]!.dataPending, undefined, 'not looked at: records arrive and are consumed');
    assert.ok(!kafka.requests.includes('Fetch'));
    const still = { ...moving, committedBefore: new Map([[partitionKey('t', 0), 8n]]) };
    const atZero = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 3, 2000, context(still));
    assert.equal(atZero.partitions[0]!.dataPending, true, 'its commit stood still for a minute: looked at, at zero');
  });

  it('a look below the log start answers unknown and is asked again next time, not cached', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produce('t', 0, 10).commit('g', 't', 0, 5);
    kafka.truncate('t', 0, 8);
    const ctx = context();
    const sample = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0, ctx);
    assert.equal(sample.partitions[0]!.dataPending, undefined);
    kafka.requests.length = 0;
    await readSample(kafka, { groupId: 'g', topics: ['t'] }, 2, 1000, ctx);
    assert.ok(kafka.requests.includes('Fetch'), 'not served from the cache');
  });

  it('while reprocessing, record timestamps are read at most every 30 s and anchor the offsets in between', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produce('t', 0, 1000, 5_000).commit('g', 't', 0, 0);
    const ctx = context({ timestamps: true });
    const first = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 100_000, ctx);
    assert.equal(first.partitions[0]!.committedTimestamp, 5_000);
    kafka.commit('g', 't', 0, 400);
    kafka.requests.length = 0;
    const soon = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 2, 110_000, ctx);
    assert.ok(!kafka.requests.includes('Fetch'), 'within 30 s of the last read');
    assert.deepEqual(soon.partitions[0]!.timestampAnchor, { offset: 0n, timestamp: 5_000 });
    kafka.requests.length = 0;
    const later = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 3, 131_000, ctx);
    assert.ok(kafka.requests.includes('Fetch'), 'read again after 30 s');
    assert.equal(later.partitions[0]!.committedTimestamp, 5_000);
  });

  it('does not peek at large gaps unless record timestamps are wanted', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produce('t', 0, 500, 1234).commit('g', 't', 0, 0);
    const plain = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0, context());
    assert.equal(plain.partitions[0]!.committedTimestamp, undefined);
    assert.ok(!kafka.requests.includes('Fetch'));
    const timed = await readSample(kafka, { groupId: 'g', topics: ['t'] }, 1, 0, context({ timestamps: true }));
    assert.equal(timed.partitions[0]!.committedTimestamp, 1234);
  });

  it('with timestamps wanted, reads them only for records older than the poll history', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produce('t', 0, 500, 1234).commit('g', 't', 0, 400);
    const oldestEnds = new Map([['t\u00000', 300n]]);
    const sample = await readSample(
      kafka,
      { groupId: 'g', topics: ['t'] },
      1,
      0,
      context({ timestamps: true, oldestEnds }),
    );
    assert.equal(sample.partitions[0]!.committedTimestamp, undefined, 'the history dates offset 400');
    assert.ok(!kafka.requests.includes('Fetch'));
  });
});
