/**
 * An Explanation as text for a terminal (aligned tables) or as one JSON
 * document with the same content. Offsets are Kafka's int64: exact in both,
 * strings in JSON.
 */
import { formatDuration } from '../duration.ts';
import type { PartitionDecision, SubTopologyDecision } from '../model/decision.ts';
import { NO_COMMIT } from '../model/sample.ts';
import { countedLag } from '../observe/figures.ts';
import type { Explanation } from './explanation.ts';

type Align = 'left' | 'right';
interface Column<T> {
  readonly title: string;
  readonly align: Align;
  readonly cell: (row: T) => string;
}

/** Rows under a header, columns two spaces apart, no trailing blanks. */
export function table<T>(columns: readonly Column<T>[], rows: readonly T[], indent = '  '): string[] {
  const cells = [columns.map((c) => c.title), ...rows.map((row) => columns.map((c) => c.cell(row)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells.map(
    (line) =>
      indent +
      line
        .map((cell, i) => (columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
  );
}

const round1 = (n: number): string => String(Math.round(n * 10) / 10);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function clusterLine(e: Explanation): string {
  const servers = e.cluster.bootstrapServers.join(',');
  const profile = e.cluster.profile;
  if (!profile) return `${servers} (no cluster profile: plaintext)`;
  const security = [profile.tls ? 'TLS' : 'plaintext', ...(profile.sasl ? [`SASL ${profile.sasl}`] : [])];
  return `${servers} (cluster profile ${profile.name}: ${security.join(', ')})`;
}

function groupLine(e: Explanation): string {
  const g = e.group;
  const instances = g.instances === undefined ? '' : ` (${plural(g.instances, 'Kafka Streams instance')})`;
  const protocol = g.protocol === undefined ? '' : `; ${GROUP_PROTOCOLS[g.protocol]}`;
  const reconciling = g.reconciling ? ', reconciling' : '';
  return `${g.state || 'unknown state'}${reconciling}, ${plural(g.members, 'member')}${instances}${protocol}`;
}

const GROUP_PROTOCOLS: Readonly<Record<NonNullable<Explanation['group']['protocol']>, string>> = {
  classic: 'classic group',
  consumer: 'consumer group (KIP-848)',
  streams: 'streams group (KIP-1071)',
};

function historyLines(e: Explanation): string[] {
  const h = e.history;
  const head =
    h.polls === 1
      ? '1 poll (no history: --watch DURATION polls for longer)'
      : `${h.polls} polls over ${formatDuration(h.spanMs)}, every ${formatDuration(h.intervalMs)}`;
  const cut = h.interrupted ? ` (stopped early; --watch was ${formatDuration(h.watchMs)})` : '';
  return [head + cut, ...h.shortWindows.map((w) => `shorter than ${w.parameter} ${formatDuration(w.ms)}: ${w.effect}`)];
}

function partitionColumns(e: Explanation): Column<PartitionDecision>[] {
  const columns: Column<PartitionDecision>[] = [
    { title: 'TOPIC', align: 'left', cell: (p) => p.topic },
    { title: 'PARTITION', align: 'right', cell: (p) => String(p.partition) },
    { title: 'COMMITTED', align: 'right', cell: (p) => (p.committed === NO_COMMIT ? '-' : String(p.committed)) },
    { title: 'END', align: 'right', cell: (p) => (p.end === undefined ? '-' : String(p.end)) },
    { title: 'LAG', align: 'right', cell: (p) => String(p.lag) },
    { title: 'NOTE', align: 'left', cell: (p) => p.note ?? '-' },
    { title: 'ROLE', align: 'left', cell: (p) => p.role ?? '-' },
    { title: 'SUB-TOPOLOGY', align: 'left', cell: (p) => p.subTopology ?? '-' },
    { title: 'STALLED', align: 'left', cell: (p) => (p.stalled ? 'yes' : 'no') },
  ];
  if (e.decision.partitions.some((p) => p.timeLagSeconds !== undefined)) {
    columns.push({
      title: 'TIME LAG',
      align: 'right',
      cell: (p) => (p.timeLagSeconds === undefined ? '-' : `${round1(p.timeLagSeconds)}s`),
    });
  }
  return columns;
}

function subTopologyColumns(e: Explanation): Column<SubTopologyDecision>[] {
  const subs = e.decision.topology.subTopologies;
  const has = (pick: (s: SubTopologyDecision) => unknown): boolean => subs.some((s) => pick(s) !== undefined);
  const optional = (value: number | undefined, unit = ''): string =>
    value === undefined ? '-' : `${round1(value)}${unit}`;
  const columns: Column<SubTopologyDecision>[] = [
    { title: 'SUB-TOPOLOGY', align: 'left', cell: (s) => s.id },
    { title: 'INPUTS', align: 'left', cell: (s) => s.inputs.join(',') },
    { title: 'TASKS', align: 'right', cell: (s) => String(s.tasks) },
    { title: 'LAG', align: 'right', cell: (s) => String(s.lag) },
  ];
  if (has((s) => s.timeLagSeconds)) {
    columns.push({ title: 'TIME LAG', align: 'right', cell: (s) => optional(s.timeLagSeconds, 's') });
  }
  if (has((s) => s.arrivalRate)) {
    columns.push({ title: 'ARRIVING/S', align: 'right', cell: (s) => optional(s.arrivalRate) });
  }
  if (has((s) => s.replicaThroughput ?? s.throughputFloor)) {
    columns.push({
      title: 'PER REPLICA/S',
      align: 'right',
      cell: (s) =>
        s.replicaThroughput !== undefined
          ? round1(s.replicaThroughput)
          : s.throughputFloor !== undefined
            ? `>=${round1(s.throughputFloor)}`
            : 'unknown',
    });
  }
  if (has((s) => s.replicas)) {
    columns.push({
      title: 'REPLICAS',
      align: 'right',
      cell: (s) => (s.replicas === undefined ? '-' : String(s.replicas)),
    });
  }
  return columns;
}

/** Label and value lines, the values aligned. */
function fields(rows: ReadonlyArray<readonly [string, string | readonly string[]]>, indent = ''): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.flatMap(([label, value]) => {
    const [first = '', ...rest] = typeof value === 'string' ? [value] : value;
    return [
      `${indent}${label.padEnd(width)}${first}`.trimEnd(),
      ...rest.map((line) => `${indent}${' '.repeat(width)}${line}`),
    ];
  });
}

/** Records counted as lag, exactly (the figures' number may round above 2^53). */
function totalLag(e: Explanation): bigint {
  return countedLag(e.decision);
}

const TOPOLOGY_SOURCES: Readonly<Record<Explanation['decision']['topology']['source'], string>> = {
  given: 'given by the topology parameter',
  reported: 'as the application reports it',
  derived: 'derived from the topic names',
};

export function renderText(e: Explanation): string {
  const d = e.decision;
  const t = d.topology;
  const f = e.figures;
  const totalTasks = t.subTopologies.reduce((sum, s) => sum + s.tasks, 0);
  const measured = [`lag ${totalLag(e)}`];
  if (f.timeLagSeconds !== undefined) measured.push(`${round1(f.timeLagSeconds)}s behind`);
  if (f.arrivalRate !== undefined && f.drainRate !== undefined) {
    measured.push(`${round1(f.arrivalRate)}/s arriving, ${round1(f.drainRate)}/s processed`);
  }
  const lines = [
    ...fields([
      ['Consumer group:', e.consumerGroup],
      ['Kafka cluster:', clusterLine(e)],
      ['Topics:', e.topics ? e.topics.join(', ') : 'every topic the group has committed offsets for'],
      ['Strategy:', `${e.strategy}: ${e.strategySummary}`],
      ['Group:', groupLine(e)],
      ['Offsets read:', new Date(e.sampledAt).toISOString()],
      ['History:', historyLines(e)],
    ]),
    '',
    'Partitions:',
    ...(d.partitions.length > 0 ? table(partitionColumns(e), d.partitions) : ['  none']),
    '',
    `Topology (${TOPOLOGY_SOURCES[t.source]}):`,
    ...(t.subTopologies.length > 0 ? table(subTopologyColumns(e), t.subTopologies) : ['  no sub-topologies']),
    ...t.notes.map((note) => `  note: ${note}`),
    `  useful maximum ${plural(t.usefulMax, 'replica')}: ${plural(totalTasks, 'task')} / ${plural(t.streamThreads, 'stream thread')} per instance`,
    '',
    'Decision:',
    ...fields(
      [
        ['metric value', String(d.metricValue)],
        ['target', String(d.target)],
        ['recommended replicas', `${f.replicas} = ceil(${d.metricValue} / ${d.target})`],
        ['active', d.active ? 'yes' : 'no'],
        ...(d.held === undefined ? [] : [['held', d.held] as const]),
        ...(d.dominant === undefined ? [] : [['driven by', `sub-topology ${d.dominant}`] as const]),
        ...(d.stalled.length > 0 ? [['stalled', d.stalled.join(', ')] as const] : []),
        ['measured', measured.join('; ')],
        ['explanation', d.explanation],
      ],
      '  ',
    ),
  ];
  if (e.notes.length > 0) lines.push('', 'Notes:', ...e.notes.map((n) => `  ${n}`));
  return `${lines.join('\n')}\n`;
}

/** The JSON document: the same content, offsets as strings, absent values as null. */
export function explanationJson(e: Explanation): Record<string, unknown> {
  const d = e.decision;
  const offset = (n: bigint | undefined): string | null => (n === undefined || n === NO_COMMIT ? null : String(n));
  return {
    consumerGroup: e.consumerGroup,
    topics: e.topics ?? null,
    cluster: {
      bootstrapServers: e.cluster.bootstrapServers,
      profile: e.cluster.profile ?? null,
    },
    strategy: e.strategy,
    strategySummary: e.strategySummary,
    metricName: e.metricName,
    sampledAt: new Date(e.sampledAt).toISOString(),
    history: {
      polls: e.history.polls,
      spanSeconds: e.history.spanMs / 1000,
      watchSeconds: e.history.watchMs / 1000,
      intervalSeconds: e.history.intervalMs / 1000,
      interrupted: e.history.interrupted,
      shorterThan: e.history.shortWindows.map((w) => ({
        parameter: w.parameter,
        seconds: w.ms / 1000,
        effect: w.effect,
      })),
    },
    group: {
      state: e.group.state,
      members: e.group.members,
      instances: e.group.instances ?? null,
      protocol: e.group.protocol ?? null,
      reconciling: e.group.reconciling ?? false,
    },
    partitions: d.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      committed: offset(p.committed),
      end: offset(p.end),
      lag: String(p.lag),
      activationLag: String(p.activationLag),
      note: p.note ?? null,
      role: p.role ?? null,
      subTopology: p.subTopology ?? null,
      stalled: p.stalled ?? false,
      timeLagSeconds: p.timeLagSeconds ?? null,
    })),
    topology: {
      source: d.topology.source,
      notes: d.topology.notes,
      usefulMax: d.topology.usefulMax,
      streamThreads: d.topology.streamThreads,
      subTopologies: d.topology.subTopologies.map((s) => ({ ...s, lag: String(s.lag) })),
    },
    decision: {
      metricValue: d.metricValue,
      target: d.target,
      recommendedReplicas: e.figures.replicas,
      active: d.active,
      explanation: d.explanation,
      held: d.held ?? null,
      heldAtLeast: d.heldAtLeast ?? null,
      dominant: d.dominant ?? null,
      stalledPartitions: d.stalled,
    },
    figures: {
      lag: String(totalLag(e)),
      timeLagSeconds: e.figures.timeLagSeconds ?? null,
      arrivalRate: e.figures.arrivalRate ?? null,
      drainRate: e.figures.drainRate ?? null,
    },
    notes: e.notes,
  };
}

export function renderJson(e: Explanation): string {
  return `${JSON.stringify(explanationJson(e), null, 2)}\n`;
}
