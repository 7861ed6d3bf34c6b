/**
 * The harness stops what it starts: a 3-node cluster survives a killed node
 * and takes it back; killing or interrupting the process that started Kafka
 * leaves no JVM and no data folder behind.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startKafka, type LocalKafka } from '../../tools/kafka/localKafka.ts';
import { processAlive } from '../../tools/managedProcess.ts';
import { createTopic, testKafkaClient, uniqueName } from '../support/kafka.ts';

const CLI = path.resolve(import.meta.dirname, '../../tools/kafka/cli.ts');

/** Polls `check` every 100 ms until it is true or `timeoutMs` passes. */
async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

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
      const cluster = await admin.describeCluster();
      assert.equal(cluster.brokers.length, 3);
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
  let cli: ChildProcess | undefined;

  afterEach(() => {
    if (cli?.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
  });

  /** Starts `cli.ts start` and returns the JVM's PID and the cluster folder once it is ready. */
  async function startCli(): Promise<{ jvmPid: number; root: string }> {
    cli = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', CLI, 'start'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    cli.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise<void>((resolve, reject) => {
      cli!.stdout!.once('data', () => resolve());
      cli!.once('exit', (code) => reject(new Error(`cli exited with ${code}: ${stderr}`)));
    });
    const root = /in (\/\S*kstreams-kafka-\S+)/.exec(stderr)?.[1];
    assert.ok(root, `the cli names its folder: ${stderr}`);
    const pidFile = readdirSync(path.join(root, 'pids'))[0]!;
    const jvmPid = Number(readFileSync(path.join(root, 'pids', pidFile), 'utf8'));
    assert.ok(processAlive(jvmPid));
    return { jvmPid, root };
  }

  for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the parent stops the JVM and deletes the data folder`, async () => {
      const { jvmPid, root } = await startCli();
      cli!.kill(signal);
      assert.ok(await eventually(() => !processAlive(jvmPid), 20_000), `JVM ${jvmPid} still runs after ${signal}`);
      assert.ok(await eventually(() => !existsSync(root), 10_000), `${root} still exists after ${signal}`);
    });
  }
});
