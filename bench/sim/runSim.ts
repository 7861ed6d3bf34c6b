/**
 * One simulated run: a trace, one strategy's settings, the real scaler
 * (ScalerService over a PollerRegistry polling a MemoryKafka the simulated
 * application writes to), and KEDA + the HPA acting on its answers, on a
 * simulated clock that moves one second per step.
 *
 * Every loop keeps its production period: the poller reads every
 * SCALER_POLL_INTERVAL (the default config), KEDA calls IsActive every
 * pollingInterval, the HPA calls GetMetrics every sync period, each loop at
 * its own phase, as they are not in step in a cluster.
 */
import type { Decision } from '../../src/lag/strategy.ts';
import { loadConfig } from '../../src/config.ts';
import { MemoryKafka } from '../../src/kafka/memoryKafka.ts';
import { createLogger } from '../../src/logger.ts';
import { PollerRegistry } from '../../src/poller/pollerRegistry.ts';
import { ScalerService } from '../../src/scaler/scalerService.ts';
import { KedaHpa, type KedaHpaParams, type ScaleEvent } from '../../tools/keda/kedaHpa.ts';
import type { Contender } from './contenders.ts';
import { DEFAULT_APP, SimStreamsApp, type AppParams } from './streamsModel.ts';
import type { Trace } from './traces.ts';

/** One point of a run's time series. */
export interface Point {
  /** Seconds from the start. */
  readonly t: number;
  /** Records per second arriving. */
  readonly rate: number;
  /** Records waiting (ground truth). */
  readonly waiting: number;
  /** Age of the oldest waiting record, seconds (ground truth). */
  readonly latency: number;
  readonly replicas: number;
}

export interface Run {
  readonly trace: string;
  readonly contender: string;
  readonly series: readonly Point[];
  /** Per second of the run: latency (s) and replicas. */
  readonly latencyBySecond: Float64Array;
  readonly replicasBySecond: Uint16Array;
  /** Seconds from the start of the first record produced, if any. */
  readonly firstRecordAt: number | undefined;
  /** Replica count changes, `atSeconds` from the start. */
  readonly scaleEvents: ReadonlyArray<ScaleEvent & { readonly atSeconds: number }>;
  /** Calls answered with an error (KEDA and the HPA then keep the replica count). */
  readonly errors: number;
}

export interface SimOptions {
  readonly app?: Partial<AppParams>;
  readonly keda?: Partial<KedaHpaParams>;
  /** Where KEDA's and the HPA's loops start within their periods (they are not in step with each other or the load). */
  readonly kedaPhaseMs?: number;
  readonly hpaPhaseMs?: number;
  /** Seconds between points of the series. */
  readonly seriesEverySeconds?: number;
  /** Sees every decision (for looking into a run). */
  readonly onDecision?: (tSeconds: number, decision: Decision) => void;
}

const START = Date.UTC(2026, 0, 5, 0, 0, 0);
const STEP_MS = 1_000;
const BOOTSTRAP = 'sim-kafka:9092';

export async function runSim(trace: Trace, contender: Contender, options: SimOptions = {}): Promise<Run> {
  const clock = { now: START };
  const now = (): number => clock.now;
  const config = loadConfig({});
  const logger = createLogger('silent');
  const kafka = new MemoryKafka(BOOTSTRAP, now);
  const appParams = { ...DEFAULT_APP, ...options.app };
  const app = new SimStreamsApp(kafka, appParams);
  const registry = new PollerRegistry({ config, createReader: () => kafka, logger, now, polling: 'manual' });
  const scaler = new ScalerService({ registry, config, logger, now });
  const keda = new KedaHpa(options.keda);
  const ref = {
    name: `${trace.name}-${contender.name}`,
    namespace: 'sim',
    scalerMetadata: { bootstrapServers: BOOTSTRAP, consumerGroup: appParams.appId, ...contender.metadata },
  };

  app.start(trace.initialReplicas, clock.now);
  keda.assume(trace.initialReplicas, clock.now);
  // The first RPC creates the poller; poll once so it never waits on the wall clock.
  const trigger = scaler.trigger(ref);
  registry.acquire(trigger.pollerKey, trigger.target, trigger.strategy.needs);
  await registry.pollAll();

  const seconds = Math.ceil(trace.durationMs / STEP_MS);
  const latencyBySecond = new Float64Array(seconds);
  const replicasBySecond = new Uint16Array(seconds);
  const series: Point[] = [];
  const every = options.seriesEverySeconds ?? 10;
  const kedaPhase = options.kedaPhaseMs ?? 11_000;
  const hpaPhase = options.hpaPhaseMs ?? 4_000;
  const crashes = [...trace.crashes];
  let firstRecordAt: number | undefined;
  let errors = 0;

  const ask = async (): Promise<Decision | undefined> => {
    try {
      const { decision } = await scaler.evaluate(ref);
      options.onDecision?.((clock.now - START) / 1000, decision);
      return decision;
    } catch {
      errors++;
      return undefined;
    }
  };

  try {
    for (let i = 0; i < seconds; i++) {
      const t = i * STEP_MS;
      clock.now = START + t;
      for (const crash of crashes.filter((c) => c.atMs === t)) app.crash(crash.pods, clock.now, crash.restartMs);
      const rate = trace.rate(t);
      if (rate > 0) {
        firstRecordAt ??= t / 1000;
        app.produce(rate * (STEP_MS / 1000), trace.weights(t, appParams.partitions), clock.now);
      }
      app.step(clock.now, STEP_MS);
      if (t % config.pollIntervalMs === 0) await registry.pollAll();
      if ((t - kedaPhase) % keda.params.pollingIntervalMs === 0) {
        const answer = await ask();
        if (answer) keda.kedaPoll(clock.now, answer.active);
      }
      if ((t - hpaPhase) % keda.params.hpaSyncMs === 0 && keda.replicas > 0) {
        const answer = await ask();
        if (answer) keda.hpaSync(clock.now, answer.metricValue, answer.target);
      }
      app.setReplicas(keda.replicas, clock.now);
      if (t % 60_000 === 0) app.applyRetention();

      const truth = app.truth(clock.now);
      latencyBySecond[i] = truth.latencySeconds;
      replicasBySecond[i] = app.replicas;
      if (i % every === 0) {
        series.push({
          t: t / 1000,
          rate,
          waiting: truth.waiting,
          latency: truth.latencySeconds,
          replicas: app.replicas,
        });
      }
    }
  } finally {
    await registry.close();
  }
  return {
    trace: trace.name,
    contender: contender.name,
    series,
    latencyBySecond,
    replicasBySecond,
    firstRecordAt,
    scaleEvents: keda.events.map((e) => ({ ...e, atSeconds: (e.at - START) / 1000 })),
    errors,
  };
}
