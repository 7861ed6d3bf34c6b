/**
 * The few numbers an operator reads first about a trigger, the same for
 * every strategy: what is waiting, how old it is, how fast records arrive
 * and are processed, and what the scaler recommends. Metrics, the status
 * page and its plots all show these.
 */
import type { Decision } from '../lag/strategy.ts';
import { NO_COMMIT, type Sample } from '../poller/sample.ts';

export interface TriggerFigures {
  /** Records counted as lag (the sum over the trigger's partitions). */
  readonly lag: number;
  /** Seconds behind: the oldest unprocessed record's age, when the strategy estimates it (`time`). */
  readonly timeLagSeconds?: number;
  /** Records per second arriving on the trigger's partitions (end offsets), over `rateWindowMs`. */
  readonly arrivalRate?: number;
  /** Records per second processed (committed offsets), over the same window. */
  readonly drainRate?: number;
  /** Replicas the decision asks the HPA for: ceil(metricValue / target). */
  readonly replicas: number;
  readonly active: boolean;
  readonly stalledPartitions: number;
}

/** Rates are measured over this much history (or all of it, if shorter). */
export const FIGURES_RATE_WINDOW_MS = 60_000;

/** The newest sample at least `windowMs` older than `latest`, else the oldest there is. */
function baseline(history: readonly Sample[], latest: Sample, windowMs: number): Sample | undefined {
  let chosen: Sample | undefined;
  for (const sample of history) {
    if (sample.at >= latest.at) break;
    if (chosen === undefined || latest.at - sample.at >= windowMs) chosen = sample;
  }
  return chosen;
}

/** Sum of end and committed offsets over the partitions both samples know, committed ones only for drain. */
function rates(from: Sample, to: Sample): { arrival: number; drain: number } | undefined {
  const seconds = (to.at - from.at) / 1000;
  if (seconds <= 0) return undefined;
  const before = new Map(from.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, p]));
  let arrived = 0n;
  let drained = 0n;
  for (const now of to.partitions) {
    const then = before.get(`${now.topic}\u0000${now.partition}`);
    if (!then) continue;
    if (now.end !== undefined && then.end !== undefined && now.end > then.end) arrived += now.end - then.end;
    if (now.committed !== NO_COMMIT && then.committed !== NO_COMMIT && now.committed > then.committed) {
      drained += now.committed - then.committed;
    }
  }
  return { arrival: Number(arrived) / seconds, drain: Number(drained) / seconds };
}

/** The largest time lag the decision carries (per partition or per sub-topology), if any. */
function timeLag(decision: Decision): number | undefined {
  let max: number | undefined;
  const see = (v: number | undefined): void => {
    if (v !== undefined && Number.isFinite(v)) max = Math.max(max ?? 0, v);
  };
  for (const p of decision.partitions) see(p.timeLagSeconds);
  for (const s of decision.topology.subTopologies) see(s.timeLagSeconds);
  return max;
}

export function triggerFigures(
  decision: Decision,
  history: readonly Sample[],
  latest: Sample,
  rateWindowMs = FIGURES_RATE_WINDOW_MS,
): TriggerFigures {
  const lag = decision.partitions.reduce((sum, p) => sum + p.lag, 0n);
  const from = baseline(history, latest, rateWindowMs);
  const measured = from ? rates(from, latest) : undefined;
  const seconds = timeLag(decision);
  const replicas =
    decision.target > 0 && Number.isFinite(decision.metricValue)
      ? Math.max(0, Math.ceil(decision.metricValue / decision.target - 1e-9))
      : 0;
  return {
    lag: Number(lag),
    ...(seconds === undefined ? {} : { timeLagSeconds: seconds }),
    ...(measured ? { arrivalRate: measured.arrival, drainRate: measured.drain } : {}),
    replicas,
    active: decision.active,
    stalledPartitions: decision.stalled.length,
  };
}
