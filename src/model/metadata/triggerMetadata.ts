/**
 * The trigger metadata a ScaledObject gives this scaler: the parameters of
 * KEDA's own `kafka` scaler with the same names, defaults and meaning, plus
 * this scaler's own. The common table here and each strategy's own in
 * strategies/ make one schema; cross-field rules in `crossFieldProblems`.
 */
import { parsePartitionList, type PartitionRanges } from './partitionList.ts';
import { composeSchema, field, type Parsed, parseMetadata, type Schema, sizeProblems } from '../../schema.ts';
import { type AllStrategyParams, STRATEGY_PARAMS } from './strategies/strategyParams.ts';
import { STRATEGY_NAMES } from './strategyNames.ts';
import { parseTopology, type SubTopologySpec } from './topologySpec.ts';

/**
 * Keys that reach us but are not ours to parse: those KEDA itself reads for
 * its gRPC connection, and those of KEDA's `kafka` scaler that have no effect
 * here (`fullMetadata`, v2.21.0: this scaler only ever asks for the metadata of
 * the topics it reads; `version`: protocol versions are negotiated;
 * `ccacheName`, v2.21.0, a Kerberos credential cache of KEDA's own client).
 * They are neither parsed, nor logged as unknown, nor part of the metric
 * name's hash.
 */
export const KEDA_KEYS: ReadonlySet<string> = new Set([
  'scalerAddress',
  'enableTLS',
  'unsafeSsl',
  'fullMetadata',
  'version',
  'ccacheName',
]);

/** Kafka's own rule for topic names: 1 to 249 of [a-zA-Z0-9._-], and neither "." nor "..". */
export function topicNameProblem(item: string): string | undefined {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(item) && item !== '.' && item !== '..'
    ? undefined
    : 'must be topic names of 1 to 249 characters from [a-zA-Z0-9._-], separated by commas';
}

/** Characters in a consumer group id, at most (Kafka sets no limit; Kafka Streams' must fit in topic names). */
export const MAX_GROUP_ID_LENGTH = 1_000;

function hostPortProblem(item: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]{2,45}\]|[A-Za-z0-9._-]{1,253}):(\d{1,5})$/.exec(item);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    return 'must be a comma-separated list of host:port addresses, e.g. "kafka-0:9092,kafka-1:9092"';
  }
  return undefined;
}

/**
 * The parameters a trigger reads whatever its strategy: where to connect and
 * what to poll, KEDA's lag rules (applied by lag/analysis.ts, which every
 * strategy starts from), and the Kafka Streams, stall and rebalance settings.
 * A parameter only one strategy reads is in that strategy's fragment, in
 * strategies/.
 */
export const COMMON_PARAMS = {
  bootstrapServers: field.list({
    doc: 'Kafka brokers to bootstrap from, `host:port[,host:port]`; required unless `cluster` is given',
    fromEnv: true,
    fallback: [],
    item: hostPortProblem,
    empty: 'must be a comma-separated list of host:port addresses, e.g. "kafka-0:9092,kafka-1:9092"',
  }),
  cluster: field.string({
    doc: 'the Kafka cluster profile to connect with (its addresses, TLS and SASL; see Kafka clusters and credentials)',
    fallback: '',
  }),
  consumerGroup: field.string({
    doc: 'consumer group whose lag drives scaling (for Kafka Streams: the application.id)',
    required: true,
    fromEnv: true,
    fallback: '',
    maxLength: MAX_GROUP_ID_LENGTH,
  }),
  topic: field.list({
    doc: 'one topic or a comma list; empty means every topic the group has committed offsets for',
    fromEnv: true,
    fallback: [],
    item: topicNameProblem,
    empty: 'must name at least one topic; leave it out for every topic the group commits to',
  }),
  partitionLimitation: field.custom<PartitionRanges | undefined>(
    { doc: 'only these partitions count, e.g. `1,2,10-20`; ignored without `topic`', fallback: undefined },
    (raw) => parsePartitionList(raw),
  ),
  lagThreshold: field.int({
    doc: 'target lag per replica (the HPA AverageValue target); for `rate`, what one replica works off in catchUpSeconds, which sizes a group with no members before its throughput is known',
    fallback: 10,
    min: 1,
  }),
  activationLagThreshold: field.int({
    doc: 'the trigger is active when lag is above this',
    fallback: 0,
    min: 0,
  }),
  offsetResetPolicy: field.enum({
    doc: 'how partitions without a committed offset count: `latest` or `earliest`',
    fallback: 'latest',
    values: () => ['earliest', 'latest'] as const,
  }),
  allowIdleConsumers: field.bool({
    doc: 'allow more replicas than partitions',
    fallback: false,
  }),
  excludePersistentLag: field.bool({
    doc: 'lag of a partition whose committed offset did not move counts for activation only',
    fallback: false,
  }),
  persistentLagWindow: field.duration({
    doc: 'with `excludePersistentLag`: how long a committed offset must stand still to count as persistent (keep it above a few commit intervals; Kafka Streams commits every 30s by default)',
    fallback: 120_000,
    minMs: 1_000,
  }),
  scaleToZeroOnInvalidOffset: field.bool({
    doc: 'partitions without a committed offset count as 0 instead of 1 (latest) or their whole log (earliest)',
    fallback: false,
  }),
  limitToPartitionsWithLag: field.bool({
    doc: 'cap replicas at the number of partitions with lag',
    fallback: false,
  }),
  ensureEvenDistributionOfPartitions: field.bool({
    doc: 'round the metric to a replica count that divides the partition count',
    fallback: false,
  }),
  lagStrategy: field.enum({
    doc: 'how lag becomes a metric; see the strategies table',
    fallback: 'offset',
    values: () => STRATEGY_NAMES,
  }),
  streamThreads: field.int({
    doc: 'Kafka Streams threads per instance (`num.stream.threads`): more than ceil(tasks / streamThreads) replicas would idle',
    fallback: 1,
    min: 1,
  }),
  topology: field.custom<readonly SubTopologySpec[] | undefined>(
    {
      doc: 'the sub-topologies and their input topics, `name:topic+topic;name:topic`; derived from topic names when not given',
      fallback: undefined,
    },
    (raw) => parseTopology(raw),
  ),
  rebalanceCooldown: field.duration({
    doc: 'hold the previous recommendation while the group rebalances and this long after its members change; 0 turns it off',
    fallback: 60_000,
  }),
  stallWindow: field.duration({
    doc: 'a partition whose committed offset has not moved this long while it has lag and the group has members is stalled, unless its owning member (where the group tells it) moved another partition meanwhile: that is a busy member, and more replicas help; keep it above the commit interval',
    fallback: 120_000,
    minMs: 10_000,
  }),
  rateWindow: field.duration({
    doc: 'the window over which arrival and drain rates are measured: the figures (metrics, status page) under every strategy, and what `rate` sizes by',
    fallback: 60_000,
    minMs: 5_000,
  }),
} as const satisfies Schema;

/**
 * The whole trigger schema: the common parameters, then each strategy's own
 * (strategies/strategyParams.ts) in STRATEGY_NAMES' order. Every parameter is
 * parsed and checked whatever `lagStrategy` is; one of another strategy's has
 * no effect.
 */
export const TRIGGER_SCHEMA = composeSchema([
  ['the common parameters', COMMON_PARAMS],
  ...STRATEGY_NAMES.map((name) => [`strategy "${name}"`, STRATEGY_PARAMS[name]] as const),
]) as typeof COMMON_PARAMS & AllStrategyParams;

export type TriggerMetadata = Parsed<typeof TRIGGER_SCHEMA>;

export interface ParsedTriggerMetadata {
  readonly metadata: TriggerMetadata;
  readonly problems: readonly string[];
  readonly unknownKeys: readonly string[];
  /** Settings that are valid but have no effect, worth a log line. */
  readonly notes: readonly string[];
}

/** Parses and validates trigger metadata; never throws. */
export function parseTriggerMetadata(raw: Readonly<Record<string, string>>): ParsedTriggerMetadata {
  const tooLarge = sizeProblems(raw);
  if (tooLarge.length > 0) {
    const { values } = parseMetadata(TRIGGER_SCHEMA, {}, KEDA_KEYS);
    return { metadata: values, problems: tooLarge, unknownKeys: [], notes: [] };
  }
  const { values, problems, unknownKeys } = parseMetadata(TRIGGER_SCHEMA, raw, KEDA_KEYS);
  const given = (name: string): boolean => !!raw[name]?.trim() || !!raw[`${name}FromEnv`]?.trim();
  const notes: string[] = [];
  if (values.partitionLimitation && values.topic.length === 0) {
    notes.push('partitionLimitation is ignored without topic');
  }
  return {
    metadata: values.topic.length === 0 ? { ...values, partitionLimitation: undefined } : values,
    problems: [
      // Required unless a cluster profile names the servers; KEDA's words, in the schema's order.
      ...(values.cluster === '' && !given('bootstrapServers') ? ['missing required parameter "bootstrapServers"'] : []),
      ...problems,
      ...crossFieldProblems(values),
    ],
    unknownKeys,
    notes,
  };
}

/** Rules between parameters, as KEDA's kafka scalers enforce them. */
function crossFieldProblems(m: TriggerMetadata): string[] {
  const problems: string[] = [];

  if (m.allowIdleConsumers && m.limitToPartitionsWithLag) {
    problems.push('allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously');
  }
  if (m.limitToPartitionsWithLag && m.ensureEvenDistributionOfPartitions) {
    problems.push('limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously');
  }
  if (m.limitToPartitionsWithLag && m.topic.length === 0) {
    problems.push('topic must be specified when using limitToPartitionsWithLag');
  }
  if (m.ensureEvenDistributionOfPartitions && m.topic.length === 0) {
    problems.push('topic must be specified when using ensureEvenDistributionOfPartitions');
  }
  if (m.topology && m.topic.length > 0) {
    const inTopology = new Set(m.topology.flatMap((s) => s.inputs));
    const notInTopology = m.topic.filter((t) => !inTopology.has(t));
    const notInTopic = [...inTopology].filter((t) => !m.topic.includes(t));
    if (notInTopology.length > 0 || notInTopic.length > 0) {
      problems.push(
        `topic and topology must name the same topics (only in topic: ${notInTopology.join(', ') || 'none'}; only in topology: ${notInTopic.join(', ') || 'none'}); or leave topic out`,
      );
    }
  }
  return problems;
}

export type HistoryWindowName =
  'stallWindow' | 'persistentLagWindow' | 'rebalanceCooldown' | 'rateWindow' | 'scaleDownDelay';

/**
 * The settings that look back over the poll history, with whether `m` uses
 * them: the server checks they fit in SCALER_HISTORY, and `explain` says
 * which ones its watch did not cover.
 */
export function historyWindows(
  m: TriggerMetadata,
): Array<{ readonly parameter: HistoryWindowName; readonly ms: number; readonly used: boolean }> {
  return [
    { parameter: 'stallWindow', ms: m.stallWindow, used: true },
    { parameter: 'persistentLagWindow', ms: m.persistentLagWindow, used: m.excludePersistentLag },
    { parameter: 'rebalanceCooldown', ms: m.rebalanceCooldown, used: m.rebalanceCooldown > 0 },
    { parameter: 'rateWindow', ms: m.rateWindow, used: m.lagStrategy === 'rate' },
    { parameter: 'scaleDownDelay', ms: m.scaleDownDelay, used: m.lagStrategy === 'rate' && m.scaleDownDelay > 0 },
  ];
}
