/**
 * A real Kafka Streams application (tools/kafka/streams/StreamsLagApp.java:
 * words → groupBy(word) → count, so a repartition topic and a changelog),
 * run as a JVM, seen by the scaler.
 */
import assert from 'node:assert/strict';
import type { Admin, Producer } from 'kafkajs';
import type { Decision } from '../../src/model/decision.ts';
import { eventually } from '../../tools/eventually.ts';
import { type StreamsApp, startStreamsApp } from '../../tools/kafka/streamsApp.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testBootstrap, testKafkaClient, uniqueName } from '../support/kafka.ts';

const WORDS = ['apple', 'pear', 'plum', 'fig', 'kiwi', 'lime', 'date', 'sloe'];

describe('a real Kafka Streams application', function () {
  this.timeout(180_000);
  let app: TestApp;
  let admin: Admin;
  let producer: Producer;
  let streams: StreamsApp | undefined;

  beforeEach(async () => {
    app = await startTestApp({ SCALER_POLL_INTERVAL: '500ms' });
    const kafka = testKafkaClient();
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    await streams?.kill();
    streams = undefined;
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await app.stop();
  });

  async function startApp(
    delayMs: number,
    stallOn?: string,
    guarantee: 'at_least_once' | 'exactly_once_v2' = 'at_least_once',
    properties?: Readonly<Record<string, string>>,
  ): Promise<{ appId: string; input: string }> {
    const appId = uniqueName('wc');
    const input = uniqueName('words');
    await admin.createTopics({
      topics: [
        { topic: input, numPartitions: 4 },
        { topic: `${input}-counts`, numPartitions: 4 },
      ],
      waitForLeaders: true,
    });
    streams = await startStreamsApp({
      bootstrap: testBootstrap(),
      appId,
      input,
      output: `${input}-counts`,
      delayMs,
      guarantee,
      ...(stallOn ? { stallOn } : {}),
      ...(properties ? { properties } : {}),
    });
    return { appId, input };
  }

  const produce = (input: string, count: number) =>
    producer.send({
      topic: input,
      messages: Array.from({ length: count }, (_, i) => ({ key: String(i), value: WORDS[i % WORDS.length]! })),
    });

  const decide = (appId: string, extra: Record<string, string> = {}) =>
    app.scaler.evaluate({
      name: appId,
      namespace: 'streams',
      scalerMetadata: {
        bootstrapServers: testBootstrap(),
        consumerGroup: appId,
        offsetResetPolicy: 'earliest',
        ...extra,
      },
    });

  it('classifies its topics, counts sub-topologies and tasks, and follows the lagging repartition topic', async () => {
    const { appId, input } = await startApp(25);
    await produce(input, 400);

    const lagging = await eventually(
      async () => (await decide(appId, { lagStrategy: 'time' })).decision,
      (d: Decision) => d.dominant === '1' && d.metricValue > 0,
      { timeoutMs: 30_000, everyMs: 500, what: 'the downstream sub-topology lagging' },
    );
    const repartition = `${appId}-by-word-repartition`;
    const roles = Object.fromEntries(lagging.partitions.map((p) => [p.topic, p.role]));
    assert.deepEqual(roles, { [input]: 'source', [repartition]: 'repartition' });
    // As the application reports it in its members' assignments: Kafka Streams' own sub-topology ids.
    assert.equal(lagging.topology.source, 'reported');
    assert.deepEqual(
      lagging.topology.subTopologies.map((s) => [s.id, s.inputs, s.tasks]),
      [
        ['0', [input], 4],
        ['1', [repartition], 4],
      ],
    );
    assert.equal(lagging.topology.usefulMax, 8);
    const lag = Object.fromEntries(lagging.topology.subTopologies.map((s) => [s.id, s.lag]));
    assert.ok(lag['1']! > 0n, 'the repartition topic has lag');
    assert.equal(lag['0'], 0n, 'the source sub-topology keeps up');

    // The changelog exists in the cluster, but has no committed offsets: it is never demand.
    const topics = await admin.listTopics();
    assert.ok(topics.includes(`${appId}-word-counts-changelog`));
    assert.ok(!lagging.partitions.some((p) => p.topic.endsWith('-changelog')));
    // Named explicitly, it is classified and still not demand.
    const named = (await decide(appId, { topic: `${input},${repartition},${appId}-word-counts-changelog` })).decision;
    assert.ok(named.partitions.filter((p) => p.topic.endsWith('-changelog')).every((p) => p.role === 'changelog'));
    assert.deepEqual(
      named.topology.subTopologies.map((s) => s.id),
      ['0', '1'],
    );

    // Two stream threads per instance: half the useful replicas.
    assert.equal((await decide(appId, { streamThreads: '2' })).decision.topology.usefulMax, 4);

    // Once the backlog is worked off, everything is at 0 and the trigger goes inactive.
    const drained = await eventually(
      async () => (await decide(appId, { lagStrategy: 'time' })).decision,
      (d: Decision) => !d.active,
      { timeoutMs: 60_000, everyMs: 1_000, what: 'the backlog processed' },
    );
    assert.equal(drained.metricValue, 0);
  });

  it('rate: learns what one instance processes from its drain, and sizes the downstream sub-topology by it', async () => {
    // The downstream sub-topology sleeps 20 ms per record: at most 50 records/s per instance. The scaler is
    // first asked once the whole burst is in the repartition topic: a backlog that arrived within the last
    // minute of the history is arrivals, not yet a backlog to learn from.
    const { appId, input } = await startApp(20);
    await produce(input, 2_000);
    await eventually(
      async () =>
        (await admin.fetchTopicOffsets(`${appId}-by-word-repartition`)).reduce((sum, p) => sum + Number(p.high), 0),
      (records) => records === 2_000,
      { timeoutMs: 30_000, everyMs: 250, what: 'the burst re-keyed into the repartition topic' },
    );
    const sized = await eventually(
      async () => (await decide(appId, { lagStrategy: 'rate', rateWindow: '5s', catchUpSeconds: '10' })).decision,
      (d: Decision) => d.topology.subTopologies.some((s) => s.id === '1' && s.replicaThroughput !== undefined),
      { timeoutMs: 60_000, everyMs: 1_000, what: 'a learned throughput for the counting sub-topology (1)' },
    );
    const byWord = sized.topology.subTopologies.find((s) => s.id === '1')!;
    assert.ok(
      byWord.replicaThroughput! > 5 && byWord.replicaThroughput! <= 55,
      `learned ${byWord.replicaThroughput}/s per instance`,
    );
    assert.equal(sized.dominant, '1');
    assert.ok(sized.metricValue >= 2 && sized.metricValue <= 8, `${sized.metricValue} replicas: ${sized.explanation}`);
    assert.match(sized.explanation, /learned over/);
  });

  it('time: demand that keeps rising through a rebalance hold is answered within the cooldown', async function () {
    this.timeout(300_000);
    // The counting sub-topology sleeps 20 ms a record: at most 50 records/s an instance. It keeps up with 30/s
    // while the scaler watches it (as a scaler does all along: it learns how often the app commits, every
    // second here); then 150/s outruns one instance and the two it will have. The hold (rebalanceCooldown, 1m by
    // default) is for scale-down and for the one-off pile-up of the pause; this demand keeps rising after it.
    // A busy instance rejoins a rebalance only between batches: batches of 50 records (1 s here) keep each
    // rebalance short, as a slow Streams app is tuned; with the default 1000 (20 s) the group kept rebalancing
    // for minutes on this machine, and a group that rebalances is held (up to ten cooldowns) by design.
    const batches = { 'max.poll.records': '50' };
    const { appId, input } = await startApp(20, undefined, 'at_least_once', batches);
    const meta = { lagStrategy: 'time', timeLagThreshold: '5' };
    let producing = true;
    let perTick = 6;
    const load = (async () => {
      // `perTick` records every 200 ms, for at most 5 minutes (the test ends it sooner).
      for (let i = 0; producing && i < 1500; i++) {
        await produce(input, perTick);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    let second: StreamsApp | undefined;
    try {
      const watchedFrom = Date.now();
      const keepingUp = await eventually(
        async () => (await decide(appId, meta)).decision,
        (d: Decision) => Date.now() - watchedFrom >= 30_000 && d.partitions.length === 8 && d.metricValue <= 5,
        { timeoutMs: 60_000, everyMs: 1_000, what: 'the app keeping up with 30 records/s for 30 s' },
      );
      perTick = 30;
      const behind = await eventually(
        async () => (await decide(appId, meta)).decision,
        (d: Decision) => d.metricValue > 5 && d.held === undefined,
        { timeoutMs: 60_000, everyMs: 1_000, what: 'the group behind, past the 5 s target' },
      );
      second = await startStreamsApp({
        bootstrap: testBootstrap(),
        appId,
        input,
        output: `${input}-counts`,
        delayMs: 20,
        properties: batches,
      });
      // A second instance joins: the group rebalances, and the recommendation is held.
      const held = await eventually(
        async () => (await decide(appId, meta)).decision,
        (d: Decision) => d.held !== undefined,
        { timeoutMs: 30_000, everyMs: 500, what: 'the recommendation held through the rebalance' },
      );
      const heldAt = Date.now();
      assert.match(held.explanation, /^holding the recommendation of/, held.explanation);
      // Within the cooldown the records waiting keep rising past the pile-up of the pause: let through. A Streams
      // app often rebalances twice (a follow-up for the tasks it revoked), and a busy instance rejoins only
      // between batches, so the pause may end half a minute after it began; rising demand is read over the
      // SAWTOOTH_MS after it. The hold lasts until the cooldown after the last member change: the demand must
      // be let through before that, not once the hold has ended anyway.
      const timeline: string[] = [];
      const outcome = await eventually(
        async () => {
          const d = (await decide(appId, meta)).decision;
          timeline.push(
            `${((Date.now() - heldAt) / 1000).toFixed(0)} s: ${d.metricValue}, ${d.explanation.slice(0, 160)}`,
          );
          return d;
        },
        (d: Decision) => /but demand kept rising/.test(d.explanation) || d.held === undefined,
        { timeoutMs: 150_000, everyMs: 1_000, what: 'rising demand let through the hold, or the hold ended' },
      ).catch((err: Error) => {
        throw new Error(`${err.message}\nseen, seconds after the hold began:\n${timeline.slice(-40).join('\n')}`);
      });
      const seconds = (Date.now() - heldAt) / 1000;
      assert.match(
        outcome.explanation,
        /^held the recommendation of [\dms]+ ago \(metric [\d.]+\): group members changed [\dms]+ ago \(rebalanceCooldown 1m\), but demand kept rising/,
        `the hold ended without letting rising demand through; seen, seconds after the hold began:\n${timeline.slice(-40).join('\n')}`,
      );
      assert.equal(outcome.held, undefined, outcome.explanation);
      assert.ok(outcome.metricValue > held.metricValue, `${held.metricValue} → ${outcome.metricValue}`);
      process.stdout.write(
        `      keeping up: metric ${keepingUp.metricValue}; behind: metric ${behind.metricValue}; held at ${held.metricValue}, then ${outcome.metricValue} let through ${seconds.toFixed(0)} s after the hold began: ${outcome.explanation.slice(0, 400)}\n`,
      );
    } finally {
      producing = false;
      await load;
      await second?.kill();
    }
  });

  it('exactly-once (exactly_once_v2): goes inactive once caught up, ready to scale to zero', async () => {
    // Its repartition topic is written in transactions. (Kafka Streams 4.x commits its consumer position,
    // which is past the markers; a client that commits last-processed + 1 leaves them: transactions.test.ts.)
    const { appId, input } = await startApp(0, undefined, 'exactly_once_v2');
    await produce(input, 100);
    const idle = await eventually(
      async () => (await decide(appId)).decision,
      (d: Decision) =>
        d.partitions.length === 8 && !d.active && d.partitions.some((p) => p.end! > 0n && p.role === 'repartition'),
      { timeoutMs: 60_000, everyMs: 500, what: 'the exactly-once app caught up and inactive' },
    );
    assert.equal(idle.metricValue, 0);
    assert.ok(idle.partitions.every((p) => p.lag === 0n));
  });

  it('reports partitions that stop making progress as stalled', async () => {
    const { appId, input } = await startApp(0, 'poison');
    await produce(input, 80);
    await eventually(
      async () => (await decide(appId)).decision,
      (d: Decision) => d.partitions.length === 8 && !d.active,
      { timeoutMs: 30_000, everyMs: 500, what: 'the first records processed and committed' },
    );
    // A poison record blocks the stream thread; the records behind it wait.
    await producer.send({ topic: input, messages: [{ key: 'x', value: 'poison' }] });
    await produce(input, 40);
    const stalled = await eventually(
      async () => (await decide(appId, { stallWindow: '10s' })).decision,
      (d: Decision) => d.stalled.some((p) => p.startsWith(`${appId}-by-word-repartition-`)),
      { timeoutMs: 60_000, everyMs: 1_000, what: 'the stuck repartition partition reported stalled' },
    );
    for (const key of stalled.stalled) {
      const p = stalled.partitions.find((x) => `${x.topic}-${x.partition}` === key)!;
      assert.ok(p.end! > p.committed, `${key} has records waiting`);
    }
    assert.match(stalled.explanation, /stalled: /);
    assert.equal(stalled.active, true, 'a stalled group with records waiting stays active');

    // Operators see it without reading logs.
    const response = await fetch(`http://127.0.0.1:${app.httpPort}/api/triggers`);
    assert.equal(response.status, 200);
    const { triggers } = (await response.json()) as {
      triggers: Array<{
        consumerGroup: string;
        decision: { stalled: string[]; partitions: Array<{ committed: string }> };
      }>;
    };
    const status = triggers.find((t) => t.consumerGroup === appId);
    assert.ok(status, 'the trigger is listed');
    assert.ok(status.decision.stalled.length > 0);
    assert.equal(typeof status.decision.partitions[0]!.committed, 'string', 'offsets as strings');
  });
});
