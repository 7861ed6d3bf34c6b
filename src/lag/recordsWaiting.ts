/**
 * Records waiting on a partition: the one computation behind the lag KEDA's
 * rules count (kedaLag.ts), the backlog the `rate` strategy sizes by
 * (rates.ts), the partitions that stall or lag persistently
 * (persistentLag.ts) and the time lag (timeLag.ts). It reads plain values,
 * so a row and a column of the poll history answer alike.
 */
import { NO_COMMIT } from '../model/sample.ts';
import type { PartitionColumns } from '../model/partitionColumns.ts';
import type { TriggerMetadata } from '../model/metadata/triggerMetadata.ts';

/** The settings waiting records depend on for a partition with nothing committed. */
export type WaitingRules = Pick<TriggerMetadata, 'offsetResetPolicy' | 'scaleToZeroOnInvalidOffset'>;

/** One partition's offsets, as a row or a column gives them. */
export interface WaitingOffsets {
  readonly committed: bigint;
  /** Undefined: the broker returned no end offset. */
  readonly end: bigint | undefined;
  readonly start: bigint | undefined;
  /** False: a read-committed look found only transaction markers before the end. */
  readonly dataPending?: boolean | undefined;
}

/**
 * Data records past the committed offset: end − committed, never below 0;
 * none when the gap is only transaction markers or the end is unknown.
 * Nothing committed counts as nothing here (see recordsWaiting).
 */
export function committedWaiting(p: WaitingOffsets): bigint {
  return p.committed === NO_COMMIT ? 0n : waiting(p.committed, p.end, p.start, p.dataPending, undefined);
}

/**
 * Records a consumer of the partition still has to process: committedWaiting;
 * with nothing committed, the log (end − start) when it would start from
 * the earliest record, and none when it would start at the end (`latest`) or
 * is told to scale to zero. (KEDA's metric counts 1 for `latest`, so one
 * consumer starts and commits: kedaLag.ts adds that rule, it is not work.)
 */
export function recordsWaiting(p: WaitingOffsets, rules: WaitingRules): bigint {
  return waiting(p.committed, p.end, p.start, p.dataPending, rules);
}

/** recordsWaiting of partition `i` of `columns`, without making an object for it. */
export function recordsWaitingAt(columns: PartitionColumns, i: number, rules: WaitingRules): bigint {
  return waiting(columns.committedAt(i), columns.endAt(i), columns.startAt(i), columns.dataPendingAt(i), rules);
}

/** Partition `i` of `columns` as the functions above read it. */
export function columnOffsets(columns: PartitionColumns, i: number): WaitingOffsets {
  return {
    committed: columns.committedAt(i),
    end: columns.endAt(i),
    start: columns.startAt(i),
    dataPending: columns.dataPendingAt(i),
  };
}

/** The rule itself; without `rules`, nothing committed waits nothing. */
function waiting(
  committed: bigint,
  end: bigint | undefined,
  start: bigint | undefined,
  dataPending: boolean | undefined,
  rules: WaitingRules | undefined,
): bigint {
  if (end === undefined || dataPending === false) return 0n;
  if (committed !== NO_COMMIT) return end > committed ? end - committed : 0n;
  if (!rules || rules.offsetResetPolicy !== 'earliest' || rules.scaleToZeroOnInvalidOffset || start === undefined) {
    return 0n;
  }
  return end > start ? end - start : 0n;
}
