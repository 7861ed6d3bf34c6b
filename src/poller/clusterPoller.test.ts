import assert from 'node:assert/strict';
import { MemoryKafka } from '../kafka/memoryKafka.ts';
import { createLogger } from '../logger.ts';
import { ClusterPoller, YIELD_AFTER_MS } from './clusterPoller.ts';
import { Poller } from './poller.ts';

const silent = createLogger('silent');

function setup(kafka: MemoryKafka, targets: Array<{ groupId: string; topics: string[] | undefined }>) {
  const cluster = new ClusterPoller({ reader: kafka, intervalMs: 1_000, timeoutMs: 5_000, now: () => 1_000 });
  const pollers = targets.map(
    (t) =>
      new Poller({
        key: { cluster: kafka.cluster, ...t },
        reader: kafka,
        timeoutMs: 5_000,
        historyMs: 60_000,
        logger: silent,
        now: () => 1_000,
      }),
  );
  for (const p of pollers) cluster.add(p);
  return { cluster, pollers };
}

describe('cluster poller: one cycle for every poller of a cluster', () => {
  it('reads the metadata of every topic once and the end offsets of every partition once', async () => {
    const kafka = new MemoryKafka()
      .createTopic('a', 2)
      .createTopic('b', 1)
      .produce('a', 0, 10)
      .produce('b', 0, 4)
      .commit('g1', 'a', 0, 3)
      .commit('g1', 'a', 1, 0)
      .commit('g2', 'b', 0, 1)
      .commit('g3', 'a', 0, 10)
      .commit('g3', 'a', 1, 0);
    const { cluster, pollers } = setup(kafka, [
      { groupId: 'g1', topics: ['a'] },
      { groupId: 'g2', topics: ['b'] },
      { groupId: 'g3', topics: undefined },
    ]);
    await cluster.pollOnce();
    const count = (name: string) => kafka.requests.filter((r) => r === name).length;
    assert.equal(count('ListOffsets(latest)'), 1, kafka.requests.join(', '));
    assert.equal(count('Metadata'), 2, 'the named topics at once, then the topic-less group committed topics');
    assert.deepEqual(
      pollers.map((p) => p.state().latest!.partitions.map((r) => `${r.topic}-${r.partition}:${r.committed}/${r.end}`)),
      [['a-0:3/10', 'a-1:0/0'], ['b-0:1/4'], ['a-0:10/10', 'a-1:0/0']],
    );
    assert.deepEqual(
      pollers.map((p) => p.state().latest!.seq),
      [1, 1, 1],
    );
  });

  it('a missing topic fails its pollers alone; the others get their samples', async () => {
    const kafka = new MemoryKafka().createTopic('a', 1).produce('a', 0, 5).commit('g', 'a', 0, 1);
    const { cluster, pollers } = setup(kafka, [
      { groupId: 'g', topics: ['a'] },
      { groupId: 'g', topics: ['a', 'gone'] },
    ]);
    await cluster.pollOnce();
    assert.equal(pollers[0]!.state().failure, undefined);
    assert.equal(pollers[0]!.state().latest!.partitions[0]!.end, 5n);
    assert.equal(pollers[1]!.state().failure?.error.code, 'TOPIC_NOT_FOUND');
    assert.match(pollers[1]!.state().failure!.error.message, /topic "gone" does not exist/);
  });

  it('a cluster that fails fails every poller with the same error, and a stopped poller is left out', async () => {
    const kafka = new MemoryKafka().createTopic('a', 1);
    const { cluster, pollers } = setup(kafka, [
      { groupId: 'g1', topics: ['a'] },
      { groupId: 'g2', topics: ['a'] },
      { groupId: 'g3', topics: ['a'] },
    ]);
    pollers[2]!.stop();
    kafka.failWith('unavailable', 'Connection error: connect ECONNREFUSED');
    await cluster.pollOnce();
    assert.deepEqual(
      pollers.map((p) => p.state().failure?.error.code),
      ['KAFKA_UNAVAILABLE', 'KAFKA_UNAVAILABLE', undefined],
    );
    assert.equal(pollers[2]!.state().polled, false);
  });

  it('hands the event loop back between pollers when their decisions take long', async () => {
    const kafka = new MemoryKafka().createTopic('a', 1).commit('g1', 'a', 0, 0).commit('g2', 'a', 0, 0);
    const { cluster, pollers } = setup(kafka, [
      { groupId: 'g1', topics: ['a'] },
      { groupId: 'g2', topics: ['a'] },
    ]);
    const order: string[] = [];
    pollers.forEach((poller, i) =>
      poller.observe(() => {
        order.push(`decided ${i}`);
        if (i === 0) setImmediate(() => order.push('request answered'));
        const until = performance.now() + YIELD_AFTER_MS + 1;
        while (performance.now() < until);
      }),
    );
    await cluster.pollOnce();
    assert.deepEqual(order, ['decided 0', 'request answered', 'decided 1']);
  });
});
