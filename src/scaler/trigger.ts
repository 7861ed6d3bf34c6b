/**
 * A ScaledObject trigger as the scaler serves it: its validated metadata, the
 * poller that feeds it, its metric name and its strategy. Parsing is pure and
 * cached by the raw metadata, since KEDA sends the same map on every call.
 */
import { InvalidMetadataError, type ScalerError } from '../errors.ts';
import type { ScaledObjectRef } from '../generated/externalscaler.ts';
import { MAX_HOLD_COOLDOWNS } from '../lag/rebalanceHold.ts';
import { strategyByName } from '../lag/registry.ts';
import type { LagStrategy } from '../lag/strategy.ts';
import { type ClusterTarget, clusterTargetKey } from '../kafka/clusterTarget.ts';
import type { PollerKey, PollerNeeds } from '../poller/poller.ts';
import { shown } from '../duration.ts';
import { sizeProblems } from '../schema.ts';
import {
  historyWindows,
  KEDA_KEYS,
  parseTriggerMetadata,
  type TriggerMetadata,
} from '../model/metadata/triggerMetadata.ts';
import { metadataHash, metricName } from './metricName.ts';
import { CACHE_BYTES, ParseCache } from './parseCache.ts';

export interface Trigger {
  /** `namespace/name` of the ScaledObject. */
  readonly scaledObject: string;
  readonly metadata: TriggerMetadata;
  /** The cluster to read: as the metadata names it, until the scaler resolves its profile. */
  readonly target: ClusterTarget;
  readonly pollerKey: PollerKey;
  readonly metricName: string;
  readonly strategy: LagStrategy;
  /** What its poller must read and keep for it. */
  readonly pollerNeeds: PollerNeeds;
  readonly unknownKeys: readonly string[];
  readonly notes: readonly string[];
}

type Parsed = Omit<Trigger, 'scaledObject'> | InvalidMetadataError;

/** Parsed metadata, by the metadata itself, bounded by bytes (see ParseCache). */
const cache = new ParseCache<Parsed>(CACHE_BYTES);

/** Kubernetes' limits: a namespace is a DNS label, an object name a DNS subdomain. */
const NAME_LIMITS = { namespace: 63, name: 253 } as const;

/** Parses a ScaledObjectRef; throws InvalidMetadataError listing every problem. */
export function parseTrigger(ref: ScaledObjectRef): Trigger {
  const names = nameProblems(ref);
  const tooLarge = sizeProblems(ref.scalerMetadata);
  // An oversized map is refused before it is copied, hashed or kept.
  if (names.length > 0 || tooLarge.length > 0) throw new InvalidMetadataError([...names, ...tooLarge]);
  const raw = ref.scalerMetadata;
  const cacheKey = JSON.stringify(Object.entries(raw).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  let parsed = cache.get(cacheKey);
  if (!parsed) {
    parsed = build(raw);
    cache.set(cacheKey, parsed, parsedBytes(cacheKey));
  }
  if (parsed instanceof InvalidMetadataError) throw parsed;
  return { ...parsed, scaledObject: `${ref.namespace}/${ref.name}` };
}

function nameProblems(ref: ScaledObjectRef): string[] {
  return (['namespace', 'name'] as const)
    .filter((field) => ref[field].length > NAME_LIMITS[field])
    .map(
      (field) =>
        `ScaledObject ${field} "${shown(ref[field])}" is ${ref[field].length} characters long; Kubernetes allows at most ${NAME_LIMITS[field]}`,
    );
}

/**
 * What one cached entry keeps, estimated: its key (UTF-16) and the parsed
 * trigger, which holds the values once more plus a fixed overhead.
 */
function parsedBytes(cacheKey: string): number {
  return cacheKey.length * 4 + 2_048;
}

function build(raw: Readonly<Record<string, string>>): Omit<Trigger, 'scaledObject'> | InvalidMetadataError {
  const { metadata, problems, unknownKeys, notes } = parseTriggerMetadata(raw);
  if (problems.length > 0) return new InvalidMetadataError(problems);
  // A given topology names the topics to read when `topic` does not.
  const named = metadata.topic.length > 0 ? metadata.topic : (metadata.topology?.flatMap((s) => s.inputs) ?? []);
  const topics = [...new Set(named)].sort();
  return {
    metadata,
    target: { brokers: metadata.bootstrapServers },
    pollerKey: {
      cluster: clusterTargetKey({ brokers: metadata.bootstrapServers }),
      groupId: metadata.consumerGroup,
      topics: topics.length > 0 ? topics : undefined,
    },
    metricName: metricName({
      strategy: metadata.lagStrategy,
      groupId: metadata.consumerGroup,
      topics,
      hash: metadataHash(raw, KEDA_KEYS),
    }),
    strategy: strategyByName(metadata.lagStrategy),
    pollerNeeds: pollerNeeds(metadata),
    unknownKeys,
    notes,
  };
}

/**
 * What a trigger's poller must read and keep: its strategy's needs, and how
 * far back it reads every poll, unless its strategy reads the whole history:
 * its longest window (the figures' rateWindow included), from as far back as
 * a rebalance hold may take its decision (MAX_HOLD_COOLDOWNS cooldowns), so
 * every decision sees the polls it would see in a whole history.
 */
function pollerNeeds(m: TriggerMetadata): PollerNeeds {
  const needs = strategyByName(m.lagStrategy).needs;
  const timestamps = needs?.recordTimestamps ? { recordTimestamps: true } : {};
  if (needs?.wholeHistory) return timestamps;
  const windows = historyWindows(m)
    .filter((w) => w.used)
    .map((w) => w.ms);
  return {
    ...timestamps,
    everyPollWithinMs: Math.max(m.rateWindow, ...windows) + MAX_HOLD_COOLDOWNS * m.rebalanceCooldown,
  };
}

/**
 * For a missing topic the `topology` parameter names: the usual mistake, a
 * name as Topology#describe() prints it, which Kafka Streams prefixes with
 * the application id for the real topic.
 */
export function topologyHint(trigger: Trigger, error: ScalerError): string {
  const m = trigger.metadata;
  if (error.code !== 'TOPIC_NOT_FOUND' || !m.topology || m.topic.length > 0) return '';
  return `; the topology parameter names it: give each topic's real name, e.g. "${m.consumerGroup}-<name>-repartition" for an internal topic that Topology#describe() prints as "<name>-repartition"`;
}
