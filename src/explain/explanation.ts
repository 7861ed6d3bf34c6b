/**
 * What the explain command reports: the trigger as the scaler resolved it,
 * how much poll history the decision had, the group, and the decision with
 * the figures the status page shows. Text and JSON are both rendered from
 * this one object (renderExplanation.ts), so they carry the same content.
 *
 * Of a cluster profile only its name, whether it uses TLS and its SASL
 * mechanism are kept: never a user name, a secret or where one is stored.
 */
import { formatDuration } from '../duration.ts';
import type { Decision } from '../model/decision.ts';
import type { TriggerFigures } from '../observe/figures.ts';
import type { GroupInfo } from '../model/sample.ts';
import type { Trigger } from '../scaler/trigger.ts';
import { type HistoryWindowName, historyWindows, type TriggerMetadata } from '../model/metadata/triggerMetadata.ts';

/** A history-based setting whose window the polls did not span, and what that leaves out. */
export interface ShortWindow {
  readonly parameter: string;
  readonly ms: number;
  readonly effect: string;
}

export interface HistoryCoverage {
  readonly polls: number;
  /** From the first poll to the last. */
  readonly spanMs: number;
  /** What was asked for (--watch). */
  readonly watchMs: number;
  readonly intervalMs: number;
  /** True when the watch was cut short (Ctrl-C). */
  readonly interrupted: boolean;
  readonly shortWindows: readonly ShortWindow[];
}

export interface ClusterSummary {
  readonly bootstrapServers: readonly string[];
  readonly profile?: { readonly name: string; readonly tls: boolean; readonly sasl?: string };
}

export interface Explanation {
  readonly consumerGroup: string;
  readonly topics: readonly string[] | undefined;
  readonly cluster: ClusterSummary;
  readonly strategy: string;
  readonly strategySummary: string;
  readonly metricName: string;
  /** When the offsets behind the decision were read (epoch ms). */
  readonly sampledAt: number;
  readonly history: HistoryCoverage;
  readonly group: GroupInfo;
  readonly decision: Decision;
  readonly figures: TriggerFigures;
  /** Metadata keys the scaler does not read, settings without effect. */
  readonly notes: readonly string[];
}

/**
 * The history-based settings of `m` whose window is longer than `spanMs`.
 * Stalls and rebalance holds need group members, so with none they are left
 * out: nothing is missed.
 */
export function shortWindows(m: TriggerMetadata, spanMs: number, members: number): ShortWindow[] {
  const effects: Record<HistoryWindowName, string> = {
    stallWindow: 'no partition can show as stalled',
    persistentLagWindow: 'no lag counts as persistent',
    rebalanceCooldown: 'a member change before the first poll is not seen, so no rebalance hold follows from it',
    rateWindow:
      m.replicaThroughput === undefined
        ? `arrival rates cover only ${formatDuration(spanMs)}, and throughput is learned only from ${formatDuration(m.rateWindow)} of busy time`
        : `arrival rates cover only ${formatDuration(spanMs)}`,
    scaleDownDelay: 'higher counts recommended before the first poll cannot hold a lower one back',
  };
  // Stalls and rebalance holds need members: with none, nothing is missed.
  const needsMembers = new Set<HistoryWindowName>(['stallWindow', 'rebalanceCooldown']);
  return historyWindows(m)
    .filter((w) => w.used && spanMs < w.ms && (members > 0 || !needsMembers.has(w.parameter)))
    .map(({ parameter, ms }) => ({ parameter, ms, effect: effects[parameter] }));
}

/** The cluster a trigger reads, without credentials. */
export function clusterSummary(trigger: Trigger): ClusterSummary {
  const profile = trigger.target.profile;
  return {
    bootstrapServers: trigger.target.brokers,
    ...(profile
      ? {
          profile: {
            name: profile.name,
            tls: profile.tls !== undefined,
            ...(profile.sasl ? { sasl: profile.sasl.mechanism } : {}),
          },
        }
      : {}),
  };
}
