/**
 * One simulated run: a trace, one strategy's settings, the real scaler
 * (ScalerService over a PollerRegistry polling a MemoryKafka the simulated
 * application writes to), and KEDA + the HPA acting on its answers, on a
 * simulated clock that moves one second at a time; the application moves
 * in steps of MODEL_STEP_MS.
 *
 * Every loop keeps its production period: the poller reads every
 * SCALER_POLL_INTERVAL (the default config), KEDA calls IsActive every
 * pollingInterval, the HPA calls GetMetrics every sync period, each loop at
 * its own phase, as they are not in step in a cluster. Results must not
 * hang on where those phases fall, so every trace runs under each of PHASES.
 * The HPA gets the metric and target as the gRPC handlers send them
 * (safeQuantity: never negative, NaN or infinite). The oracle (oracle.ts)
 * answers the same calls from the model's truth instead of the scaler's.
 */
import type { Decision } from '../../src/model/decision.ts';
import { loadConfig } from '../../src/config.ts';
import { safeQuantity } from '../../src/grpc/externalScalerService.ts';
import { MemoryKafka } from '../../src/kafka/memoryKafka.ts';
import { createLogger } from '../../src/logger.ts';
import { PollerRegistry } from '../../src/poller/pollerRegistry.ts';
import { ScalerService } from '../../src/scaler/scalerService.ts';
import { KedaHpa, type KedaHpaParams, type ScaleEvent } from '../../tools/keda/kedaHpa.ts';
import type { Contender } from './contenders.ts';
import { oracle } from './oracle.ts';
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

/**
 * Where the loops that are not in step start within their periods: KEDA's
 * and the HPA's, and the commit timers of the pods a trace starts with.
 */
export interface Phases {
  readonly kedaMs: number;
  readonly hpaMs: number;
  readonly commitMs: number;
}

/**
 * The phases every trace runs under, spread over KEDA's 30 s, the HPA's
 * 15 s and the 30 s commit interval, none in step with another. The first
 * is the one the pictures show.
 */
export const PHASES: readonly Phases[] = [
  { kedaMs: 11_000, hpaMs: 4_000, commitMs: 0 },
  { kedaMs: 2_000, hpaMs: 9_000, commitMs: 7_000 },
  { kedaMs: 17_000, hpaMs: 13_000, commitMs: 19_000 },
  { kedaMs: 23_000, hpaMs: 1_000, commitMs: 26_000 },
  { kedaMs: 29_000, hpaMs: 7_000, commitMs: 13_000 },
];

/** The application's step: the poller's default 2 s interval, so every poll sees a fresh step. */
export const MODEL_STEP_MS = 2_000;

export interface SimOptions {
  readonly app?: Partial<AppParams>;
  readonly keda?: Partial<KedaHpaParams>;
  /** Where the loops start within their periods; PHASES[0] if not given. */
  readonly phases?: Phases;
  /** Seconds between points of the series. */
  readonly seriesEverySeconds?: number;
  /** Sees every decision (for looking into a run). */
  readonly onDecision?: (tSeconds: number, decision: Decision) => void;
}

/** What KEDA and the HPA take from an answer. */
type Answer = Pick<Decision, 'active' | 'metricValue' | 'target'>;

const START = Date.UTC(2026, 0, 5, 0, 0, 0);
const SECOND = 1_000;
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

  const phases = options.phases ?? PHASES[0]!;
  const isOracle = contender.role === 'oracle';
  app.start(trace.initialReplicas, clock.now, phases.commitMs);
  keda.assume(trace.initialReplicas, clock.now);
  if (!isOracle) {
    // The first RPC creates the poller; poll once so it never waits on the wall clock.
    const trigger = scaler.trigger(ref);
    registry.acquire(trigger.pollerKey, trigger.target, trigger.pollerNeeds);
    await registry.pollAll();
  }

  const seconds = Math.ceil(trace.durationMs / SECOND);
  const latencyBySecond = new Float64Array(seconds);
  const replicasBySecond = new Uint16Array(seconds);
  const series: Point[] = [];
  const every = options.seriesEverySeconds ?? 10;
  const crashes = [...trace.crashes];
  let firstRecordAt: number | undefined;
  let errors = 0;

  const ask = async (): Promise<Answer | undefined> => {
    if (isOracle) {
      const group = { ...app.backlog(), oldestSeconds: app.truth(clock.now).latencySeconds, replicas: keda.replicas };
      const answer = oracle(trace, appParams, clock.now - START, group, keda.params.maxReplicas);
      return { active: answer.active, metricValue: answer.replicas, target: 1 };
    }
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
    let rate = 0;
    for (let i = 0; i < seconds; i++) {
      const t = i * SECOND;
      clock.now = START + t;
      if (t % MODEL_STEP_MS === 0) {
        for (const crash of crashes.filter((c) => c.atMs >= t && c.atMs < t + MODEL_STEP_MS)) {
          app.crash(crash.pods, clock.now, crash.restartMs);
        }
        rate = trace.rate(t);
        if (rate > 0) {
          firstRecordAt ??= t / 1000;
          app.produce(rate * (MODEL_STEP_MS / 1000), trace.weights(t, appParams.partitions), clock.now);
        }
        app.step(clock.now, MODEL_STEP_MS);
      }
      if (!isOracle && t % config.pollIntervalMs === 0) await registry.pollAll();
      if ((t - phases.kedaMs) % keda.params.pollingIntervalMs === 0) {
        const answer = await ask();
        if (answer) keda.kedaPoll(clock.now, answer.active);
      }
      if ((t - phases.hpaMs) % keda.params.hpaSyncMs === 0 && keda.replicas > 0) {
        const answer = await ask();
        if (answer) keda.hpaSync(clock.now, safeQuantity(answer.metricValue), safeQuantity(answer.target));
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
