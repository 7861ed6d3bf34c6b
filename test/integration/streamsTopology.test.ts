/**
 * The topology as the running application reports it, with no `topology`
 * parameter: MultiPipelineApp (a join of two 4-partition topics, a count
 * behind a repartition topic, an independent filter on a 3-partition topic:
 * 3 sub-topologies, 11 tasks, where the topic names alone give 8) in a
 * classic group and in a streams group (KIP-1071, Kafka 4.x), with 1 and 3
 * instances; a plain consumer in a KIP-848 consumer group; an instance
 * frozen with SIGSTOP, reported as what it is; and a join sub-topology
 * starved inside a running app (its tasks wait on max.task.idle.ms for the
 * input that has no records) while the same member moves the filter's
 * partitions: not stalled, and sized by `rate`. `explain` is run as an
 * operator runs it.
 */
import assert from 'node:assert/strict';
import type { Admin, Producer } from 'kafkajs';
import type { Decision } from '../../src/model/decision.ts';
import { eventually } from '../../tools/eventually.ts';
import type { JavaApp } from '../../tools/kafka/javaApp.ts';
import { launchMultiPipelineApp, type MultiPipelineAppOptions } from '../../tools/kafka/multiPipelineApp.ts';
import { launchPlainConsumer } from '../../tools/kafka/plainConsumerApp.ts';
import type { StreamsInstance } from '../../tools/kafka/streamsApp.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ExplainCommand } from '../support/explainCommand.ts';
import { createPipeline } from '../support/multiPipeline.ts';
import { testBootstrap, testKafkaClient, testKafkaVersion, uniqueName } from '../support/kafka.ts';

const streamsGroups = (): boolean => Number(testKafkaVersion().split('.')[0]) >= 4;

describe('the topology as the running application reports it @compat', function () {
  this.timeout(180_000);
  let admin: Admin;
  let producer: Producer;
  let scaler: TestApp;
  const started: JavaApp[] = [];
  const command = new ExplainCommand();

  before(async () => {
    const kafka = testKafkaClient();
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    scaler = await startTestApp({ SCALER_POLL_INTERVAL: '500ms' });
  });

  afterEach(async () => {
    command.killAll();
    await Promise.all(started.splice(0).map((app) => app.kill()));
  });

  after(async () => {
    await Promise.all([admin?.disconnect(), producer?.disconnect(), scaler?.stop()]);
  });

  const pipeline = (properties: Record<string, string> = {}) => createPipeline(admin, properties);

  async function run(options: MultiPipelineAppOptions, count: number): Promise<StreamsInstance[]> {
    const instances = await Promise.all(
      Array.from({ length: count }, async () => {
        const instance = await launchMultiPipelineApp(options);
        started.push(instance);
        return instance;
      }),
    );
    await Promise.all(instances.map((i) => i.ready));
    return instances;
  }

  const decide = async (groupId: string, extra: Record<string, string> = {}): Promise<Decision> =>
    (
      await scaler.scaler.evaluate({
        name: groupId,
        namespace: 'topology',
        scalerMetadata: { bootstrapServers: testBootstrap(), consumerGroup: groupId, ...extra },
      })
    ).decision;

  /** The explain command's JSON for a group, with no topic and no topology given. */
  async function explainJson(groupId: string): Promise<Record<string, unknown>> {
    const { code, stdout, stderr } = await command.run([
      '--bootstrap-servers',
      testBootstrap(),
      '--group',
      groupId,
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  const cases = [
    { protocol: 'classic', instances: 1, compat: true },
    { protocol: 'classic', instances: 3, compat: true },
    { protocol: 'streams', instances: 1, compat: false },
    { protocol: 'streams', instances: 3, compat: false },
  ] as const;
  for (const c of cases) {
    it(`MultiPipelineApp in a ${c.protocol} group with ${c.instances} instance(s): 3 sub-topologies, 11 tasks, useful max 11`, async function () {
      if (c.protocol === 'streams' && !streamsGroups()) this.skip();
      if (!c.compat && !streamsGroups()) this.skip(); // one case is enough on 3.x
      const options = await pipeline(c.protocol === 'streams' ? { 'group.protocol': 'streams' } : {});
      await run(options, c.instances);
      const repartition = `${options.appId}-by-first-repartition`;
      const want = [
        { id: '0', inputs: [options.left, options.right].sort(), tasks: 4 },
        { id: '1', inputs: [repartition], tasks: 4 },
        { id: '2', inputs: [options.third], tasks: 3 },
      ];
      // Every instance joins and gets its tasks before the group settles.
      const doc = await eventually(
        () => explainJson(options.appId),
        (d) => {
          const group = d['group'] as { members: number; instances: number | null; state: string };
          const topology = d['topology'] as { source: string; subTopologies: Array<{ tasks: number }> };
          return (
            group.state === 'Stable' &&
            group.instances === c.instances &&
            topology.source === 'reported' &&
            topology.subTopologies.reduce((sum, s) => sum + s.tasks, 0) === 11
          );
        },
        { timeoutMs: 60_000, everyMs: 1_000, what: `the ${c.protocol} group reporting its 11 tasks` },
      );
      const topology = doc['topology'] as {
        usefulMax: number;
        notes: string[];
        subTopologies: Array<{ id: string; inputs: string[]; tasks: number }>;
      };
      assert.deepEqual(
        topology.subTopologies.map((s) => ({ id: s.id, inputs: s.inputs, tasks: s.tasks })),
        want,
      );
      assert.equal(topology.usefulMax, 11);
      assert.deepEqual(topology.notes, []);
      assert.equal((doc['group'] as { protocol: string }).protocol, c.protocol);

      // The text form, as an operator reads it.
      const text = await command.run(['--bootstrap-servers', testBootstrap(), '--group', options.appId]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^Topology \(as the application reports it\):$/m);
      assert.match(text.stdout, /useful maximum 11 replicas: 11 tasks/);

      // The trigger caps at the same 11; a topology parameter that folds the sources together is used, and said.
      const decision = await decide(options.appId, {
        topology: `sources:${options.left}+${options.right}+${options.third};counts:${repartition}`,
      });
      assert.equal(decision.topology.source, 'given');
      assert.match(decision.topology.notes[0] ?? '', /differs from what the application reports/);
    });
  }

  it('a plain consumer in a KIP-848 consumer group (group.protocol=consumer): its members and assignment', async function () {
    if (!streamsGroups()) this.skip();
    const topic = uniqueName('kip848');
    const group = uniqueName('kip848-group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const consumer = await launchPlainConsumer({ bootstrap: testBootstrap(), group, topics: [topic], commit: 'sync' });
    started.push(consumer);
    await consumer.ready;
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: String(i) })) });
    const doc = await eventually(
      () => explainJson(group),
      (d) => (d['group'] as { members: number }).members === 1,
      { timeoutMs: 30_000, everyMs: 1_000, what: 'the consumer group with its member' },
    );
    assert.deepEqual(doc['group'], {
      state: 'Stable',
      members: 1,
      instances: null,
      protocol: 'consumer',
      reconciling: false,
    });
    const partitions = doc['partitions'] as Array<{ topic: string }>;
    assert.deepEqual(
      partitions.map((p) => p.topic),
      [topic, topic],
    );
  });

  it('an instance frozen with SIGSTOP: the group empties and the records waiting are reported as what they are', async () => {
    const options = await pipeline();
    const [instance] = await run(options, 1);
    // The scaler starts watching while the instance runs.
    await eventually(
      () => decide(options.appId, { stallWindow: '20s' }),
      (d) => d.topology.source === 'reported',
      { timeoutMs: 30_000, everyMs: 500, what: 'the running app seen' },
    );
    instance!.pause();
    await producer.send({
      topic: options.third,
      messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    // Its 10 s session runs out, the group empties, and the third topic's records wait with nobody to process them.
    const gone = await eventually(
      () => decide(options.appId, { stallWindow: '20s' }),
      (d) => /no members for \d+s while records wait/.test(d.explanation),
      { timeoutMs: 60_000, everyMs: 1_000, what: 'the frozen instance reported' },
    );
    assert.match(gone.explanation, /the application's instances stopped, crashed or hang/);
    assert.equal(gone.topology.source, 'reported', 'the topology last reported is kept while the group is empty');
    assert.match(gone.topology.notes[0] ?? '', /as last reported \d+s ago/);
    assert.ok(gone.metricValue > 0, 'the waiting records still count');
  });

  it('a member that moves one partition and starves another is busy, not stalled; one that moves none is stalled', async () => {
    const topic = uniqueName('starved');
    const groupId = uniqueName('starved-group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const send = (partition: number, count: number) =>
      producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition, value: String(i) })) });
    await Promise.all([send(0, 5), send(1, 5)]);
    const consumer = testKafkaClient().consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      // Partition 0 costs 100 ms a record; partition 1 is paused below: starved by its busy member.
      await consumer.run({
        autoCommitInterval: 500,
        eachMessage: async ({ partition }) => {
          if (partition === 0) await new Promise((resolve) => setTimeout(resolve, 100));
        },
      });
      await eventually(
        () => decide(groupId),
        (d) => d.partitions.length === 2 && d.partitions.every((p) => p.lag === 0n),
        { timeoutMs: 30_000, everyMs: 500, what: 'both partitions consumed and committed' },
      );
      consumer.pause([{ topic, partitions: [1] }]);
      await Promise.all([send(0, 300), send(1, 50)]);
      // Past the stall window, partition 1 stood still while its member moved partition 0.
      await new Promise((resolve) => setTimeout(resolve, 13_000));
      // `rate` sizes by the backlog of the partitions that are not stalled: the starved one's 50 records count.
      const busy = await decide(groupId, { stallWindow: '10s', lagStrategy: 'rate' });
      const starved = busy.partitions.find((p) => p.partition === 1)!;
      assert.equal(starved.lag, 50n);
      assert.deepEqual(busy.stalled, [], busy.explanation);
      const backlog = Number(/backlog (\d+)/.exec(busy.explanation)?.[1]);
      const p0 = Number(busy.partitions.find((p) => p.partition === 0)!.lag);
      assert.equal(backlog, 50 + p0, busy.explanation);

      // Now the member commits nothing at all: stalled.
      consumer.pause([{ topic, partitions: [0] }]);
      const stuck = await eventually(
        () => decide(groupId, { stallWindow: '10s' }),
        (d) => d.stalled.length === 2,
        { timeoutMs: 40_000, everyMs: 1_000, what: 'both partitions stalled' },
      );
      assert.deepEqual([...stuck.stalled].sort(), [`${topic}-0`, `${topic}-1`]);
    } finally {
      await consumer.disconnect();
    }
  });

  it('a sub-topology starved inside a running Streams app (its join waits on max.task.idle.ms) while the member moves another: not stalled, and sized by rate', async () => {
    // A join task with records on one input only waits up to max.task.idle.ms for the other
    // before it processes them (KIP-695): far longer than this test runs.
    const options = await pipeline({ 'max.task.idle.ms': '120000' });
    await run(options, 1);
    const { left, right, third } = options;
    /** `perPartition` records to each partition of `topic`, keyed `k<partition>` (so left and right join). */
    const send = (topic: string, partitions: number, perPartition: number, timestamp?: number) =>
      producer.send({
        topic,
        messages: Array.from({ length: partitions * perPartition }, (_, i) => ({
          partition: i % partitions,
          key: `k${i % partitions}`,
          value: `v${i}`,
          ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }),
        })),
      });
    const meta = { stallWindow: '10s', lagStrategy: 'rate' };
    const offsets = (d: Decision, topic: string) => d.partitions.filter((p) => p.topic === topic);

    // One record a join partition on each side, left's older: each task joins its left record,
    // then holds its right one, waiting for more left. Every left partition gets a commit.
    const at = Date.now();
    await send(left, 4, 1, at);
    await send(right, 4, 1, at + 1);
    await send(third, 3, 1);
    await eventually(
      () => decide(options.appId, meta),
      (d) =>
        offsets(d, left).filter((p) => p.committed === 1n && p.lag === 0n).length === 4 &&
        offsets(d, third).filter((p) => p.committed === 1n && p.lag === 0n).length === 3,
      { timeoutMs: 60_000, everyMs: 500, what: 'the left and third partitions processed and committed' },
    );

    // Records to left only: each join task has data on one input and idles, so left's commits stand still.
    await send(left, 4, 10);
    const starvedAt = Date.now();
    // Past the 10 s stall window (with margin for the polls at 500 ms); meanwhile the same member
    // keeps committing third: a record to each of its partitions every second.
    let midway: bigint[] | undefined;
    while (Date.now() - starvedAt < 13_000) {
      await send(third, 3, 1);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // Inside the stall window of the decision below.
      if (!midway && Date.now() - starvedAt >= 4_000) {
        midway = offsets(await decide(options.appId, meta), third).map((p) => p.committed);
      }
    }
    const busy = await decide(options.appId, meta);
    const why = busy.explanation;
    assert.deepEqual(
      offsets(busy, left).map((p) => ({ partition: p.partition, committed: p.committed, lag: p.lag })),
      [0, 1, 2, 3].map((partition) => ({ partition, committed: 1n, lag: 10n })),
      why,
    );
    assert.ok(
      offsets(busy, third).every((p, i) => p.committed > midway![i]!),
      `third's committed offsets moved during the stall window: ${String(midway)} → ${String(offsets(busy, third).map((p) => p.committed))}`,
    );
    assert.deepEqual(busy.stalled, [], why);
    assert.ok(
      offsets(busy, left).every((p) => !p.stalled),
      why,
    );
    // `rate` counts them for the join sub-topology: its backlog is left's 40 (0 if they were left out).
    assert.equal(busy.dominant, '0', why);
    assert.equal(Number(/sub-topology 0: .*?backlog (\d+)/.exec(why)?.[1]), 40, why);
    assert.equal(busy.topology.subTopologies.find((s) => s.id === '0')?.lag, 40n, why);
    assert.ok((busy.topology.subTopologies.find((s) => s.id === '0')?.replicas ?? 0) >= 1, why);
    // With a throughput to size by, the backlog alone asks for 40 / 1 s / 10 a second = 4 replicas
    // (without the starved partitions: right's arrivals, at most 1).
    const sized = await decide(options.appId, { ...meta, replicaThroughput: '10', catchUpSeconds: '1' });
    assert.deepEqual(sized.stalled, [], sized.explanation);
    assert.ok((sized.topology.subTopologies.find((s) => s.id === '0')?.replicas ?? 0) >= 4, sized.explanation);
    process.stdout.write(
      `      left committed 1 for ${((Date.now() - starvedAt) / 1000).toFixed(0)}s with lag 40 while third's went ${String(midway)} → ${String(offsets(busy, third).map((p) => p.committed))}; ${why}; sized: ${sized.explanation}\n`,
    );

    // A record to right's partitions releases the join: the left records it held are processed.
    await send(right, 4, 1);
    await eventually(
      () => decide(options.appId, meta),
      (d) => offsets(d, left).every((p) => p.committed === 11n && p.lag === 0n),
      { timeoutMs: 30_000, everyMs: 500, what: 'the held left records joined and committed' },
    );
  });

  it('rate: the throughput it learns is within ±20 % of the drain measured from committed offsets (2 stream threads)', async () => {
    // The filter sub-topology sleeps 10 ms a record on each of the instance's 2 stream threads.
    const options = await pipeline();
    await run({ ...options, slow: 'filter', delayMs: 10, threads: 2 }, 1);
    const third = options.third;
    // The backlog is all there before the scaler first looks: a backlog, not a minute's arrivals.
    await producer.send({
      topic: third,
      messages: Array.from({ length: 9_000 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    const committed = async (): Promise<number> => {
      const [offsets] = await admin.fetchOffsets({ groupId: options.appId, topics: [third] });
      return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    const meta = { lagStrategy: 'rate', rateWindow: '10s', catchUpSeconds: '30' };
    await decide(options.appId, meta);
    const from = { at: Date.now(), offset: await committed() };
    const learned = await eventually(
      () => decide(options.appId, meta),
      (d) => d.topology.subTopologies.find((s) => s.id === '2')?.replicaThroughput !== undefined,
      { timeoutMs: 60_000, everyMs: 1_000, what: 'a throughput learned for the filter sub-topology' },
    );
    const to = { at: Date.now(), offset: await committed() };
    const drain = (to.offset - from.offset) / ((to.at - from.at) / 1000);
    const perReplica = learned.topology.subTopologies.find((s) => s.id === '2')!.replicaThroughput!;
    process.stdout.write(
      `      learned ${perReplica.toFixed(1)}/s per replica; drain ${drain.toFixed(1)}/s over ${((to.at - from.at) / 1000).toFixed(0)}s with 1 instance (ratio ${(perReplica / drain).toFixed(2)})\n`,
    );
    assert.ok(drain > 20, `the filter drained ${drain}/s`);
    assert.ok(Math.abs(perReplica / drain - 1) <= 0.2, `learned ${perReplica}/s against a drain of ${drain}/s`);
  });
});
