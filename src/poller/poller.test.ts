import assert from 'node:assert/strict';
import { MemoryKafka } from '../kafka/memoryKafka.ts';
import { createLogger } from '../logger.ts';
import { Poller, THIN_STEP_MS, type PollerNeeds } from './poller.ts';

const silent = createLogger('silent');

function poller(
  kafka: MemoryKafka,
  clock: { now: number },
  overrides: Partial<{ historyMs: number; timeoutMs: number }> = {},
) {
  return new Poller({
    key: { cluster: kafka.cluster, groupId: 'g', topics: ['t'] },
    reader: kafka,
    timeoutMs: overrides.timeoutMs ?? 5000,
    historyMs: overrides.historyMs ?? 10_000,
    logger: silent,
    now: () => clock.now,
  });
}

describe('poller', () => {
  it('records successful polls with increasing sequence numbers and their start time', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).commit('g', 't', 0, 0);
    const clock = { now: 1_000 };
    const p = poller(kafka, clock);
    await p.pollOnce();
    clock.now = 2_000;
    kafka.produce('t', 0, 5);
    await p.pollOnce();
    const { latest, history, failure, polled } = p.state();
    assert.equal(polled, true);
    assert.equal(failure, undefined);
    assert.deepEqual(
      history.map((s) => [s.seq, s.at]),
      [
        [1, 1_000],
        [2, 2_000],
      ],
    );
    assert.equal(latest?.partitions[0]?.end, 5n);
  });

  it('keeps the history window, always keeping the newest sample', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1);
    const clock = { now: 0 };
    const p = poller(kafka, clock, { historyMs: 2_500 });
    for (const at of [0, 1_000, 2_000, 3_000, 4_000]) {
      clock.now = at;
      await p.pollOnce();
    }
    assert.deepEqual(
      p.state().history.map((s) => s.at),
      [2_000, 3_000, 4_000],
    );
  });

  describe('thins polls older than what its triggers read every poll of', () => {
    /** Polls every 2 s for 3 min of a 10 min history under `needs` (each a trigger's); the kept polls' times in s. */
    async function kept(needs: ReadonlyArray<PollerNeeds | undefined>): Promise<number[]> {
      const kafka = new MemoryKafka().createTopic('t', 1);
      const clock = { now: 0 };
      const p = poller(kafka, clock, { historyMs: 600_000 });
      for (const n of needs) p.want(n);
      for (let at = 0; at <= 180_000; at += 2_000) {
        clock.now = at;
        kafka.produce('t', 0, 1);
        await p.pollOnce();
      }
      return p.state().history.map((s) => s.at / 1000);
    }
    const every = (from: number, to: number, step: number): number[] =>
      Array.from({ length: (to - from) / step + 1 }, (_, k) => from + k * step);

    const cases: ReadonlyArray<{
      readonly name: string;
      readonly needs: ReadonlyArray<PollerNeeds | undefined>;
      readonly expect: number[];
    }> = [
      {
        name: 'a trigger reading 1 min: every poll of the last 1 min 30 s, one per 30 s before, the oldest kept',
        needs: [{ everyPollWithinMs: 60_000 }],
        expect: [0, 30, 60, ...every(90, 180, 2)],
      },
      {
        name: 'two triggers: the longer window counts',
        needs: [{ everyPollWithinMs: 60_000 }, { everyPollWithinMs: 120_000 }],
        expect: [0, 30, ...every(30, 180, 2)].filter((v, i, all) => all.indexOf(v) === i),
      },
      {
        name: 'a trigger that reads the whole history: every poll',
        needs: [{ everyPollWithinMs: 60_000 }, {}],
        expect: every(0, 180, 2),
      },
      { name: 'no trigger said: every poll', needs: [], expect: every(0, 180, 2) },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        assert.deepEqual(await kept(c.needs), c.expect);
      });
    }

    it('a window always starts at a poll at least as old as it, within one poll interval', async () => {
      const history = await kept([{ everyPollWithinMs: 60_000 }]);
      const newest = history[history.length - 1]!;
      const start = Math.max(...history.filter((at) => at <= newest - 60));
      assert.ok(newest - 60 - start < 2, `window start ${start} s for a window from ${newest - 60} s`);
      assert.equal(THIN_STEP_MS, 30_000);
    });
  });

  it('a read that outlives its deadline is waited for: the next poll does not start a second read', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1);
    const p = poller(kafka, { now: 0 }, { timeoutMs: 20 });
    const release = kafka.hold();
    await p.pollOnce();
    assert.match(p.state().failure!.error.message, /no answer within 20ms/);
    await p.pollOnce();
    assert.match(p.state().failure!.error.message, /the previous read is still running after its 20ms deadline/);
    assert.deepEqual(kafka.requests, ['Metadata'], 'no second read while the first runs');
    release();
    await new Promise((resolve) => setImmediate(resolve));
    await p.pollOnce();
    assert.equal(p.state().failure, undefined, 'polling resumes once the slow read settled');
  });

  it('a group without members that commits every few seconds is not looked at for markers while records arrive', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1).produce('t', 0, 100).commit('g', 't', 0, 100);
    const clock = { now: 0 };
    const p = poller(kafka, clock, { historyMs: 300_000 });
    const fetchesPerPoll: number[] = [];
    // Records every poll (2 s); the consumer, outside any group membership, commits every 6 s, 2 behind.
    for (let i = 1; i <= 60; i++) {
      clock.now = i * 2_000;
      kafka.produce('t', 0, i <= 20 ? 3 : 1);
      if (i <= 20 && i % 3 === 0) kafka.commit('g', 't', 0, 100n + 3n * BigInt(i) - 2n);
      kafka.requests.length = 0;
      await p.pollOnce();
      fetchesPerPoll.push(kafka.requests.filter((r) => r === 'Fetch').length);
    }
    assert.deepEqual(
      fetchesPerPoll.slice(3, 20),
      new Array(17).fill(0),
      'consuming: not looked at while records arrive',
    );
    // It stops committing after poll 20: for a minute still taken as consuming, then as scaled to zero, and its
    // small gap is looked at although records trickle in (a marker must not wake it).
    assert.deepEqual(fetchesPerPoll.slice(20, 48), new Array(28).fill(0), 'within a minute of its last commit');
    assert.equal(fetchesPerPoll.slice(48).reduce((a, b) => a + b, 0) > 0, true, 'commits still for a minute: at zero');
  });

  it('an unexpected error is INTERNAL, not a Kafka outage', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1);
    kafka.failWith(new TypeError("Cannot read properties of undefined (reading 'offset')"));
    const p = poller(kafka, { now: 0 });
    await p.pollOnce();
    assert.equal(p.state().failure?.error.code, 'INTERNAL');
    assert.equal(p.state().failure?.error.message, 'internal error (see the scaler log)');
  });

  it('a subscriber that throws does not stop the others', async () => {
    const p = poller(new MemoryKafka().createTopic('t', 1), { now: 0 });
    let called = 0;
    p.subscribe(() => {
      throw new Error('broken subscriber');
    });
    p.subscribe(() => called++);
    await p.pollOnce();
    assert.equal(called, 1);
  });

  it('a failed poll is kept as the failure and keeps the last good sample; a good poll clears it', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1);
    const clock = { now: 0 };
    const p = poller(kafka, clock);
    await p.pollOnce();
    kafka.failWith('unavailable', 'Connection error: connect ECONNREFUSED 127.0.0.1:9');
    clock.now = 1_000;
    await p.pollOnce();
    let state = p.state();
    assert.equal(state.latest?.at, 0);
    assert.ok(state.failure);
    assert.equal(state.failure.at, 1_000);
    assert.equal(state.failure.error.code, 'KAFKA_UNAVAILABLE');
    assert.match(state.failure.error.message, /^kafka cluster memory:9092: Connection error: connect ECONNREFUSED/);
    kafka.failWith(undefined);
    clock.now = 2_000;
    await p.pollOnce();
    state = p.state();
    assert.equal(state.failure, undefined);
    assert.equal(state.latest?.at, 2_000);
  });

  it('a missing topic is a TOPIC_NOT_FOUND failure', async () => {
    const p = poller(new MemoryKafka(), { now: 0 });
    await p.pollOnce();
    assert.equal(p.state().failure?.error.code, 'TOPIC_NOT_FOUND');
  });

  it('tells subscribers after every poll, successful or not, until they unsubscribe', async () => {
    const kafka = new MemoryKafka().createTopic('t', 1);
    const p = poller(kafka, { now: 0 });
    let calls = 0;
    const unsubscribe = p.subscribe(() => calls++);
    await p.pollOnce();
    kafka.failWith('unavailable', 'down');
    await p.pollOnce();
    unsubscribe();
    await p.pollOnce();
    assert.equal(calls, 2);
    assert.equal(p.subscribers, 0);
  });

  it('waitForFirstPoll gives up after the wait and resolves at once after a poll', async () => {
    const p = poller(new MemoryKafka().createTopic('t', 1), { now: 0 });
    await p.waitForFirstPoll(10);
    assert.equal(p.state().polled, false);
    await p.pollOnce();
    await p.waitForFirstPoll(60_000);
    assert.equal(p.state().polled, true);
  });
});
