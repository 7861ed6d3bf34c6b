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
 * - Given no `topology`, it is derived: each repartition topic feeds its own
 *   sub-topology, and the external source topics form one. Give the topology
 *   when that is wrong, e.g. for two independent pipelines in one app.
 */
import type { SubTopologySpec } from '../model/metadata/topologySpec.ts';

export type TopicRole = 'source' | 'repartition' | 'changelog';

export interface SubTopology extends SubTopologySpec {
  /** Tasks: the partition count of its widest input topic. */
  readonly tasks: number;
}

export interface Topology {
  readonly source: 'given' | 'derived';
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
}): Topology {
  const { appId, partitionCounts, given, streamThreads } = input;
  const roles = new Map<string, TopicRole>();
  for (const topic of partitionCounts.keys()) roles.set(topic, topicRole(appId, topic));

  let specs: readonly SubTopologySpec[];
  if (given) {
    specs = given;
  } else {
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
  const subTopologies = specs.map((spec) => ({
    ...spec,
    tasks: Math.max(0, ...spec.inputs.map((t) => partitionCounts.get(t) ?? 0)),
  }));
  const totalTasks = subTopologies.reduce((sum, s) => sum + s.tasks, 0);
  return {
    source: given ? 'given' : 'derived',
    subTopologies,
    roles,
    totalTasks,
    streamThreads,
    usefulMax: Math.ceil(totalTasks / streamThreads),
  };
}

/** One line for explanations, e.g. "2 sub-topologies (sources: 4 tasks, by-word: 4 tasks), useful max 8". */
export function describeTopology(topology: Topology): string {
  const parts = topology.subTopologies.map((s) => `${s.id}: ${s.tasks} task${s.tasks === 1 ? '' : 's'}`).join(', ');
  const threads = topology.streamThreads > 1 ? ` / ${topology.streamThreads} threads` : '';
  return `${topology.subTopologies.length} sub-topolog${topology.subTopologies.length === 1 ? 'y' : 'ies'} (${parts}), useful max ${topology.usefulMax}${threads}`;
}
