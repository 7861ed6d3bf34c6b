/**
 * `make demo`: the scaler doing its job end to end on this machine.
 *
 * It starts a real Kafka broker (tools/kafka), the scaler as its own process
 * (`node src/main.ts`, exactly what the container runs), a consumer group
 * whose replicas are kafkajs consumers processing a fixed number of records
 * per second each, a producer that is idle, bursts, then goes idle again, and
 * a loop that calls the scaler as KEDA does (GetMetricSpec, GetMetrics,
 * IsActive every polling interval) and applies KEDA's and the HPA's rules
 * (tools/keda/kedaHpa.ts) to the number of consumers. It prints one row per
 * polling interval and ends by itself once the group is back at zero.
 *
 * Time is compressed: pollingInterval and HPA sync 5s, cooldown 20s and HPA
 * scale-down stabilisation 15s stand in for KEDA's and Kubernetes' 30s, 15s,
 * 300s and 300s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import type { ScaledObjectRef } from '../src/generated/externalscaler.ts';
import { eventually } from '../tools/eventually.ts';
import { kedaPoll } from '../tools/keda/kedaPoll.ts';
import { scalerClient } from '../tools/keda/scalerClient.ts';
import { startKafka } from '../tools/kafka/localKafka.ts';
import { freePorts } from '../tools/kafka/ports.ts';
import { KedaHpa, type KedaHpaParams } from '../tools/keda/kedaHpa.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const TOPIC = 'orders';
const GROUP = 'orders-app';
const PARTITIONS = 6;
const LAG_THRESHOLD = 100;
const RECORDS_PER_SECOND_PER_REPLICA = 60;
const POLLING_INTERVAL_MS = 5_000;
const KEDA: Partial<KedaHpaParams> = {
  pollingIntervalMs: POLLING_INTERVAL_MS,
  hpaSyncMs: POLLING_INTERVAL_MS,
  maxReplicas: 10,
  cooldownMs: 20_000,
  scaleDownStabilizationMs: 15_000,
};
/** Idle, then a burst of 300 records/s for 10s, then idle again. */
const BURST = { startMs: 15_000, durationMs: 10_000, perSecond: 300 };
const GIVE_UP_MS = 5 * 60_000;

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** A consumer group whose size the demo's KEDA loop sets. */
class Workload {
  readonly #kafka: Kafka;
  readonly #consumers: Consumer[] = [];
  processed = 0;

  constructor(kafka: Kafka) {
    this.#kafka = kafka;
  }

  get replicas(): number {
    return this.#consumers.length;
  }

  async scaleTo(replicas: number): Promise<void> {
    while (this.#consumers.length < replicas) {
      const consumer = this.#kafka.consumer({ groupId: GROUP, maxWaitTimeInMs: 200 });
      this.#consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      void consumer.run({
        autoCommitInterval: 1_000,
        eachMessage: async () => {
          await new Promise((resolve) => setTimeout(resolve, 1000 / RECORDS_PER_SECOND_PER_REPLICA));
          this.processed++;
        },
      });
    }
    while (this.#consumers.length > replicas) await this.#consumers.pop()!.disconnect();
  }
}

/** The scaler as a separate process, logging to a file. */
async function startScaler(logFile: string): Promise<{ child: ChildProcess; grpcPort: number; httpPort: number }> {
  const [grpcPort, httpPort] = await freePorts(2);
  const log = openSync(logFile, 'w');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCALER_')));
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', path.join(ROOT, 'src/main.ts')], {
    env: {
      ...env,
      SCALER_HOST: '127.0.0.1',
      SCALER_GRPC_PORT: String(grpcPort),
      SCALER_HTTP_PORT: String(httpPort),
      SCALER_POLL_INTERVAL: '1s',
      SCALER_LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', log, log],
  });
  return { child, grpcPort: grpcPort!, httpPort: httpPort! };
}

async function stopScaler(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
  await exited;
  clearTimeout(timer);
}

/** Sends BURST.perSecond records a second for BURST.durationMs, reporting each batch. */
async function produceBurst(producer: Producer, stop: () => boolean, onSent: (n: number) => void): Promise<void> {
  const started = Date.now();
  const batch = Math.round(BURST.perSecond / 10);
  for (let sent = 0; !stop() && Date.now() - started < BURST.durationMs; sent += batch) {
    await producer.send({
      topic: TOPIC,
      messages: Array.from({ length: batch }, (_, i) => ({ key: String(sent + i), value: 'order' })),
    });
    onSent(batch);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'log-dir': { type: 'string' } } });
  const logDir = values['log-dir'] ?? path.join(ROOT, '.cache', 'demo');
  mkdirSync(logDir, { recursive: true });
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    say('\ninterrupted: cleaning up');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  say(
    'kstreams-scaler demo: a real Kafka broker, the scaler, a consumer group scaled the way KEDA and the HPA would.\n',
  );
  const kafka = await startKafka({ log: (line) => say(`  [kafka] ${line}`) });
  let scaler: ChildProcess | undefined;
  const client = new Kafka({
    clientId: 'demo',
    brokers: kafka.bootstrapServers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = client.admin();
  const producer = client.producer();
  const workload = new Workload(client);
  try {
    await Promise.all([admin.connect(), producer.connect()]);
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
    const started = await startScaler(path.join(logDir, 'scaler.log'));
    scaler = started.child;
    say(
      `  [scaler] gRPC on 127.0.0.1:${started.grpcPort}, probes on http://127.0.0.1:${started.httpPort}/readyz, log in ${path.join(logDir, 'scaler.log')}`,
    );

    const scalerApi = scalerClient(started.grpcPort);
    const ref: ScaledObjectRef = {
      name: 'orders-app',
      namespace: 'demo',
      scalerMetadata: {
        scalerAddress: `127.0.0.1:${started.grpcPort}`,
        bootstrapServers: kafka.bootstrapServers,
        consumerGroup: GROUP,
        topic: TOPIC,
        lagThreshold: String(LAG_THRESHOLD),
        // The group has never run: count what is in the log (a latest policy would count 1 per partition).
        offsetResetPolicy: 'earliest',
      },
    };
    // As KEDA would after deploying the ScaledObject: wait until the scaler answers with data.
    const first = await eventually(
      () => kedaPoll(scalerApi, ref),
      () => true,
      {
        timeoutMs: 60_000,
        everyMs: 500,
        what: 'the first answer from the scaler',
      },
    );
    say(`  [scaler] serving metric "${first.metricName}"`);
    say(
      `\n  topic "${TOPIC}" (${PARTITIONS} partitions), group "${GROUP}", lagThreshold ${LAG_THRESHOLD}, ` +
        `${RECORDS_PER_SECOND_PER_REPLICA} records/s per replica; KEDA pollingInterval ${POLLING_INTERVAL_MS / 1000}s, ` +
        `cooldown ${KEDA.cooldownMs! / 1000}s, HPA stabilisation ${KEDA.scaleDownStabilizationMs! / 1000}s, maxReplicas ${KEDA.maxReplicas}\n`,
    );
    say('  time  produced  processed   metric / target   active   replicas   KEDA + HPA');

    const t0 = Date.now();
    let produced = 0;
    let burst: Promise<void> | undefined;
    const count = (n: number): void => void (produced += n);
    const keda = new KedaHpa(KEDA);
    let peak = 0;
    for (;;) {
      const elapsed = Date.now() - t0;
      if (!burst && elapsed >= BURST.startMs) {
        burst = produceBurst(producer, () => interrupted, count);
      }
      let row: string;
      try {
        const answer = await kedaPoll(scalerApi, ref);
        const now = Date.now();
        const before = keda.events.length;
        keda.kedaPoll(now, answer.active);
        keda.hpaSync(now, answer.metricValue, answer.target);
        await workload.scaleTo(keda.replicas);
        peak = Math.max(peak, keda.replicas);
        const changes = keda.events.slice(before).map((e) => `${e.by}: ${e.from} → ${e.to} (${e.reason})`);
        const why =
          changes.join('; ') || (keda.replicas === 0 ? 'at zero' : answer.active ? 'steady' : 'inactive, cooling down');
        row = `${String(answer.metricValue).padStart(8)} / ${String(answer.target).padEnd(6)}  ${(answer.active ? 'yes' : 'no').padEnd(6)}   ${String(keda.replicas).padStart(8)}   ${why}`;
      } catch (err) {
        row = `  scaler answered: ${(err as Error).message} (KEDA would count a failure and keep replicas)`;
      }
      say(
        `  ${clock(elapsed).padStart(4)}  ${String(produced).padStart(8)}  ${String(workload.processed).padStart(9)}   ${row}`,
      );

      const done = burst !== undefined && produced > 0 && keda.replicas === 0 && peak > 0;
      if (done || interrupted) break;
      if (elapsed > GIVE_UP_MS) throw new Error(`scenario did not finish within ${GIVE_UP_MS / 60_000} minutes`);
      await new Promise((resolve) =>
        setTimeout(resolve, POLLING_INTERVAL_MS - ((Date.now() - t0) % POLLING_INTERVAL_MS)),
      );
    }
    await burst;
    scalerApi.close();
    if (!interrupted) {
      say(
        `\n  done: scaled from 0 up to ${peak} replicas (capped at ${PARTITIONS} partitions) for the burst, and back to 0 once it was processed.`,
      );
    }
  } finally {
    await workload.scaleTo(0).catch(() => undefined);
    await Promise.all([admin.disconnect(), producer.disconnect()]).catch(() => undefined);
    if (scaler) await stopScaler(scaler);
    await kafka.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
