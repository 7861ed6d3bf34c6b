/**
 * What every strategy starts from: the partitions a trigger counts, with
 * KEDA's lag rules and the transaction-marker fix applied, their Kafka
 * Streams role and sub-topology, stalls, and KEDA's totals and activation.
 */
import { ScalerError } from '../errors.ts';
import { partitionKey, type Sample } from '../model/sample.ts';
import { PartitionRanges } from '../model/metadata/partitionList.ts';
import type { TriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { buildTopology, type ReportedTopology, type Topology } from '../streams/topology.ts';
import type { Decision, PartitionDecision, SubTopologyDecision } from '../model/decision.ts';
import { partitionLag, totalLag, type TotalLag } from './kedaLag.ts';
import { goneMembers, type GoneMembers, persistentPartitions, stalledPartitions } from './persistentLag.ts';
import type { StrategyInput } from './strategy.ts';

export interface Analysis {
  readonly topology: Topology;
  /** Counted partitions (partitionLimitation applied), changelogs included but flagged. */
  readonly partitions: readonly PartitionDecision[];
  /** Partitions that are demand (not changelog), by sub-topology id. */
  readonly bySubTopology: ReadonlyMap<string, readonly PartitionDecision[]>;
  /** KEDA's totals over the demand partitions. */
  readonly keda: TotalLag;
  readonly active: boolean;
  readonly stalled: readonly string[];
  /** The group's members are gone while records wait. */
  readonly gone: GoneMembers | undefined;
}

/**
 * Partitions of a sample that a trigger counts (partitionLimitation). A
 * limitation that matches no partition at all is an error naming the
 * partitions there are, as in KEDA, never a 0 that scales the workload away.
 */
export function countedPartitions(sample: Sample, metadata: TriggerMetadata): Sample['partitions'] {
  const limit = metadata.partitionLimitation;
  if (!limit) return sample.partitions;
  const counted = sample.partitions.filter((p) => limit.has(p.partition));
  if (counted.length === 0 && sample.partitions.length > 0) {
    const byTopic = new Map<string, number[]>();
    for (const p of sample.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const have = [...byTopic].map(
      ([topic, ids]) => `topic "${topic}" has partitions ${new PartitionRanges(ids.map((id) => [id, id])).toString()}`,
    );
    throw new ScalerError(
      'PARTITION_NOT_FOUND',
      `parameter "partitionLimitation" value "${limit.toString()}" matches no partition: ${have.join('; ')}`,
    );
  }
  return counted;
}

export function analyze({ metadata: m, latest, history }: StrategyInput): Analysis {
  const rows = countedPartitions(latest, m);
  const partitionCounts = new Map<string, number>();
  for (const p of latest.partitions) partitionCounts.set(p.topic, (partitionCounts.get(p.topic) ?? 0) + 1);
  const topology = buildTopology({
    appId: m.consumerGroup,
    partitionCounts,
    given: m.topology,
    streamThreads: m.streamThreads,
    reported: reportedTopology(history.length > 0 ? history : [latest]),
    reportProblem: latest.group.reportProblem,
  });
  const subOf = new Map<string, string>();
  for (const sub of topology.subTopologies) for (const topic of sub.inputs) subOf.set(topic, sub.id);

  const persistent = m.excludePersistentLag ? persistentPartitions(history, m.persistentLagWindow) : new Set<string>();
  const stalled = stalledPartitions(history, m.stallWindow);
  const partitions = rows.map((p): PartitionDecision => {
    const key = partitionKey(p.topic, p.partition);
    const role = topology.roles.get(p.topic) ?? 'source';
    const sub = subOf.get(p.topic);
    return {
      ...partitionLag(p, m, persistent.has(key)),
      role,
      ...(sub === undefined ? {} : { subTopology: sub }),
      ...(stalled.has(key) ? { stalled: true } : {}),
    };
  });
  const demand = partitions.filter((p) => p.role !== 'changelog');
  const bySubTopology = new Map<string, PartitionDecision[]>(topology.subTopologies.map((s) => [s.id, []]));
  for (const p of demand) if (p.subTopology !== undefined) bySubTopology.get(p.subTopology)?.push(p);
  const keda = totalLag(demand, m);
  return {
    topology,
    partitions,
    bySubTopology,
    keda,
    active: keda.activationLag > BigInt(m.activationLagThreshold),
    stalled: partitions.filter((p) => p.stalled).map((p) => `${p.topic}-${p.partition}`),
    gone: goneMembers(
      history,
      demand.reduce((sum, p) => sum + p.lag, 0n),
    ),
  };
}

/**
 * The topology the application reports: in the latest poll, or, while the
 * group has no members to report it, in the newest poll that had it.
 */
export function reportedTopology(history: readonly Sample[]): ReportedTopology | undefined {
  const latest = history[history.length - 1];
  if (!latest) return undefined;
  for (let i = history.length - 1; i >= 0; i--) {
    const group = history[i]!.group;
    if (group.reported && group.reported.length > 0) {
      return {
        subTopologies: group.reported,
        protocol: group.protocol === 'streams' ? 'streams' : 'classic',
        ageMs: i === history.length - 1 ? 0 : latest.at - history[i]!.at,
      };
    }
    // Only polls without members are looked through: a group with members reports for itself, or not at all.
    if (group.members > 0) return undefined;
  }
  return undefined;
}

/** The topology part of a decision, with per-sub-topology lag and any strategy figures. */
export function topologyDecision(
  analysis: Analysis,
  extra: (id: string) => Partial<SubTopologyDecision> = () => ({}),
): Decision['topology'] {
  const { topology } = analysis;
  return {
    source: topology.source,
    notes: topology.notes,
    usefulMax: topology.usefulMax,
    streamThreads: topology.streamThreads,
    subTopologies: topology.subTopologies.map((s) => ({
      id: s.id,
      inputs: s.inputs,
      tasks: s.tasks,
      lag: (analysis.bySubTopology.get(s.id) ?? []).reduce((sum, p) => sum + p.lag, 0n),
      ...extra(s.id),
    })),
  };
}

/** Explanation fragments shared by every strategy. */
export function commonNotes(analysis: Analysis): string[] {
  const notes: string[] = [];
  const markers = analysis.partitions.filter((p) => p.note === 'transaction-markers').length;
  if (markers > 0) notes.push(`${markers} partition(s) with only transaction markers left`);
  const beyond = analysis.partitions.filter((p) => p.note === 'out-of-range');
  if (beyond.length > 0) {
    notes.push(
      `committed beyond the log end (truncated log?), counted as uncommitted: ${beyond.map((p) => `${p.topic}-${p.partition}`).join(', ')}`,
    );
  }
  if (analysis.stalled.length > 0) notes.push(`stalled: ${analysis.stalled.join(', ')}`);
  if (analysis.gone) {
    notes.push(
      `no members for ${Math.round(analysis.gone.sinceMs / 1000)}s while records wait (it had ${analysis.gone.hadMembers}): the application's instances stopped, crashed or hang`,
    );
  }
  return notes;
}
