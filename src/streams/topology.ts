/**
 * How the scaler sees a Kafka Streams application: which topics are demand,
 * how they group into sub-topologies, how many tasks each has, and how many
 * replicas can be useful at all.
 *
 * - The group id is the application id. Topics with committed offsets are
 *   source topics and repartition topics (`<application.id>-<name>-repartition`);
 *   changelog topics (`<application.id>-<name>-changelog`) have none and are
 *   never demand.
 * - A sub-topology has as many tasks as its input topic with the most
 *   partitions; an instance runs `streamThreads` threads and an instance
 *   beyond ceil(total tasks / streamThreads) would idle.
 * - Where does the topology come from, in this order: the `topology`
 *   parameter (an override); what the running application reports (its
 *   members' assignments in a classic group, the topology it registered in
 *   a streams group), also when its members have left, from the newest poll
 *   that had it; else derived from the topic names: each repartition topic
 *   feeds its own sub-topology and the external source topics form one,
 *   which is wrong for an app with more than one source pipeline.
 * - A given topology that differs from the reported one is used, and the
 *   difference said.
 */
import type { SubTopologySpec } from '../model/metadata/topologySpec.ts';
import type { ReportedSubTopology } from '../model/sample.ts';

export type TopicRole = 'source' | 'repartition' | 'changelog';

export interface SubTopology extends SubTopologySpec {
  /** Tasks: the partition count of its widest input topic. */
  readonly tasks: number;
}

export type TopologySource = 'given' | 'reported' | 'derived';

/** What the application reported, as the analysis found it in the poll history. */
export interface ReportedTopology {
  readonly subTopologies: readonly ReportedSubTopology[];
  /** How the group reported it: from the classic assignment or a streams group. */
  readonly protocol: 'classic' | 'streams';
  /** How long ago the poll that had it was (0: the latest). */
  readonly ageMs: number;
}

export interface Topology {
  readonly source: TopologySource;
  /** Why the topology is not the reported one, or how the given one differs from it. */
  readonly notes: readonly string[];
  readonly subTopologies: readonly SubTopology[];
  readonly roles: ReadonlyMap<string, TopicRole>;
  readonly totalTasks: number;
  readonly streamThreads: number;
  /** ceil(total tasks / streamThreads): more replicas than this would idle. */
  readonly usefulMax: number;
}

/** A topic's role for application `appId`, from Kafka Streams' naming of internal topics. */
export function topicRole(appId: string, topic: string): TopicRole {
  if (topic.startsWith(`${appId}-`)) {
    if (topic.endsWith('-repartition')) return 'repartition';
    if (topic.endsWith('-changelog')) return 'changelog';
  }
  return 'source';
}

/**
 * The topology over the topics the poller reads, with their partition counts.
 * Changelog topics are classified and left out of every sub-topology.
 */
export function buildTopology(input: {
  readonly appId: string;
  readonly partitionCounts: ReadonlyMap<string, number>;
  readonly given: readonly SubTopologySpec[] | undefined;
  readonly streamThreads: number;
  readonly reported?: ReportedTopology | undefined;
  /** Why the application's report could not be read, if it could not. */
  readonly reportProblem?: string | undefined;
}): Topology {
  const { appId, partitionCounts, given, streamThreads, reported } = input;
  const roles = new Map<string, TopicRole>();
  for (const topic of partitionCounts.keys()) roles.set(topic, topicRole(appId, topic));

  const notes: string[] = [];
  let specs: ReadonlyArray<SubTopologySpec & { readonly assignedTasks?: number }>;
  let source: TopologySource;
  if (given) {
    specs = given;
    source = 'given';
    if (reported && !sameTopology(given, reported.subTopologies)) {
      notes.push(
        `the topology parameter differs from what the application reports: ${formatSpecs(reported.subTopologies)}`,
      );
    }
  } else if (reported && reported.subTopologies.length > 0) {
    specs = reported.subTopologies;
    source = 'reported';
    if (reported.ageMs > 0)
      notes.push(`as last reported ${Math.round(reported.ageMs / 1000)}s ago (the group has no members now)`);
  } else {
    source = 'derived';
    if (input.reportProblem) notes.push(`derived from the topic names: ${input.reportProblem}`);
    const sources = [...roles]
      .filter(([, role]) => role === 'source')
      .map(([t]) => t)
      .sort();
    const repartitions = [...roles]
      .filter(([, role]) => role === 'repartition')
      .map(([t]) => t)
      .sort();
    specs = [
      ...(sources.length > 0 ? [{ id: 'sources', inputs: sources }] : []),
      ...repartitions.map((t) => ({ id: t.slice(appId.length + 1, -'-repartition'.length), inputs: [t] })),
    ];
  }
  for (const spec of specs)
    for (const topic of spec.inputs) if (!roles.has(topic)) roles.set(topic, topicRole(appId, topic));
  const subTopologies = specs.map((spec) => ({
    id: spec.id,
    inputs: spec.inputs,
    // A fold, not Math.max(...): a reported sub-topology's inputs are as many as its members wrote.
    tasks: spec.inputs.reduce((most, t) => Math.max(most, partitionCounts.get(t) ?? 0), spec.assignedTasks ?? 0),
  }));
  const totalTasks = subTopologies.reduce((sum, s) => sum + s.tasks, 0);
  return {
    source,
    notes,
    subTopologies,
    roles,
    totalTasks,
    streamThreads,
    usefulMax: Math.ceil(totalTasks / streamThreads),
  };
}

/** Whether two topologies group the same topics the same way (ids aside). */
function sameTopology(a: readonly SubTopologySpec[], b: readonly SubTopologySpec[]): boolean {
  const key = (specs: readonly SubTopologySpec[]): string =>
    specs
      .map((s) => [...s.inputs].sort().join('+'))
      .sort()
      .join(';');
  return key(a) === key(b);
}

/** The `topology` parameter's syntax, e.g. "0:left+right;1:app-by-first-repartition". */
export function formatSpecs(specs: readonly SubTopologySpec[]): string {
  return specs.map((s) => `${s.id}:${s.inputs.join('+')}`).join(';');
}

/** One line for explanations, e.g. "2 sub-topologies (sources: 4 tasks, by-word: 4 tasks), useful max 8". */
export function describeTopology(topology: Topology): string {
  const parts = topology.subTopologies.map((s) => `${s.id}: ${s.tasks} task${s.tasks === 1 ? '' : 's'}`).join(', ');
  const threads = topology.streamThreads > 1 ? ` / ${topology.streamThreads} threads` : '';
  return `${topology.subTopologies.length} sub-topolog${topology.subTopologies.length === 1 ? 'y' : 'ies'} (${parts}), useful max ${topology.usefulMax}${threads}`;
}
