/**
 * The harness stops what it starts: a 3-node cluster survives a killed node
 * and takes it back; killing or interrupting the process that started Kafka
 * leaves no JVM and no data folder behind.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../../tools/eventually.ts';
import { startKafka, type LocalKafka } from '../../tools/kafka/localKafka.ts';
import { ManagedProcess, managedProcessesOf, processAlive } from '../../tools/managedProcess.ts';
import { createTopic, testKafkaClient, uniqueName } from '../support/kafka.ts';

const CLI = path.resolve(import.meta.dirname, '../../tools/kafka/cli.ts');

/** Retries `attempt` every 250 ms until it resolves or `timeoutMs` passes. */
async function retrying<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('harness: a 3-node cluster with one node killed and restarted', function () {
  this.timeout(180_000);
  let kafka: LocalKafka | undefined;

  afterEach(async () => {
    await kafka?.stop();
  });

  it('keeps serving with one node down and takes the node back on its old data', async () => {
    kafka = await startKafka({ nodes: 3 });
    assert.equal(kafka.nodes.length, 3);
    const client = testKafkaClient(kafka.bootstrapServers, 12);
    const admin = client.admin();
    const producer = client.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      const topic = uniqueName('three-nodes');
      await createTopic(admin, topic, 3);
      await producer.send({
        topic,
        messages: [
          { partition: 0, value: 'a' },
          { partition: 1, value: 'b' },
        ],
      });

      const victim = kafka.nodes[1]!;
      const oldPid = victim.pid!;
      await kafka.killNode(victim.id);
      assert.equal(processAlive(oldPid), false, 'SIGKILL ended the JVM');

      // With replication factor 3 and min ISR 2, writes and offset reads go on.
      await producer.send({ topic, messages: [{ partition: 2, value: 'c' }], acks: -1 });
      // kafkajs does not retry ListOffsets during the leader election that follows.
      const ends = await retrying(() => admin.fetchTopicOffsets(topic), 30_000);
      assert.deepEqual(ends.map((e) => [e.partition, e.offset]).sort(), [
        [0, '1'],
        [1, '1'],
        [2, '1'],
      ]);

      await kafka.startNode(victim.id);
      assert.ok(victim.running && victim.pid !== oldPid, 'restarted as a new process');
      // The node serves once its port answers; the broker that answers describeCluster learns of it from the
      // controller a moment later.
      await eventually(
        () => admin.describeCluster(),
        (cluster) => cluster.brokers.length === 3,
        { timeoutMs: 30_000, everyMs: 250, what: 'the restarted node back in the cluster metadata' },
      );
    } finally {
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
    const pids = kafka.nodes.map((n) => n.pid!);
    const root = kafka.root;
    await kafka.stop();
    kafka = undefined;
    assert.deepEqual(pids.filter(processAlive), [], 'stop() ends every JVM');
    assert.equal(existsSync(root), false, 'stop() deletes the data folder');
  });
});

describe('harness: nothing survives the process that started Kafka', function () {
  this.timeout(120_000);
  let cli: ManagedProcess | undefined;

  afterEach(() => cli?.killNow());

  /** Starts `cli.ts start` and returns the JVM's PID and the cluster folder once it is ready. */
  async function startCli(): Promise<{ jvmPid: number; root: string }> {
    cli = new ManagedProcess('kafka cli', process.execPath, ['--disable-warning=TimeoutNegativeWarning', CLI, 'start']);
    // It prints the bootstrap address once the broker serves.
    await cli.waitFor(
      (line) => /^127\.0\.0\.1:\d+$/.test(line),
      90_000,
      (code) => `cli exited with ${code}: ${cli!.tail.join('\n')}`,
    );
    const root = cli.tail.map((line) => /in (\/\S*kstreams-kafka-\S+)/.exec(line)?.[1]).find((r) => r);
    assert.ok(root, `the cli names its folder: ${cli.tail.join('\n')}`);
    const [jvmPid, ...more] = managedProcessesOf(cli.pid!);
    assert.ok(jvmPid !== undefined && more.length === 0, `the cli runs one JVM: ${[jvmPid, ...more].join(', ')}`);
    assert.ok(processAlive(jvmPid));
    return { jvmPid, root };
  }

  // SIGKILL leaves the work to the watchdog; on SIGTERM and SIGINT the cli stops Kafka itself and exits 0.
  const exits = { SIGKILL: null, SIGTERM: 0, SIGINT: 0 } as const;
  for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the parent stops the JVM and deletes the data folder`, async () => {
      const { jvmPid, root } = await startCli();
      cli!.signal(signal);
      assert.equal(await cli!.exited, exits[signal], `the cli's exit after ${signal}`);
      const gone = { timeoutMs: 20_000, what: `JVM ${jvmPid} and ${root} gone after ${signal}` };
      await eventually(
        () => processAlive(jvmPid) || existsSync(root),
        (left) => !left,
        gone,
      );
    });
  }
});
