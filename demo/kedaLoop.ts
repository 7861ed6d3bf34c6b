/**
 * The demo's loop: every polling interval it learns what KEDA and the HPA
 * decided (an Autoscaler: the model of tools/keda/kedaHpa.ts calling the
 * scaler as KEDA does, or the real operator and HPA of a local cluster),
 * sets the number of Kafka Streams JVMs to the replicas, advances the
 * scenario (whose rate the producer follows) and prints a table row with the
 * decision's explanation from /api/triggers. Bounded: without `repeat` it
 * gives up after the scenario's giveUpMs.
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

/** What KEDA and the HPA did in one polling interval. */
export interface AutoscalerStep {
  readonly replicasBefore: number;
  readonly replicas: number;
  /** The trigger's activity; undefined when not known. */
  readonly active: boolean | undefined;
  /** The replicas the scaler's answer asks for (0 when inactive); undefined when not known. */
  readonly recommended: number | undefined;
  /** What went wrong, when something did (the row shows it instead of the explanation). */
  readonly problem?: string;
}

export interface Autoscaler {
  /** The replica count set on the workload after this interval. */
  step(now: number): Promise<AutoscalerStep>;
}

/** KEDA and the HPA as the model of tools/keda/kedaHpa.ts, calling the scaler as KEDA does. */
export function modelAutoscaler(settings: DemoSettings, api: ScalerClient, ref: ScaledObjectRef): Autoscaler {
  const keda = new KedaHpa(settings.keda);
  return {
    async step(now) {
      const replicasBefore = keda.replicas;
      let answer: KedaPoll;
      try {
        answer = await kedaPoll(api, ref, keda.params.maxReplicas);
      } catch (err) {
        const problem = `the scaler answered: ${err instanceof Error ? err.message : String(err)} (KEDA keeps the replicas)`;
        return { replicasBefore, replicas: keda.replicas, active: undefined, recommended: undefined, problem };
      }
      keda.kedaPoll(now, answer.active);
      keda.hpaSync(now, answer.metricValue, answer.target);
      return { replicasBefore, replicas: keda.replicas, active: answer.active, recommended: answer.replicas };
    },
  };
}

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
  readonly autoscaler: Autoscaler;
  /** The ScaledObject, `namespace/name`. */
  readonly scaledObject: string;
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
  const { settings, say, signal, pool, scaledObject } = options;
  const subs = subTopologies(settings).map((s) => s.id);
  const interval = settings.keda.pollingIntervalMs;
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
      const decided = await options.autoscaler.step(now);
      const view: TriggerView | undefined = await readTrigger(options.httpPort, scaledObject, options.metricName).catch(
        () => undefined,
      );
      pool.scaleTo(decided.replicas);
      if (decided.replicas === 0 && decided.replicasBefore > 0) scaledToZeroAtMs = now - t0;
      const jvms = pool.counts();
      peakInstances = Math.max(peakInstances, jvms.running);
      peakReplicas = Math.max(peakReplicas, decided.replicas);
      const step = scenario.step(now, {
        active: decided.active ?? true,
        replicas: decided.replicas,
        instances: pool.alive,
      });
      say(
        tableRow(
          {
            elapsedMs: now - t0,
            phase: step.phase,
            produced: producer.produced,
            lag: subs.map((id) => view?.lag.get(id)),
            recommended: decided.recommended,
            replicasBefore: decided.replicasBefore,
            replicas: decided.replicas,
            jvms,
            decision: decided.problem ?? view?.explanation ?? (decided.active ? 'active' : 'inactive'),
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
