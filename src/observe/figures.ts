/**
 * The few numbers an operator reads first about a trigger, the same for
 * every strategy: what is waiting, how old it is, how fast records arrive
 * and are processed, and what the scaler recommends. Metrics, the status
 * page and its plots all show these.
 */
import type { Decision } from '../model/decision.ts';
import { columnsOf, NO_COMMIT, partitionKey, sampleBefore, type Sample } from '../model/sample.ts';

/** The partitions a decision counts as demand: changelogs are restored, not processed, and stay out. */
function demandPartitions(decision: Decision): Decision['partitions'] {
  return decision.partitions.filter((p) => p.role !== 'changelog');
}

/** Records counted as lag, exactly: the sum over the decision's demand partitions. */
export function countedLag(decision: Decision): bigint {
  return demandPartitions(decision).reduce((sum, p) => sum + p.lag, 0n);
}

export interface TriggerFigures {
  /** Records counted as lag (the sum over the trigger's demand partitions; see countedLag). */
  readonly lag: number;
  /** Seconds behind: the oldest unprocessed record's age, when the strategy estimates it (`time`). */
  readonly timeLagSeconds?: number;
  /** Records per second arriving on the partitions the decision counts (end offsets), over `rateWindowMs`. */
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

/**
 * Records per second arriving (end offsets) and processed (committed
 * offsets) on the decision's demand partitions, between two samples.
 * Offsets that went back (a reset) add nothing; nothing committed adds no drain.
 */
function rates(decision: Decision, from: Sample, to: Sample): { arrival: number; drain: number } | undefined {
  const seconds = (to.at - from.at) / 1000;
  if (seconds <= 0) return undefined;
  const counted = new Set(demandPartitions(decision).map((p) => partitionKey(p.topic, p.partition)));
  const before = columnsOf(from);
  const after = columnsOf(to);
  let arrived = 0n;
  let drained = 0n;
  for (let i = 0; i < after.size; i++) {
    const key = after.layout.keys[i]!;
    const j = before.layout.indexOf(key, i);
    if (j === undefined || !counted.has(key)) continue;
    const [endNow, endThen] = [after.endAt(i), before.endAt(j)];
    if (endNow !== undefined && endThen !== undefined && endNow > endThen) arrived += endNow - endThen;
    const [now, then] = [after.committedAt(i), before.committedAt(j)];
    if (now !== NO_COMMIT && then !== NO_COMMIT && now > then) drained += now - then;
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
  // Over the last rateWindowMs, or over all the history there is when it is shorter.
  const i = history.lastIndexOf(latest);
  const before = i > 0 ? (sampleBefore(history, i, rateWindowMs) ?? 0) : undefined;
  const measured = before === undefined ? undefined : rates(decision, history[before]!, latest);
  const seconds = timeLag(decision);
  const replicas =
    decision.target > 0 && Number.isFinite(decision.metricValue)
      ? Math.max(0, Math.ceil(decision.metricValue / decision.target - 1e-9))
      : 0;
  return {
    lag: Number(countedLag(decision)),
    ...(seconds === undefined ? {} : { timeLagSeconds: seconds }),
    ...(measured ? { arrivalRate: measured.arrival, drainRate: measured.drain } : {}),
    replicas,
    active: decision.active,
    stalledPartitions: decision.stalled.length,
  };
}
