/**
 * The loop that behaves like KEDA and the HPA: every polling interval it
 * calls the scaler as KEDA does (GetMetricSpec, GetMetrics, IsActive),
 * applies KEDA's and the HPA's rules (tools/keda/kedaHpa.ts), sets the
 * number of Kafka Streams JVMs, advances the scenario (whose rate the
 * producer follows) and prints a table row with the decision's explanation
 * from /api/triggers. Bounded: without `repeat` it gives up after the
 * scenario's giveUpMs.
 */
import type { Producer } from 'kafkajs';
import type { ScaledObjectRef } from '../src/generated/externalscaler.ts';
import { KedaHpa } from '../tools/keda/kedaHpa.ts';
import { kedaPoll, type KedaPoll } from '../tools/keda/kedaPoll.ts';
import type { ScalerClient } from '../tools/keda/scalerClient.ts';
import { BurstProducer } from './burstProducer.ts';
import { Scenario } from './scenario.ts';
import { type DemoSettings, subTopologies } from './settings.ts';
import { clock, tableHeader, tableRow } from './table.ts';
import { readTrigger, type TriggerView } from './triggerStatus.ts';
import type { StreamsWorkload } from './workload.ts';

export interface KedaLoopOptions {
  readonly settings: DemoSettings;
  /** Start a new cycle each time the workload is back at zero, until `signal` aborts. */
  readonly repeat: boolean;
  readonly say: (line: string) => void;
  /** Table rows are shortened to this many characters. */
  readonly width: number;
  readonly signal?: AbortSignal | undefined;
  /** Named in the message when the scenario gives up. */
  readonly logDir: string;
  readonly api: ScalerClient;
  readonly ref: ScaledObjectRef;
  /** The metric GetMetricSpec named: with the ScaledObject, it picks the trigger on /api/triggers. */
  readonly metricName: string;
  readonly httpPort: number;
  readonly pool: StreamsWorkload;
  readonly producer: Producer;
}

export interface LoopResult {
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
}

/** Runs the scenario, one KEDA poll and one table row per polling interval, until it ends or `signal` aborts. */
export async function runKedaLoop(options: KedaLoopOptions): Promise<LoopResult> {
  const { settings, say, signal, api, ref, pool } = options;
  const scaledObject = `${ref.namespace}/${ref.name}`;
  const subs = subTopologies(settings).map((s) => s.id);
  const interval = settings.keda.pollingIntervalMs;
  const keda = new KedaHpa(settings.keda);
  const t0 = Date.now();
  const scenario = new Scenario(settings.scenario, options.repeat, t0);
  const producer = new BurstProducer({
    producer: options.producer,
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
        view = await readTrigger(options.httpPort, scaledObject, options.metricName).catch(() => undefined);
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
