/**
 * The demo end to end, for `make demo` and its integration test alike: a
 * Kafka broker (its own, or one it is given), the topics, the scaler as its
 * own process, the Kafka Streams application as a pool of JVMs, and the
 * KEDA + HPA loop (kedaLoop.ts) that scales it through the scenario.
 * Whatever it started is stopped by PID when it ends, fails or is aborted:
 * the JVMs first, then the scaler, then the broker.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import type { ScaledObjectRef } from '../src/generated/externalscaler.ts';
import { eventually } from '../tools/eventually.ts';
import { type LocalKafka, startKafka } from '../tools/kafka/localKafka.ts';
import { compileStreamsApp } from '../tools/kafka/streamsApp.ts';
import {
  HPA_SYNC_SECONDS,
  K8S_VERSION,
  KEDA_VERSION,
  type LocalCluster,
  startCluster,
} from '../tools/k8s/localCluster.ts';
import { kedaPoll } from '../tools/keda/kedaPoll.ts';
import { type ScalerClient, scalerClient } from '../tools/keda/scalerClient.ts';
import { type Autoscaler, type LoopResult, modelAutoscaler, runKedaLoop } from './kedaLoop.ts';
import { clusterAutoscaler, deployDemo } from './realKeda.ts';
import { type ScalerProcess, startScalerProcess } from './scalerProcess.ts';
import { type DemoSettings, instanceThroughput, repartitionTopic, triggerMetadata } from './settings.ts';
import { clock } from './table.ts';
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
  /**
   * The real KEDA operator and HPA instead of the model (tools/keda/kedaHpa.ts): a local
   * cluster to use, or `true` to start one (tools/k8s/localCluster.ts) and stop it at the end.
   */
  readonly keda?: LocalCluster | true;
}

export interface DemoResult extends LoopResult {
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
    let cluster: LocalCluster | undefined;
    if (options.keda === true) {
      const started = await startCluster({
        log: (line) => say(`  [k8s] ${line}`),
        logDir: path.join(options.logDir, 'k8s'),
      });
      stack.push(() => started.stop());
      cluster = started;
    } else if (options.keda) {
      cluster = options.keda;
    }
    if (options.signal?.aborted) return notRun(scalerPid);

    const scalerLog = path.join(options.logDir, 'scaler.log');
    const scalerEnv = { SCALER_POLL_INTERVAL: settings.scalerPollInterval, SCALER_LOG_LEVEL: 'debug' };
    let scaler: ScalerProcess;
    let autoscaler: Autoscaler;
    let metricName: string;
    if (cluster) {
      const deployed = await deployDemo(cluster, {
        settings,
        namespace: NAMESPACE,
        bootstrap,
        logFile: scalerLog,
        env: scalerEnv,
        cleanup: stack,
      });
      scaler = deployed.scaler;
      metricName = deployed.metricName;
      autoscaler = clusterAutoscaler(cluster, NAMESPACE, settings.appId);
    } else {
      const local = await startScalerProcess({ logFile: scalerLog, env: scalerEnv });
      stack.push(() => local.stop());
      scaler = local;
      const api: ScalerClient = scalerClient(scaler.grpcPort);
      stack.push(() => Promise.resolve(api.close()));
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
      metricName = first.metricName;
      autoscaler = modelAutoscaler(settings, api, ref);
    }
    scalerPid = scaler.pid;

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
    introduce(options, scaler, bootstrap, cluster !== undefined);
    say(`  [scaler] serving metric "${metricName}"`);
    if (options.signal?.aborted) return notRun(scalerPid, pool.pids);

    const loop = await runKedaLoop({
      ...options,
      autoscaler,
      scaledObject: `${NAMESPACE}/${settings.appId}`,
      metricName,
      httpPort: scaler.httpPort,
      pool,
      producer,
    });
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

function introduce(options: DemoOptions, scaler: ScalerProcess, bootstrap: string, realKeda: boolean): void {
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
  if (realKeda) {
    say(
      `  [keda] the real KEDA ${KEDA_VERSION} operator and HPA on a local Kubernetes ${K8S_VERSION} (kubectl apply -k deploy/, ` +
        `ScaledObject from deploy/examples/streams-app-external.yaml); the JVMs follow the Deployment's spec.replicas`,
    );
  }
  say(
    `  [keda] time is compressed: pollingInterval ${k.pollingIntervalMs / 1000}s (KEDA's default 30s), HPA sync ` +
      `${realKeda ? HPA_SYNC_SECONDS : (k.hpaSyncMs ?? k.pollingIntervalMs) / 1000}s (15s), cooldownPeriod ${(k.cooldownMs ?? 0) / 1000}s (300s), ` +
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
