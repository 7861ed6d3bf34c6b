/**
 * Lag as KEDA's `kafka` scaler computes it (pkg/scalers/kafka_scaler.go), as
 * pure functions, with the places where KEDA is known to be wrong done right:
 *
 * - lag per partition never goes below 0 (a consumer reading uncommitted
 *   records past an open transaction commits beyond the last stable offset);
 * - a committed offset beyond the log end (a truncated log, restored offsets)
 *   counts like no committed offset, under offsetResetPolicy, because that is
 *   where the consumer resets to; KEDA clamps it to 0 and scales to zero;
 * - the partition cap compares with real division, so the HPA never asks for
 *   more replicas than partitions (KEDA's integer division lets
 *   `cap×T < lag < (cap+1)×T` through);
 * - `earliest` with nothing committed counts the records still in the log,
 *   end − start, not the end offset (kedacore/keda#7936);
 * - a gap made only of transaction markers (or aborted records) is no lag,
 *   so an exactly-once app that caught up can scale to zero (kedacore/keda#5675).
 */
import { NO_COMMIT, type PartitionOffsets } from '../model/sample.ts';
import { committedWaiting, recordsWaiting } from './recordsWaiting.ts';
import type { PartitionDecision } from '../model/decision.ts';

export interface LagRules {
  readonly lagThreshold: number;
  readonly offsetResetPolicy: 'earliest' | 'latest';
  readonly scaleToZeroOnInvalidOffset: boolean;
  readonly excludePersistentLag: boolean;
  readonly allowIdleConsumers: boolean;
  readonly limitToPartitionsWithLag: boolean;
  readonly ensureEvenDistributionOfPartitions: boolean;
}

/**
 * One partition's lag: `lag` for the metric and `activationLag` for IsActive.
 *
 * - nothing committed, `latest`: 1 so one consumer starts and commits
 *   (kedacore/keda#2612), 0 with scaleToZeroOnInvalidOffset;
 * - nothing committed, `earliest`: the records in the log (end − start),
 *   0 with scaleToZeroOnInvalidOffset;
 * - committed beyond the log end (`outOfRange`): the same, noted 'out-of-range';
 * - no end offset from the broker: 0 (kedacore/keda#7324);
 * - only transaction markers between committed and end (a read-committed
 *   peek found no data): 0;
 * - persistent (committed offset standing still, see persistentPartitions):
 *   0 for the metric, the full lag for activation;
 * - otherwise end − committed, never below 0.
 */
export function partitionLag(p: PartitionOffsets, rules: LagRules, persistent: boolean): PartitionDecision {
  const base = { topic: p.topic, partition: p.partition, committed: p.committed, end: p.end };
  if (p.committed === NO_COMMIT) {
    // A start offset the broker did not give counts as 0, as KEDA counts it.
    const lag =
      rules.offsetResetPolicy === 'latest' && !rules.scaleToZeroOnInvalidOffset
        ? 1n
        : recordsWaiting({ ...p, start: p.start ?? 0n }, rules);
    return { ...base, lag, activationLag: lag, note: p.outOfRange === undefined ? 'uncommitted' : 'out-of-range' };
  }
  if (p.end === undefined) return { ...base, lag: 0n, activationLag: 0n, note: 'no-end-offset' };
  if (p.dataPending === false && p.end > p.committed) {
    return { ...base, lag: 0n, activationLag: 0n, note: 'transaction-markers' };
  }
  const lag = committedWaiting(p);
  if (rules.excludePersistentLag && persistent && lag > 0n) {
    return { ...base, lag: 0n, activationLag: lag, note: 'persistent' };
  }
  return { ...base, lag, activationLag: lag };
}

export interface TotalLag {
  /** The metric: summed lag after the cap and the even-distribution rounding. */
  readonly metric: bigint;
  /** Summed lag before any cap, persistent lag included: what activation compares. */
  readonly activationLag: bigint;
  /** Summed lag before the cap (persistent lag excluded). */
  readonly uncapped: bigint;
  /** Partitions counted (those with an end offset). */
  readonly partitions: number;
  readonly partitionsWithLag: number;
  /** The replica cap applied, if any. */
  readonly cap: number | undefined;
  /** With ensureEvenDistributionOfPartitions: the replica count the metric was rounded to. */
  readonly evenFactor: number | undefined;
}

/**
 * Sums partition lags and applies KEDA's replica cap: unless
 * allowIdleConsumers, the metric is at most `partitions × lagThreshold`
 * (partitions with lag under limitToPartitionsWithLag); under
 * ensureEvenDistributionOfPartitions the metric becomes `f × lagThreshold`
 * for the smallest divisor f of the partition count that covers the lag.
 */
export function totalLag(parts: readonly PartitionDecision[], rules: LagRules): TotalLag {
  const counted = parts.filter((p) => p.note !== 'no-end-offset');
  const uncapped = counted.reduce((sum, p) => sum + p.lag, 0n);
  const activationLag = counted.reduce((sum, p) => sum + p.activationLag, 0n);
  const partitions = counted.length;
  const partitionsWithLag = counted.filter((p) => p.lag > 0n).length;
  const threshold = BigInt(rules.lagThreshold);

  let metric = uncapped;
  let cap: number | undefined;
  let evenFactor: number | undefined;
  if (!rules.allowIdleConsumers || rules.limitToPartitionsWithLag || rules.ensureEvenDistributionOfPartitions) {
    cap = partitions;
    if (rules.ensureEvenDistributionOfPartitions) {
      evenFactor = smallestCoveringDivisor(uncapped, partitions, threshold);
      metric = BigInt(evenFactor) * threshold;
    }
    if (rules.limitToPartitionsWithLag) cap = partitionsWithLag;
    if (metric > BigInt(cap) * threshold) metric = BigInt(cap) * threshold;
  }
  return { metric, activationLag, uncapped, partitions, partitionsWithLag, cap, evenFactor };
}

/**
 * The smallest divisor f of `partitions` with f × threshold ≥ lag, else
 * `partitions` (KEDA's FindFactors walk). Lag 0 gives 1, as in KEDA: the HPA
 * then holds one replica while activation still allows scaling to zero.
 */
export function smallestCoveringDivisor(lag: bigint, partitions: number, threshold: bigint): number {
  for (let f = 1; f <= partitions; f++) {
    if (partitions % f === 0 && BigInt(f) * threshold >= lag) return f;
  }
  return Math.max(partitions, 1);
}
