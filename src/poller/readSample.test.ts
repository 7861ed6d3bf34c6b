import assert from 'node:assert/strict';
import { MemoryKafka } from '../kafka/memoryKafka.ts';
import { readSample } from './readSample.ts';
import { NO_COMMIT } from './sample.ts';

describe('reading one sample', () => {
  it('reads committed offsets before end offsets, and start offsets only for uncommitted partitions', async () => {
    const kafka = new MemoryKafka()
      .createTopic('orders', 3)
      .produce('orders', 0, 10)
      .produce('orders', 1, 5)
      .commit('g', 'orders', 0, 4);
    kafka.truncate('orders', 1, 2);
    const sample = await readSample(kafka, { groupId: 'g', topics: ['orders'] }, 7, 1000);
    assert.deepEqual(kafka.requests, ['Metadata', 'OffsetFetch', 'ListOffsets(latest)', 'ListOffsets(earliest)']);
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
    assert.deepEqual(kafka.requests, ['Metadata', 'OffsetFetch', 'ListOffsets(latest)']);
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
    assert.deepEqual(kafka.requests, ['OffsetFetch']);
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
