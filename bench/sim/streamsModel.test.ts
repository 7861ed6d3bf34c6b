import assert from 'node:assert/strict';
import { MemoryKafka } from '../../src/kafka/memoryKafka.ts';
import { DEFAULT_APP, SimStreamsApp, uniform } from './streamsModel.ts';

/** An app over a MemoryKafka with its own clock; `run` steps it a second at a time under a load. */
function setup(replicas: number) {
  const clock = { now: 0 };
  const kafka = new MemoryKafka('sim:9092', () => clock.now);
  const app = new SimStreamsApp(kafka);
  app.start(replicas, 0);
  const run = (untilMs: number, recordsPerSecond = 0): void => {
    while (clock.now < untilMs) {
      clock.now += 1_000;
      if (recordsPerSecond > 0) app.produce(recordsPerSecond, uniform(DEFAULT_APP.partitions), clock.now);
      app.step(clock.now, 1_000);
    }
  };
  const committed = async (): Promise<bigint> =>
    (await kafka.committedOffsets(DEFAULT_APP.appId, undefined)).reduce((sum, p) => sum + p.offset, 0n);
  const group = () => kafka.describeGroup(DEFAULT_APP.appId);
  return { clock, kafka, app, run, committed, group };
}

describe('simulated Kafka Streams application', () => {
  it('one replica keeps up with 120 records/s and falls behind at 130 (capacity 150 units / 1.2 per record)', () => {
    const keeping = setup(1);
    keeping.run(600_000, 120);
    assert.ok(keeping.app.truth(keeping.clock.now).latencySeconds < 5, 'nothing waits long');
    const behind = setup(1);
    behind.run(300_000, 130);
    const half = behind.app.truth(behind.clock.now).waiting;
    behind.run(600_000, 130);
    const full = behind.app.truth(behind.clock.now).waiting;
    // 130 × 1.2 = 156 units a second wanted, 150 done: about 5 records/s short, growing without end.
    assert.ok(half > 1_000, `waiting ${half} after 5 min`);
    assert.ok(full > 1.7 * half, `waiting ${full} after 10 min`);
  });

  it('commits every commit interval, so committed offsets move in steps', async () => {
    const s = setup(1);
    s.run(29_000, 50);
    assert.equal(await s.committed(), 0n, 'nothing committed before 30 s');
    s.run(31_000, 50);
    const first = await s.committed();
    assert.ok(first > 0n);
    s.run(59_000, 50);
    assert.equal(await s.committed(), first, 'unchanged until the next commit');
  });

  it('each pod commits its own tasks on its own timer, so pods are not in step', async () => {
    const s = setup(2);
    const movedPartitions = async (): Promise<number> =>
      (await s.kafka.committedOffsets(DEFAULT_APP.appId, undefined)).filter((p) => p.offset > 0n).length;
    // Two pods' timers spread over the 30 s interval: one fires at 15 s, the other at 30 s.
    s.run(14_000, 120);
    assert.equal(await movedPartitions(), 0, 'no timer fired yet');
    s.run(16_000, 120);
    assert.equal(await movedPartitions(), 12, "the first pod's 12 of the 24 tasks");
    s.run(31_000, 120);
    assert.equal(await movedPartitions(), 24, 'both pods');
  });

  it('a pod that joins starts its commit timer then', async () => {
    const s = setup(0);
    s.app.setReplicas(1, 0);
    s.app.produce(1_200, uniform(DEFAULT_APP.partitions), 0);
    s.run(DEFAULT_APP.startupMs + DEFAULT_APP.commitIntervalMs - 1_000);
    assert.equal(await s.committed(), 0n, 'joined at 20 s: nothing committed before 50 s');
    s.run(DEFAULT_APP.startupMs + DEFAULT_APP.commitIntervalMs);
    assert.ok((await s.committed()) > 0n);
  });

  it('a new pod joins after its start-up time, and every task pauses for the rebalance', async () => {
    const s = setup(1);
    s.app.setReplicas(2, 0);
    assert.equal(s.app.replicas, 2, 'billed from the start');
    s.run(10_000);
    assert.equal((await s.group()).members.length, 1, 'still starting');
    s.run(DEFAULT_APP.startupMs + 1_000);
    const joining = await s.group();
    assert.equal(joining.state, 'PreparingRebalance');
    assert.equal(joining.members.length, 2);
    s.run(DEFAULT_APP.startupMs + DEFAULT_APP.rebalancePauseMs + 1_000);
    assert.equal((await s.group()).state, 'Stable');
  });

  it('a crashed pod stays a pod; its member holds its tasks until the session times out; it rejoins after the restart delay', async () => {
    const s = setup(2);
    s.run(10_000);
    s.app.crash(1, s.clock.now, 60_000);
    s.app.setReplicas(2, s.clock.now);
    assert.equal(
      s.app.replicas,
      2,
      'still two pods: the Deployment does not replace a crashed container, the kubelet restarts it',
    );
    s.run(10_000 + DEFAULT_APP.sessionTimeoutMs - 1_000);
    assert.equal((await s.group()).members.length, 2, 'the dead member still holds its tasks');
    s.run(10_000 + DEFAULT_APP.sessionTimeoutMs + 1_000);
    assert.equal((await s.group()).members.length, 1, 'session expired: rebalanced');
    s.run(10_000 + 60_000 + DEFAULT_APP.startupMs - 1_000);
    assert.equal((await s.group()).members.length, 1, 'not back before the restart delay and its start-up');
    s.run(10_000 + 60_000 + DEFAULT_APP.startupMs + 1_000);
    assert.equal((await s.group()).members.length, 2, 'the restarted application joined');
    assert.equal(s.app.replicas, 2);
  });

  it('ground truth: records waiting and the age of the oldest', () => {
    const s = setup(0);
    s.app.produce(120, uniform(DEFAULT_APP.partitions), 0);
    s.run(10_000);
    assert.deepEqual(s.app.truth(10_000), { waiting: 120, latencySeconds: 10 });
  });

  it('retention deletes only what was committed', async () => {
    const s = setup(1);
    s.run(31_000, 60);
    s.app.applyRetention();
    const starts = await s.kafka.startOffsets([{ topic: 'events', partition: 0 }]);
    const [committed] = (await s.kafka.committedOffsets(DEFAULT_APP.appId, [{ topic: 'events', partition: 0 }])).map(
      (p) => p.offset,
    );
    assert.equal(starts[0]!.offset, committed);
  });
});
