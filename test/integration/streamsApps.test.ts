/**
 * The harness's Java test applications on a real broker: MultiPipelineApp
 * (three sub-topologies, 11 tasks) under the classic protocol and in a
 * streams group (group.protocol=streams, KIP-1071), PlainConsumerApp in a
 * consumer group (group.protocol=consumer, KIP-848), and pausing and resuming
 * their JVMs by PID. Streams groups need Kafka 4.x, so these tests skip
 * themselves on 3.x brokers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Admin, Producer } from 'kafkajs';
import { eventually } from '../../tools/eventually.ts';
import type { JavaApp } from '../../tools/kafka/javaApp.ts';
import { launchMultiPipelineApp } from '../../tools/kafka/multiPipelineApp.ts';
import { launchPlainConsumer, type PlainConsumer } from '../../tools/kafka/plainConsumerApp.ts';
import type { StreamsInstance } from '../../tools/kafka/streamsApp.ts';
import { processAlive } from '../../tools/managedProcess.ts';
import { createPipeline } from '../support/multiPipeline.ts';
import { testBootstrap, testKafkaClient, testKafkaVersion, uniqueName } from '../support/kafka.ts';

/** Every task of MultiPipelineApp with inputs of 4, 4 and 3 partitions. */
const ALL_TASKS = [...['0_0', '0_1', '0_2', '0_3'], ...['1_0', '1_1', '1_2', '1_3'], ...['2_0', '2_1', '2_2']];

/** The state letter of /proc/<pid>/stat: R, S, T (stopped), Z, ... */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.charAt(stat.lastIndexOf(')') + 2);
}

describe('the harness test apps (MultiPipelineApp, PlainConsumerApp)', function () {
  this.timeout(120_000);
  let admin: Admin;
  let producer: Producer;
  const started: JavaApp[] = [];
  const pids: number[] = [];

  before(async function () {
    if (Number(testKafkaVersion().split('.')[0]) < 4) this.skip();
    const kafka = testKafkaClient();
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((app) => app.kill()));
  });

  after(async () => {
    await Promise.all([admin?.disconnect(), producer?.disconnect()]);
    assert.deepEqual(
      pids.filter((pid) => processAlive(pid)),
      [],
      'no JVM is left behind',
    );
  });

  function track<T extends JavaApp | StreamsInstance>(app: T): T {
    started.push(app);
    if (app.pid !== undefined) pids.push(app.pid);
    return app;
  }

  /** Creates the topics of one MultiPipelineApp and returns its options. */
  const pipeline = (properties: Record<string, string> = {}) => createPipeline(admin, properties);

  /** Launches `count` instances at once and waits until every one is RUNNING; returns them and the time it took. */
  async function runInstances(options: Awaited<ReturnType<typeof pipeline>>, count: number) {
    const startedAt = Date.now();
    const instances = await Promise.all(
      Array.from({ length: count }, async () => track(await launchMultiPipelineApp(options))),
    );
    await Promise.all(instances.map((i) => i.ready));
    return { instances, ms: Date.now() - startedAt };
  }

  /** Waits until the instances' last reported tasks are every task, each exactly once. */
  async function untilTasksSpread(instances: readonly StreamsInstance[]): Promise<void> {
    await eventually(
      () => instances.flatMap((i) => i.tasks).sort(),
      (tasks: string[]) => tasks.join() === [...ALL_TASKS].sort().join(),
      { timeoutMs: 60_000, everyMs: 250, what: 'the 11 tasks spread over the instances' },
    );
  }

  /** Waits until Kafka has created the app's repartition topic and changelogs (and nothing else). */
  async function untilInternalTopics(appId: string): Promise<void> {
    const expected = [
      `${appId}-by-first-repartition`,
      `${appId}-first-counts-changelog`,
      `${appId}-left-right-other-join-store-changelog`,
      `${appId}-left-right-this-join-store-changelog`,
    ];
    await eventually(
      async () => (await admin.listTopics()).filter((t) => t.startsWith(`${appId}-`)).sort(),
      (topics: string[]) => topics.join() === expected.join(),
      { timeoutMs: 10_000, everyMs: 250, what: `the internal topics of ${appId}` },
    );
  }

  /** Produces a joinable pair and a record for the filter, then waits for all three outputs. */
  async function untilEveryOutput(options: Awaited<ReturnType<typeof pipeline>>): Promise<void> {
    await producer.send({ topic: options.left, messages: [{ key: 'k1', value: 'apple' }] });
    await producer.send({ topic: options.right, messages: [{ key: 'k1', value: 'pear' }] });
    await producer.send({ topic: options.third, messages: [{ key: 'k2', value: 'plum' }] });
    for (const topic of [options.joined, options.counts, options.filtered]) {
      await eventually(
        async () => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0),
        (records: number) => records > 0,
        { timeoutMs: 30_000, everyMs: 250, what: `a record in ${topic}` },
      );
    }
  }

  it('MultiPipelineApp: three sub-topologies, a named repartition topic, 11 tasks, RUNNING under the classic protocol', async () => {
    const options = await pipeline();
    const {
      instances: [app],
      ms,
    } = await runInstances(options, 1);
    process.stdout.write(`      classic, 1 instance: RUNNING after ${ms} ms\n`);
    // describe() names internal topics without the application id; Kafka creates them with it.
    const subTopologies = app!.topology.split(/Sub-topology: /).slice(1);
    assert.equal(subTopologies.length, 3, app!.topology);
    assert.match(subTopologies[0]!, new RegExp(`^0\\b[\\s\\S]*topics: \\[${options.left}\\]`));
    assert.match(subTopologies[0]!, new RegExp(`topics: \\[${options.right}\\]`));
    assert.match(subTopologies[0]!, /Sink: by-first-repartition-sink \(topic: by-first-repartition\)/);
    assert.match(
      subTopologies[1]!,
      /^1\b[\s\S]*Source: by-first-repartition-source \(topics: \[by-first-repartition\]\)/,
    );
    assert.match(subTopologies[2]!, new RegExp(`^2\\b[\\s\\S]*topics: \\[${options.third}\\]`));
    await untilTasksSpread([app!]);
    await untilInternalTopics(options.appId);
    const [repartition] = (await admin.fetchTopicMetadata({ topics: [`${options.appId}-by-first-repartition`] }))
      .topics;
    assert.equal(repartition!.partitions.length, 4, 'the repartition topic has the partitions of its inputs');
    await untilEveryOutput(options);
  });

  it('MultiPipelineApp: RUNNING in a streams group (group.protocol=streams), with 1 instance and with 3', async () => {
    const single = await pipeline({ 'group.protocol': 'streams' });
    const one = await runInstances(single, 1);
    process.stdout.write(`      streams, 1 instance: RUNNING after ${one.ms} ms\n`);
    await untilTasksSpread(one.instances);
    await untilInternalTopics(single.appId);
    // kafkajs (the scaler's client) lists the streams group, but its DescribeGroups sees classic groups only.
    const listed = (await admin.listGroups()).groups.find((g) => g.groupId === single.appId);
    assert.equal(listed?.protocolType, 'streams');
    const [described] = (await admin.describeGroups([single.appId])).groups;
    assert.deepEqual([described!.state, described!.members.length], ['Dead', 0]);
    await untilEveryOutput(single);
    await Promise.all(one.instances.map((i) => i.stop()));

    const shared = await pipeline({ 'group.protocol': 'streams' });
    const three = await runInstances(shared, 3);
    process.stdout.write(`      streams, 3 instances: all RUNNING after ${three.ms} ms\n`);
    await untilTasksSpread(three.instances);
    for (const instance of three.instances) assert.ok(instance.tasks.length > 0, 'every instance has tasks');
    await untilEveryOutput(shared);
  });

  it('MultiPipelineApp slow=count: in a streams group, the repartition topic lags while every input is committed to its end', async () => {
    const options = await pipeline({ 'group.protocol': 'streams' });
    const repartition = `${options.appId}-by-first-repartition`;
    const app = track(await launchMultiPipelineApp({ ...options, slow: 'count', delayMs: 200 }));
    await app.ready;
    const pairs = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await producer.send({ topic: options.left, messages: pairs });
    await producer.send({ topic: options.right, messages: pairs });
    await producer.send({ topic: options.third, messages: pairs });
    /** Records not yet committed by the group, per topic (kafkajs reads a streams group's offsets like any group's). */
    const lag = async (): Promise<Record<string, number>> => {
      const topics = [options.left, options.right, options.third, repartition];
      const committed = await admin.fetchOffsets({ groupId: options.appId, topics });
      const result: Record<string, number> = {};
      for (const { topic, partitions } of committed) {
        const ends = await admin.fetchTopicOffsets(topic);
        result[topic] = ends.reduce((sum, end) => {
          const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
          return sum + Number(end.high) - Math.max(offset, Number(end.low));
        }, 0);
      }
      return result;
    };
    const seen = await eventually(
      lag,
      (l) => l[options.left] === 0 && l[options.right] === 0 && l[options.third] === 0 && l[repartition]! > 0,
      { timeoutMs: 30_000, everyMs: 500, what: 'the inputs committed and the repartition topic behind' },
    );
    process.stdout.write(`      slow=count: ${JSON.stringify(seen)}\n`);
  });

  it('PlainConsumerApp: gets an assignment in a consumer group (group.protocol=consumer) and commits', async () => {
    const topic = uniqueName('plain');
    const group = uniqueName('plain-group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: String(i) })) });
    const startedAt = Date.now();
    const consumer = track(
      await launchPlainConsumer({ bootstrap: testBootstrap(), group, topics: [topic], commit: 'sync' }),
    );
    await consumer.ready;
    process.stdout.write(`      consumer protocol: assigned after ${Date.now() - startedAt} ms\n`);
    assert.deepEqual(consumer.assignment, [`${topic}-0`, `${topic}-1`]);
    // Nor does it see the members of a consumer group.
    const [described] = (await admin.describeGroups([group])).groups;
    assert.deepEqual([described!.state, described!.members.length], ['Dead', 0]);
    const committed = await eventually(
      async () => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions,
      (partitions) => partitions.reduce((sum, p) => sum + Number(p.offset), 0) === 10,
      { timeoutMs: 30_000, everyMs: 250, what: 'every record committed' },
    );
    assert.equal(committed.length, 2);
  });

  it('pause() freezes a JVM (state T) until resume(); stop() and kill() end a paused one', async () => {
    const topic = uniqueName('paused');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const launch = async (): Promise<PlainConsumer> => {
      const consumer = track(
        await launchPlainConsumer({ bootstrap: testBootstrap(), group: uniqueName('paused-group'), topics: [topic] }),
      );
      await consumer.ready;
      return consumer;
    };
    const [stopped, killed] = await Promise.all([launch(), launch()]);
    const pid = stopped.pid!;

    stopped.pause();
    assert.equal(stopped.paused, true);
    await eventually(
      () => processState(pid),
      (state) => state === 'T',
      { timeoutMs: 5_000, everyMs: 50, what: 'the JVM stopped' },
    );
    stopped.resume();
    assert.equal(stopped.paused, false);
    await eventually(
      () => processState(pid),
      (state) => state !== 'T',
      { timeoutMs: 5_000, everyMs: 50, what: 'the JVM running again' },
    );

    // A paused JVM is resumed by stop(), so its shutdown hook runs and it exits on SIGTERM.
    stopped.pause();
    await eventually(
      () => processState(pid),
      (state) => state === 'T',
      { timeoutMs: 5_000, everyMs: 50, what: 'the JVM stopped again' },
    );
    await stopped.stop();
    assert.equal(processAlive(pid), false);

    const killedPid = killed.pid!;
    killed.pause();
    await killed.kill();
    assert.equal(processAlive(killedPid), false);
    assert.equal(killed.running, false);
  });
});
