/**
 * Broker faults on a 3-node cluster, with the scaler in-process behind real
 * gRPC, sampled the way KEDA polls it (GetMetrics and IsActive every ~250 ms).
 *
 * The promise under test: whatever the brokers do, the scaler never answers
 * a lag below the true one and never IsActive=false while records wait;
 * when it cannot read Kafka it answers UNAVAILABLE (never a made-up 0, never
 * INTERNAL, UNKNOWN or NOT_FOUND), and once the cluster is back it answers
 * the exact lag again.
 *
 * Nobody consumes, so the true lag (end offset − committed offset, summed
 * over the partitions, read from the brokers with a separate admin) can
 * only grow: a trickle producer adds records while brokers are up. Before
 * each fault the producer pauses and the scaler must answer the measured
 * truth exactly; that truth is the fault's floor: every later answer was
 * read later, so none may be lower, and none may be lower than an earlier
 * answer either. Faults, one after another:
 *   (a) SIGKILL the group coordinator, restart it;
 *   (b) SIGKILL the leader of partition 0, restart it;
 *   (c) stop all three nodes, keep them down ~10 s, start them again.
 *
 * The cluster is the file's own (the global fixture's single broker is not
 * used). Tagged @compat: runs on 4.x and on 3.9.1.
 */
import assert from 'node:assert/strict';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { statusName } from '../../src/errors.ts';
import { createInternalCluster, READ_COMMITTED } from '../../src/kafka/kafkajsInternals.ts';
import type { ScaledObjectRef } from '../../src/generated/externalscaler.ts';
import { type LocalKafka, startKafka } from '../../tools/kafka/localKafka.ts';
import { kafkaVersionFromEnv } from '../../tools/kafka/versions.ts';
import { eventually } from '../../tools/eventually.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { commitOffsets, produceToPartitions } from '../support/kafka.ts';

const TOPIC = 'faults';
const GROUP = 'faults-app';
const PARTITIONS = 6;
const RECORDS_PER_PARTITION = 200;
/** Committed offsets: every partition has lag, each a different amount. */
const COMMITTED: Readonly<Record<number, number>> = Object.fromEntries(
  Array.from({ length: PARTITIONS }, (_, p) => [p, 20 * p + 7]),
);

const POLL_INTERVAL_MS = 250;
const MAX_STALENESS_MS = 4_000;
const KAFKA_TIMEOUT_MS = 2_000;
/** The KEDA-like sampler: one GetMetrics and one IsActive per tick. */
const SAMPLE_EVERY_MS = 250;
const RPC_DEADLINE_MS = 5_000;
/** Upper bound of one sampler run and of the trickle producer: both stop by themselves. */
const SAMPLER_MAX_MS = 360_000;
const TRICKLE_MAX_MS = 1_200_000;
/** How long the killed node stays down at least (over the 6 s broker session timeout plus staleness). */
const ONE_DOWN_MS = 12_000;
/** How long all three nodes stay down. */
const ALL_DOWN_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One answer of the scaler, as the sampler saw it. */
interface Answer {
  readonly rpc: 'GetMetrics' | 'IsActive';
  /** When the request was sent. */
  readonly sentAt: number;
  readonly value?: number;
  readonly active?: boolean;
  readonly code?: status;
  readonly details?: string;
}

/** Unary call with a deadline, so a hanging RPC shows as DEADLINE_EXCEEDED instead of stalling the sampler. */
function withDeadline<T>(
  start: (metadata: Metadata, options: { deadline: number }, cb: (err: ServiceError | null, res: T) => void) => unknown,
): Promise<T> {
  return new Promise((resolve, reject) => {
    start(new Metadata(), { deadline: Date.now() + RPC_DEADLINE_MS }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function failed(rpc: Answer['rpc'], sentAt: number, err: unknown): Answer {
  const e = err as Partial<ServiceError>;
  return {
    rpc,
    sentAt,
    code: typeof e.code === 'number' ? e.code : status.UNKNOWN,
    details: String(e.details ?? e.message),
  };
}

/** Samples GetMetrics and IsActive every SAMPLE_EVERY_MS until stopped (or SAMPLER_MAX_MS). */
class Sampler {
  readonly answers: Answer[] = [];
  #stopped = false;
  readonly #loop: Promise<void>;

  constructor(client: ScalerClient, so: ScaledObjectRef, metricName: string) {
    this.#loop = this.#run(client, so, metricName);
  }

  async #run(client: ScalerClient, so: ScaledObjectRef, metricName: string): Promise<void> {
    const deadline = Date.now() + SAMPLER_MAX_MS;
    while (!this.#stopped && Date.now() < deadline) {
      const sentAt = Date.now();
      const [metrics, active] = await Promise.all([
        withDeadline<{ metricValues: Array<{ metricValue: number; metricValueFloat: number }> }>((md, opts, cb) =>
          client.raw.getMetrics({ scaledObjectRef: so, metricName }, md, opts, cb),
        ).then(
          ({ metricValues }): Answer => {
            const v = metricValues[0];
            if (!v) return { rpc: 'GetMetrics', sentAt, code: status.UNKNOWN, details: 'no metric value' };
            return { rpc: 'GetMetrics', sentAt, value: v.metricValueFloat > 0 ? v.metricValueFloat : v.metricValue };
          },
          (err: unknown) => failed('GetMetrics', sentAt, err),
        ),
        withDeadline<{ result: boolean }>((md, opts, cb) => client.raw.isActive(so, md, opts, cb)).then(
          ({ result }): Answer => ({ rpc: 'IsActive', sentAt, active: result }),
          (err: unknown) => failed('IsActive', sentAt, err),
        ),
      ]);
      this.answers.push(metrics, active);
      await sleep(sentAt + SAMPLE_EVERY_MS - Date.now());
    }
  }

  async stop(): Promise<Answer[]> {
    this.#stopped = true;
    await this.#loop;
    return this.answers;
  }
}

/** Adds one record per partition every 200 ms while resumed; send failures (brokers down) are counted, not thrown. */
class Trickle {
  sent = 0;
  failedSends = 0;
  #paused = true;
  #stopped = false;
  #inFlight: Promise<void> = Promise.resolve();
  readonly #loop: Promise<void>;

  constructor(producer: Producer) {
    this.#loop = this.#run(producer);
  }

  async #run(producer: Producer): Promise<void> {
    const deadline = Date.now() + TRICKLE_MAX_MS;
    while (!this.#stopped && Date.now() < deadline) {
      if (!this.#paused) {
        const send = producer
          .send({
            topic: TOPIC,
            acks: -1,
            timeout: 5_000,
            messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: 'trickle' })),
          })
          .then(
            () => void (this.sent += PARTITIONS),
            () => void this.failedSends++,
          );
        this.#inFlight = send;
        await send;
      }
      await sleep(200);
    }
  }

  resume(): void {
    this.#paused = false;
  }

  /** Resolves once no send is in flight: from then on the end offsets stay put. */
  async pause(): Promise<void> {
    this.#paused = true;
    await this.#inFlight;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#paused = true;
    await this.#loop;
  }
}

describe(`broker faults on a 3-node Kafka ${kafkaVersionFromEnv().text} cluster: never below the true lag, UNAVAILABLE when unsure @compat`, function () {
  this.timeout(300_000);
  let kafka: LocalKafka | undefined;
  let app: TestApp | undefined;
  let client: ScalerClient | undefined;
  let producer: Producer | undefined;
  let trickle: Trickle | undefined;
  let truthClient: Kafka;
  let so: ScaledObjectRef;
  let metricName: string;
  /** The truth the scaler last answered exactly; no later answer may be lower. */
  let floor = 0;
  let truthBeforeFaults = 0;
  let logsAtStart = 0;

  /** Sum over the partitions of end offset − committed offset, as the brokers say now. */
  async function measureLag(): Promise<number> {
    const admin = truthClient.admin();
    await admin.connect();
    try {
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(TOPIC),
        admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }),
      ]);
      const committedBy = new Map(committed[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
      assert.equal(ends.length, PARTITIONS);
      return ends.reduce((sum, p) => {
        const offset = committedBy.get(p.partition);
        assert.ok(offset !== undefined && offset >= 0, `partition ${p.partition} has a committed offset`);
        return sum + Number(p.high) - offset;
      }, 0);
    } finally {
      await admin.disconnect();
    }
  }

  async function getMetric(): Promise<number> {
    const { metricValues } = await client!.getMetrics(so, metricName);
    const v = metricValues[0]!;
    return v.metricValueFloat > 0 ? v.metricValueFloat : v.metricValue;
  }

  /**
   * With the producer paused: the truth, measured twice around one scaler
   * answer, until the answer equals it (and IsActive says true). Returns
   * that truth; it becomes the floor for what follows.
   */
  async function settle(timeoutMs: number, what: string): Promise<number> {
    await trickle?.pause();
    const seen = await eventually(
      async () => {
        const before = await measureLag();
        const value = await getMetric();
        const { result: active } = await client!.isActive(so);
        const after = await measureLag();
        return { before, value, active, after };
      },
      (s) => s.before === s.after && s.value === s.before && s.active,
      { timeoutMs, everyMs: 250, what },
    );
    floor = seen.value;
    return seen.value;
  }

  async function coordinatorOf(groupId: string): Promise<number> {
    const cluster = createInternalCluster(truthClient, {
      metadataMaxAge: 60_000,
      isolationLevel: READ_COMMITTED,
      instrumentationEmitter: null,
    });
    try {
      await cluster.connect();
      const broker = await cluster.brokerPool.findConnectedBroker();
      const { coordinator } = await broker.findGroupCoordinator({ groupId, coordinatorType: 0 });
      return coordinator.nodeId;
    } finally {
      await cluster.disconnect();
    }
  }

  async function leaderOf(partition: number): Promise<number> {
    const admin = truthClient.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      const leader = metadata.topics[0]!.partitions.find((p) => p.partitionId === partition)?.leader;
      assert.ok(leader !== undefined && leader >= 0, `partition ${partition} has a leader`);
      return leader;
    } finally {
      await admin.disconnect();
    }
  }

  /** Starts the nodes that are not running (after a failed step), so the next fault starts from a whole cluster. */
  async function restartStopped(): Promise<void> {
    await Promise.all(kafka!.nodes.filter((n) => !n.running).map((n) => kafka!.startNode(n.id)));
  }

  /** Waits, after `since` + the staleness limit, for an answer that must come from a fresh read. */
  async function freshAnswerAfter(since: number, what: string): Promise<number> {
    await sleep(since + MAX_STALENESS_MS + 500 - Date.now());
    const value = await eventually(getMetric, (v) => v >= floor, { timeoutMs: 60_000, everyMs: 250, what });
    return value;
  }

  interface Tally {
    readonly answers: number;
    readonly ok: number;
    readonly unavailable: number;
    readonly other: readonly Answer[];
    readonly below: readonly Answer[];
    readonly drops: ReadonlyArray<readonly [Answer, Answer]>;
    readonly inactive: readonly Answer[];
    readonly min: number | undefined;
    readonly max: number | undefined;
  }

  function tally(answers: readonly Answer[], floorAtStart: number): Tally {
    const values = answers.filter((a) => a.value !== undefined);
    const drops: Array<readonly [Answer, Answer]> = [];
    for (let i = 1; i < values.length; i++) {
      if (values[i]!.value! < values[i - 1]!.value!) drops.push([values[i - 1]!, values[i]!]);
    }
    const numbers = values.map((a) => a.value!);
    return {
      answers: answers.length,
      ok: answers.filter((a) => a.code === undefined).length,
      unavailable: answers.filter((a) => a.code === status.UNAVAILABLE).length,
      other: answers.filter((a) => a.code !== undefined && a.code !== status.UNAVAILABLE),
      below: values.filter((a) => a.value! < floorAtStart || a.value! < truthBeforeFaults),
      drops,
      inactive: answers.filter((a) => a.active === false),
      min: numbers.length ? Math.min(...numbers) : undefined,
      max: numbers.length ? Math.max(...numbers) : undefined,
    };
  }

  const show = (a: Answer, t0: number): string =>
    `${a.rpc} at +${((a.sentAt - t0) / 1000).toFixed(2)}s: ${
      a.code !== undefined ? `${statusName(a.code)} ${a.details}` : a.rpc === 'GetMetrics' ? a.value : a.active
    }`;
  const list = (xs: readonly Answer[], t0: number): string =>
    xs
      .slice(0, 10)
      .map((a) => show(a, t0))
      .join('; ');

  /** Prints the fault's one-line summary; returns the broken promises (empty when the scaler kept them). */
  function report(name: string, answers: readonly Answer[], t0: number, floorAtStart: number, notes: string): string[] {
    const t = tally(answers, floorAtStart);
    process.stdout.write(
      `      ${name}: ${t.answers} answers, ${t.ok} OK, ${t.unavailable} UNAVAILABLE, ${t.other.length} other; ` +
        `GetMetrics min ${t.min ?? '-'} max ${t.max ?? '-'}; IsActive=false ${t.inactive.length}; ` +
        `truth before ${floorAtStart}; ${notes}\n`,
    );
    const problems: string[] = [];
    if (t.below.length) problems.push(`answers below the true lag ${floorAtStart}: ${list(t.below, t0)}`);
    if (t.inactive.length) problems.push(`IsActive=false while records wait: ${list(t.inactive, t0)}`);
    if (t.other.length) problems.push(`errors other than UNAVAILABLE: ${list(t.other, t0)}`);
    if (t.drops.length) {
      const pairs = t.drops
        .slice(0, 5)
        .map(([a, b]) => `${show(a, t0)} then ${show(b, t0)}`)
        .join('; ');
      problems.push(`a value below an earlier one (the lag only grows): ${pairs}`);
    }
    if (t.ok === 0) problems.push('no OK answer at all');
    return problems.map((p) => `${name}: ${p}`);
  }

  interface FaultRun<T> {
    readonly answers: readonly Answer[];
    readonly t0: number;
    readonly result: T;
  }

  /**
   * Runs `fault` with the trickle producer on and the sampler running (from
   * 1.5 s before it until it returns), prints the summary and fails on any
   * broken promise. If `fault` itself fails, the summary is printed as well
   * and the broken promises, if any, join its error.
   */
  async function underFault<T extends { notes: string }>(
    name: string,
    fault: (t0: number) => Promise<T>,
  ): Promise<FaultRun<T>> {
    const floorAtStart = floor;
    trickle!.resume();
    const t0 = Date.now();
    const sampler = new Sampler(client!, so, metricName);
    let result: T;
    try {
      await sleep(1_500);
      result = await fault(t0);
    } catch (err) {
      const answers = await sampler.stop();
      const problems = report(name, answers, t0, floorAtStart, 'interrupted');
      if (problems.length === 0) throw err;
      throw new Error(`${problems.join('\n')}\nand the fault run failed: ${String(err)}`, { cause: err });
    }
    const answers = await sampler.stop();
    const notes = `${result.notes}; trickle sent ${trickle!.sent}, ${trickle!.failedSends} sends failed`;
    const problems = report(name, answers, t0, floorAtStart, notes);
    assert.deepEqual(problems, [], problems.join('\n'));
    return { answers, t0, result };
  }

  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

  /** SIGKILL one node, wait for a fresh answer without it, keep it down ONE_DOWN_MS, restart it, wait for the truth. */
  async function killAndRestart(node: number, t0: number, role: string): Promise<{ notes: string }> {
    const killedAt = Date.now();
    await kafka!.killNode(node);
    const fresh = await freshAnswerAfter(killedAt, `a fresh answer with the ${role} down`);
    const freshAfter = Date.now() - killedAt;
    await sleep(killedAt + ONE_DOWN_MS - Date.now());
    const restartAt = Date.now();
    await kafka!.startNode(node);
    const startedAt = Date.now();
    const truth = await settle(90_000, `the exact truth after the ${role} returned`);
    return {
      notes:
        `node ${node} killed at +${seconds(killedAt - t0)}, fresh answer ${fresh} ${seconds(freshAfter)} after the kill, ` +
        `restart took ${seconds(startedAt - restartAt)}, exact truth ${truth} ${seconds(Date.now() - startedAt)} after it was back`,
    };
  }

  before(async function () {
    this.timeout(300_000);
    kafka = await startKafka({ nodes: 3 });
    truthClient = new Kafka({
      clientId: 'broker-faults-truth',
      brokers: kafka.bootstrapServers.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 1_000 },
    });
    const admin = truthClient.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          {
            topic: TOPIC,
            numPartitions: PARTITIONS,
            replicationFactor: 3,
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          },
        ],
        waitForLeaders: false,
      });
      // kafkajs's own wait gives up after a few short retries; a loaded machine needs longer for every leader.
      await eventually(
        () => admin.fetchTopicMetadata({ topics: [TOPIC] }),
        (m) => m.topics[0]?.partitions.length === PARTITIONS && m.topics[0].partitions.every((p) => p.leader >= 0),
        { timeoutMs: 60_000, everyMs: 500, what: `every partition of ${TOPIC} has a leader` },
      );
    } finally {
      await admin.disconnect();
    }
    const producerClient = new Kafka({
      clientId: 'broker-faults-producer',
      brokers: kafka.bootstrapServers.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
    });
    // The records the truth is checked against are written exactly once: a plain producer's retry after a slow
    // answer on a busy machine wrote a batch twice.
    const seeder = producerClient.producer({ idempotent: true, maxInFlightRequests: 1 });
    await seeder.connect();
    try {
      await produceToPartitions(
        seeder,
        TOPIC,
        Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [p, RECORDS_PER_PARTITION])),
      );
    } finally {
      await seeder.disconnect();
    }
    producer = producerClient.producer();
    await producer.connect();
    await commitOffsets(GROUP, TOPIC, COMMITTED, kafka.bootstrapServers);
    trickle = new Trickle(producer);

    app = await startTestApp({
      SCALER_POLL_INTERVAL: `${POLL_INTERVAL_MS}ms`,
      SCALER_MAX_STALENESS: `${MAX_STALENESS_MS}ms`,
      SCALER_KAFKA_TIMEOUT: `${KAFKA_TIMEOUT_MS}ms`,
    });
    client = scalerClient(app.grpcPort);
    so = ref({
      bootstrapServers: kafka.bootstrapServers,
      consumerGroup: GROUP,
      topic: TOPIC,
      lagThreshold: '1',
      allowIdleConsumers: 'true',
      lagStrategy: 'offset',
    });
    const { metricSpecs } = await client.getMetricSpec(so);
    metricName = metricSpecs[0]!.metricName;
    truthBeforeFaults = await settle(30_000, 'the scaler answers the initial lag');
    const expected = Object.values(COMMITTED).reduce((sum, c) => sum + RECORDS_PER_PARTITION - c, 0);
    assert.equal(truthBeforeFaults, expected, 'the brokers agree with what was produced and committed');
  });

  beforeEach(function () {
    logsAtStart = app?.logs.length ?? 0;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && app) {
      const lines = app.logs
        .slice(logsAtStart)
        .filter((l) => l['level'] === 'warn' || l['level'] === 'error')
        .slice(-40)
        .map((l) => `        ${JSON.stringify(l)}`);
      process.stdout.write(`      scaler warnings and errors during the failed test:\n${lines.join('\n')}\n`);
    }
    // A failed step may leave a node down; the next fault needs the whole cluster.
    if (kafka) await restartStopped();
  });

  after(async function () {
    this.timeout(120_000);
    const quietly = (p: Promise<unknown> | undefined): Promise<unknown> =>
      (p ?? Promise.resolve()).catch(() => undefined);
    await quietly(trickle?.stop());
    await quietly(producer?.disconnect());
    client?.close();
    await quietly(app?.stop());
    await kafka?.stop();
  });

  it('(a) SIGKILL of the group coordinator, then its restart', async () => {
    const coordinator = await eventually(
      () => coordinatorOf(GROUP),
      () => true,
      { timeoutMs: 30_000, what: 'the group coordinator' },
    );
    await underFault(`fault (a) SIGKILL coordinator node ${coordinator}`, (t0) =>
      killAndRestart(coordinator, t0, 'coordinator'),
    );
  });

  it('(b) SIGKILL of the leader of partition 0, then its restart', async () => {
    const leader = await eventually(
      () => leaderOf(0),
      () => true,
      { timeoutMs: 30_000, what: 'the leader of partition 0' },
    );
    await underFault(`fault (b) SIGKILL partition-0 leader node ${leader}`, (t0) =>
      killAndRestart(leader, t0, 'leader of partition 0'),
    );
  });

  it('(c) all three nodes stopped for ~10 s, then started again: UNAVAILABLE once stale, then the exact truth', async () => {
    const { answers, t0, result } = await underFault('fault (c) all three nodes stopped', async () => {
      const stoppingAt = Date.now();
      await Promise.all(kafka!.nodes.map((n) => kafka!.stopNode(n.id)));
      const allDownAt = Date.now();
      await sleep(allDownAt + ALL_DOWN_MS - Date.now());
      const restartAt = Date.now();
      await Promise.all(kafka!.nodes.map((n) => kafka!.startNode(n.id)));
      const startedAt = Date.now();
      const truth = await settle(120_000, 'the exact truth after the cluster returned');
      return {
        allDownAt,
        restartAt,
        notes:
          `stopping took ${seconds(allDownAt - stoppingAt)}, all down ${seconds(restartAt - allDownAt)}, ` +
          `start took ${seconds(startedAt - restartAt)}, exact truth ${truth} ${seconds(Date.now() - startedAt)} after the cluster was back`,
      };
    });
    // Every node gone for longer than SCALER_MAX_STALENESS: nothing left to serve but UNAVAILABLE.
    const staleFrom = result.allDownAt + MAX_STALENESS_MS;
    const mustFail = answers.filter((a) => a.sentAt >= staleFrom && a.sentAt < result.restartAt);
    process.stdout.write(
      `      fault (c): ${mustFail.length} answers while every node was down past the staleness limit, ` +
        `${mustFail.filter((a) => a.code === status.UNAVAILABLE).length} of them UNAVAILABLE\n`,
    );
    assert.ok(mustFail.length >= 10, `only ${mustFail.length} answers sampled while the cluster was down and stale`);
    const served = mustFail.filter((a) => a.code !== status.UNAVAILABLE);
    assert.equal(
      served.length,
      0,
      `answers that were not UNAVAILABLE ${MAX_STALENESS_MS}ms after every node was down: ${list(served, t0)}`,
    );
  });
});
