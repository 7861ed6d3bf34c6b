/**
 * The few numbers an operator reads first about a trigger, the same for
 * every strategy: what is waiting, how old it is, how fast records arrive
 * and are processed, and what the scaler recommends. Metrics, the status
 * page and its plots all show these.
 */
import type { Decision } from '../model/decision.ts';
import type { TriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { partitionKey, sampleBefore, type Sample } from '../model/sample.ts';
import { delta, keySignature } from '../lag/rates.ts';
import { SampleMemo } from '../lag/sampleMemo.ts';

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

/** What the figures depend on in a trigger's metadata; the rates' window is the `rate` strategy's own. */
export type FigureRules = Pick<TriggerMetadata, 'rateWindow' | 'offsetResetPolicy' | 'scaleToZeroOnInvalidOffset'>;

/** Rates over a minute, for figures made without a trigger's metadata. */
const DEFAULT_RULES: FigureRules = {
  rateWindow: 60_000,
  offsetResetPolicy: 'latest',
  scaleToZeroOnInvalidOffset: false,
};

/**
 * Records per second arriving (end offsets) and processed (committed
 * offsets) on the decision's demand partitions over the window ending at
 * sample `i`, measured as the `rate` strategy measures them (rates.ts delta).
 */
function rates(
  decision: Decision,
  history: readonly Sample[],
  i: number,
  rules: FigureRules,
  memo: SampleMemo,
): { arrival: number; drain: number } | undefined {
  const from = history[sampleBefore(history, i, rules.rateWindow) ?? 0]!;
  const to = history[i]!;
  const seconds = (to.at - from.at) / 1000;
  if (seconds <= 0) return undefined;
  const keys = demandPartitions(decision).map((p) => partitionKey(p.topic, p.partition));
  const signature = keySignature(keys, rules, memo);
  return {
    arrival: Number(delta(from, to, keys, 'end', memo, signature)) / seconds,
    drain: Number(delta(from, to, keys, 'committed', memo, signature)) / seconds,
  };
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

/**
 * The figures of `decision`, made on `latest` of `history`; rates over the
 * trigger's rateWindow, or over all the history there is when it is shorter.
 * `memo`: the trigger's (its evaluator's), so the key set is looked up once.
 */
export function triggerFigures(
  decision: Decision,
  history: readonly Sample[],
  latest: Sample,
  rules: FigureRules = DEFAULT_RULES,
  memo = new SampleMemo(),
): TriggerFigures {
  const i = history.lastIndexOf(latest);
  const measured = i > 0 ? rates(decision, history, i, rules, memo) : undefined;
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
