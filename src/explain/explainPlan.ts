/**
 * From parsed arguments to what the explain command will read: the scaler's
 * configuration (the same SCALER_ variables the server reads, so the same
 * cluster profiles and allowlist), and the trigger, validated and resolved to
 * its cluster profile by the scaler's own ScalerService. Nothing here talks
 * to Kafka. Every problem, of the arguments, the configuration or the
 * metadata, is listed at once.
 */
import { type Config, ConfigError, type ConfigFiles, loadConfig, NODE_FILES } from '../config.ts';
import { formatDuration } from '../duration.ts';
import { InvalidMetadataError, ScalerError } from '../errors.ts';
import type { ScaledObjectRef } from '../generated/externalscaler.ts';
import type { Logger } from '../logger.ts';
import { type ManagedReader, PollerRegistry } from '../poller/pollerRegistry.ts';
import type { ClusterTarget } from '../kafka/clusterTarget.ts';
import { ScalerService } from '../scaler/scalerService.ts';
import { parseTrigger, type Trigger } from '../scaler/trigger.ts';
import type { ExplainArgs } from './explainArgs.ts';

/**
 * The default watch for strategies that read rates or ages from the poll
 * history (`time`, `rate`); `offset` decides from one poll.
 */
export const HISTORY_WATCH_MS = 10_000;

/** How the explain command names itself in the ScaledObjectRef it builds. */
export const EXPLAIN_REF = { namespace: 'kstreams-scaler', name: 'explain' } as const;

export interface ExplainPlan {
  readonly args: ExplainArgs;
  readonly config: Config;
  readonly trigger: Trigger;
  readonly watchMs: number;
  readonly intervalMs: number;
  /** Polls only when told to (the command's own loop); readers are made on first use. */
  readonly registry: PollerRegistry;
  readonly scaler: ScalerService;
}

export interface PlanDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly files?: ConfigFiles;
  readonly logger: Logger;
  readonly createReader: (target: ClusterTarget, config: Config) => ManagedReader;
  readonly now?: () => number;
}

export type PlanOutcome = { readonly plan: ExplainPlan } | { readonly problems: readonly string[] };

export function planExplain(args: ExplainArgs, deps: PlanDeps): PlanOutcome {
  const problems = [...args.problems];
  const env = { ...deps.env };
  const files = deps.files ?? NODE_FILES;
  // parseExplainArgs checked that it exists.
  if (args.clustersFile !== undefined) env['SCALER_CLUSTERS_FILE'] = args.clustersFile;
  let config: Config | undefined;
  try {
    config = loadConfig(env, files);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }

  const ref: ScaledObjectRef = { ...EXPLAIN_REF, scalerMetadata: { ...args.metadata } };
  if (!config) {
    // Without a configuration there are no profiles to resolve against: the metadata alone.
    try {
      parseTrigger(ref);
    } catch (err) {
      if (!(err instanceof InvalidMetadataError)) throw err;
      problems.push(...err.problems);
    }
    return { problems };
  }

  const resolved = config;
  const registry = new PollerRegistry({
    config: resolved,
    createReader: (target) => deps.createReader(target, resolved),
    logger: deps.logger,
    polling: 'manual',
    ...(deps.now ? { now: deps.now } : {}),
  });
  const scaler = new ScalerService({
    registry,
    config: resolved,
    logger: deps.logger,
    ...(deps.now ? { now: deps.now } : {}),
  });
  let trigger: Trigger | undefined;
  try {
    trigger = scaler.trigger(ref);
  } catch (err) {
    if (err instanceof InvalidMetadataError) problems.push(...err.problems);
    else if (err instanceof ScalerError) problems.push(err.message);
    else throw err;
  }

  const watchMs = args.watchMs ?? (trigger?.metadata.lagStrategy === 'offset' ? 0 : HISTORY_WATCH_MS);
  if (watchMs > config.historyMs) {
    problems.push(
      `option --watch value "${formatDuration(watchMs)}" must be at most ${formatDuration(config.historyMs)} (SCALER_HISTORY)`,
    );
  }
  if (!trigger || problems.length > 0) return { problems };
  return {
    plan: {
      args,
      config,
      trigger,
      watchMs,
      intervalMs: args.intervalMs ?? config.pollIntervalMs,
      registry,
      scaler,
    },
  };
}
