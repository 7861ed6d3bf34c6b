/**
 * The demo end to end, for `make demo` and its integration test alike: a
 * Kafka broker (its own, or one it is given), the scaler as its own process,
 * the Kafka Streams application as a pool of JVMs, a bursty producer, and a
 * loop that calls the scaler as KEDA does (GetMetricSpec, GetMetrics,
 * IsActive every polling interval), applies KEDA's and the HPA's rules
 * (tools/keda/kedaHpa.ts) and sets the number of JVMs, printing one table
 * row per interval. Whatever it started is stopped by PID when it ends,
 * fails or is aborted, the JVMs first, then the scaler, then the broker.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import type { ScaledObjectRef } from '../src/generated/externalscaler.ts';
import { eventually } from '../tools/eventually.ts';
import { type LocalKafka, startKafka } from '../tools/kafka/localKafka.ts';
import { compileStreamsApp } from '../tools/kafka/streamsApp.ts';
import { KedaHpa } from '../tools/keda/kedaHpa.ts';
import { kedaPoll, type KedaPoll } from '../tools/keda/kedaPoll.ts';
import { type ScalerClient, scalerClient } from '../tools/keda/scalerClient.ts';
import { BurstProducer } from './burstProducer.ts';
import { Scenario } from './scenario.ts';
import { type ScalerProcess, startScalerProcess } from './scalerProcess.ts';
import { type DemoSettings, instanceThroughput, repartitionTopic, subTopologies, triggerMetadata } from './settings.ts';
import { clock, tableHeader, tableRow } from './table.ts';
import { readTrigger, type TriggerView } from './triggerStatus.ts';
import { StreamsWorkload } from './workload.ts';

export interface DemoOptions {
  readonly settings: DemoSettings;
  /** Keep going with a burst each time the workload is back at zero, until `signal` aborts. */
  readonly repeat: boolean;
  /** The scaler's and the JVMs' logs go here. */
  readonly logDir: string;
  /** A broker to use; without one the demo starts its own. */
  readonly bootstrapServers?: string;
  /** Where lines go (the terminal). */
  readonly say: (line: string) => void;
  /** Table rows are shortened to this many characters. */
  readonly width: number;
  /** Ends the run early, cleanly. */
  readonly signal?: AbortSignal;
}

export interface DemoResult {
  /** Back at zero by itself after its burst (false when aborted first). */
  readonly finished: boolean;
  /** Most Kafka Streams instances RUNNING at once. */
  readonly peakInstances: number;
  /** Most replicas KEDA and the HPA asked for. */
  readonly peakReplicas: number;
  /** When KEDA last scaled the workload to 0, since the scenario started. */
  readonly scaledToZeroAtMs: number | undefined;
  /** How long the scenario ran (from the first table row). */
  readonly scenarioMs: number;
  /** Every process it started: the scaler and each JVM of the application. */
  readonly pids: { readonly scaler: number | undefined; readonly streams: readonly number[] };
}

const NAMESPACE = 'demo';

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { settings, say } = options;
  mkdirSync(options.logDir, { recursive: true });
  for (const file of readdirSync(options.logDir)) {
    if (/^streams-\d+\.log$/.test(file)) rmSync(path.join(options.logDir, file), { force: true });
  }
  const stack: Array<() => Promise<void>> = [];
  let scalerPid: number | undefined;
  let workload: StreamsWorkload | undefined;
  try {
    let bootstrap = options.bootstrapServers;
    if (!bootstrap) {
      const kafka: LocalKafka = await startKafka({ log: (line) => say(`  [kafka] ${line}`) });
      stack.push(() => kafka.stop());
      bootstrap = kafka.bootstrapServers;
    }
    const client = new Kafka({ clientId: 'demo', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
    const admin: Admin = client.admin();
    const producer: Producer = client.producer();
    stack.push(() => Promise.all([admin.disconnect(), producer.disconnect()]).then(() => undefined));
    await Promise.all([admin.connect(), producer.connect()]);
    await createTopics(admin, settings);

    if (options.signal?.aborted) return notRun(scalerPid);
    say('  [app] compiling the Kafka Streams application (cached after the first run)');
    await compileStreamsApp();
    if (options.signal?.aborted) return notRun(scalerPid);
    const scaler: ScalerProcess = await startScalerProcess({
      logFile: path.join(options.logDir, 'scaler.log'),
      env: { SCALER_POLL_INTERVAL: settings.scalerPollInterval, SCALER_LOG_LEVEL: 'debug' },
    });
    scalerPid = scaler.pid;
    stack.push(() => scaler.stop());
    const api: ScalerClient = scalerClient(scaler.grpcPort);
    stack.push(() => Promise.resolve(api.close()));

    workload = new StreamsWorkload({
      bootstrap,
      appId: settings.appId,
      input: settings.topic,
      output: `${settings.topic}-counts`,
      delayMs: settings.delayMs,
      properties: settings.streamsProperties,
      logDir: options.logDir,
      notice: (line) => say(`  [app] ${line}`),
    });
    const pool = workload;
    stack.push(() => pool.stopAll());
    introduce(options, scaler, bootstrap);

    const ref: ScaledObjectRef = {
      name: settings.appId,
      namespace: NAMESPACE,
      scalerMetadata: { scalerAddress: `127.0.0.1:${scaler.grpcPort}`, ...triggerMetadata(settings, bootstrap) },
    };
    // As KEDA does once the ScaledObject exists: ask until the scaler answers with data.
    const first = await eventually(
      () => kedaPoll(api, ref),
      () => true,
      {
        timeoutMs: 30_000,
        everyMs: 500,
        what: 'the first answer from the scaler',
      },
    );
    say(`  [scaler] serving metric "${first.metricName}"`);
    if (options.signal?.aborted) return notRun(scalerPid, pool.pids);

    const loop = await runLoop(options, { api, ref, metricName: first.metricName, scaler, pool, producer });
    return { ...loop, pids: { scaler: scalerPid, streams: pool.pids } };
  } finally {
    // The JVMs first (they need the broker to leave the group), then the scaler, then the broker.
    for (const step of stack.reverse()) {
      try {
        await step();
      } catch (err) {
        say(`  cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

/** The result of a run aborted before its scenario started. */
function notRun(scaler: number | undefined, streams: readonly number[] = []): DemoResult {
  return {
    finished: false,
    peakInstances: 0,
    peakReplicas: 0,
    scaledToZeroAtMs: undefined,
    scenarioMs: 0,
    pids: { scaler, streams },
  };
}

/** `file` relative to the working directory when it is inside it, else as it is. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

async function createTopics(admin: Admin, settings: DemoSettings): Promise<void> {
  // The repartition topic is created up front, as a deployed application
  // would have left it, so the scaler can read the whole topology before the
  // first instance ever starts (Kafka Streams uses it as it finds it).
  const topics = [settings.topic, `${settings.topic}-counts`, repartitionTopic(settings)];
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions: settings.partitions })),
      waitForLeaders: true,
    });
  }
}

function introduce(options: DemoOptions, scaler: ScalerProcess, bootstrap: string): void {
  const { settings, say } = options;
  const k = settings.keda;
  const s = settings.scenario;
  const meta = triggerMetadata(settings, bootstrap);
  say(`  [scaler] gRPC on 127.0.0.1:${scaler.grpcPort}; log in ${shown(scaler.logFile)}`);
  say(`  [scaler] status page: http://127.0.0.1:${scaler.httpPort}/`);
  say(
    `           (JSON: http://127.0.0.1:${scaler.httpPort}/api/triggers, Prometheus: http://127.0.0.1:${scaler.httpPort}/metrics)`,
  );
  say(
    `  [app] Kafka Streams "${settings.appId}": ${settings.topic} (${settings.partitions} partitions) → re-key by word → ` +
      `${repartitionTopic(settings)} → count, sleeping ${settings.delayMs} ms a record: ` +
      `${instanceThroughput(settings)} records/s per instance, one JVM per replica; logs in ${shown(path.join(options.logDir, 'streams-<n>.log'))}`,
  );
  say(
    `  [trigger] lagStrategy rate: per sub-topology, arrivals / targetUtilization + backlog / catchUpSeconds ${meta['catchUpSeconds']}, ` +
      `over replicaThroughput ${meta['replicaThroughput']}/s; the largest wins (rateWindow ${meta['rateWindow']}, ` +
      `scaleDownDelay ${meta['scaleDownDelay']}, rebalanceCooldown ${meta['rebalanceCooldown']})`,
  );
  say(
    `  [keda] time is compressed: pollingInterval ${k.pollingIntervalMs / 1000}s (KEDA's default 30s), HPA sync ` +
      `${(k.hpaSyncMs ?? k.pollingIntervalMs) / 1000}s (15s), cooldownPeriod ${(k.cooldownMs ?? 0) / 1000}s (300s), ` +
      `HPA scale-down stabilisation ${(k.scaleDownStabilizationMs ?? 0) / 1000}s (300s); maxReplicaCount ${k.maxReplicas ?? 100}`,
  );
  say(
    `  [scenario] idle ${s.idleMs / 1000}s, a burst of ${s.burstPerSecond} records/s for ${s.burstMs / 1000}s, then drain and ` +
      (options.repeat
        ? 'back to zero, again and again until Ctrl-C'
        : `back to zero; ends by itself (gives up after ${clock(s.giveUpMs)})`),
  );
  say('  JVMs: running +starting -stopping; replicas: what KEDA and the HPA set; scaler: ceil(metric / target)\n');
}

interface LoopParts {
  readonly api: ScalerClient;
  readonly ref: ScaledObjectRef;
  readonly metricName: string;
  readonly scaler: ScalerProcess;
  readonly pool: StreamsWorkload;
  readonly producer: Producer;
}

async function runLoop(options: DemoOptions, parts: LoopParts): Promise<Omit<DemoResult, 'pids'>> {
  const { settings, say, signal } = options;
  const { api, ref, pool } = parts;
  const subs = subTopologies(settings).map((s) => s.id);
  const interval = settings.keda.pollingIntervalMs;
  const keda = new KedaHpa(settings.keda);
  const t0 = Date.now();
  const scenario = new Scenario(settings.scenario, options.repeat, t0);
  const producer = new BurstProducer({
    producer: parts.producer,
    topic: settings.topic,
    ratePerSecond: (now) => scenario.ratePerSecond(now),
  });
  producer.start();
  let peakInstances = 0;
  let peakReplicas = 0;
  let scaledToZeroAtMs: number | undefined;
  let finished = false;
  say(tableHeader(subs));
  try {
    for (let tick = 0; !signal?.aborted; tick++) {
      if (producer.failure) throw producer.failure;
      const now = Date.now();
      const before = keda.replicas;
      const eventsBefore = keda.events.length;
      let answer: KedaPoll | undefined;
      let view: TriggerView | undefined;
      let problem: string | undefined;
      try {
        answer = await kedaPoll(api, ref, keda.params.maxReplicas);
        view = await readTrigger(parts.scaler.httpPort, `${NAMESPACE}/${settings.appId}`, parts.metricName).catch(
          () => undefined,
        );
      } catch (err) {
        problem = `the scaler answered: ${err instanceof Error ? err.message : String(err)} (KEDA keeps the replicas)`;
      }
      if (answer) {
        keda.kedaPoll(now, answer.active);
        keda.hpaSync(now, answer.metricValue, answer.target);
      }
      pool.scaleTo(keda.replicas);
      if (keda.events.slice(eventsBefore).some((e) => e.to === 0)) scaledToZeroAtMs = now - t0;
      const jvms = pool.counts();
      peakInstances = Math.max(peakInstances, jvms.running);
      peakReplicas = Math.max(peakReplicas, keda.replicas);
      const step = scenario.step(now, {
        active: answer?.active ?? true,
        replicas: keda.replicas,
        instances: pool.alive,
      });
      say(
        tableRow(
          {
            elapsedMs: now - t0,
            phase: step.phase,
            produced: producer.produced,
            lag: subs.map((id) => view?.lag.get(id)),
            recommended: answer?.replicas,
            replicasBefore: before,
            replicas: keda.replicas,
            jvms,
            decision: problem ?? view?.explanation ?? (answer?.active ? 'active' : 'inactive'),
          },
          subs,
          options.width,
        ),
      );
      if (step.finished) {
        finished = true;
        break;
      }
      if (scenario.overdue(now)) {
        throw new Error(
          `the scenario did not get back to zero within ${settings.scenario.giveUpMs / 1000}s (see ${options.logDir})`,
        );
      }
      await sleepUntil(t0 + (tick + 1) * interval, signal);
    }
  } finally {
    await producer.stop();
  }
  const scenarioMs = Date.now() - t0;
  if (finished) {
    say(
      `\n  done in ${clock(scenarioMs)}: from 0 up to ${peakInstances} running instances ` +
        `(${peakReplicas} asked for) for the burst, and back to 0 at ${clock(scaledToZeroAtMs ?? scenarioMs)}.`,
    );
  }
  return { finished, peakInstances, peakReplicas, scaledToZeroAtMs, scenarioMs };
}

/** Waits until `at` (epoch ms), or less if `signal` aborts. */
function sleepUntil(at: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, at - Date.now()));
    signal?.addEventListener('abort', done, { once: true });
  });
}
