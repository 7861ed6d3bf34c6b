/**
 * What the gRPC handlers call. It turns a ScaledObjectRef into a trigger, the
 * trigger into its poller's latest snapshot, and answers the decision the
 * trigger's evaluator made on it. It never talks to Kafka itself, and never
 * runs a strategy in a request (see evaluator.ts).
 *
 * Data that is missing, failing or older than `maxStalenessMs` is an error
 * (UNAVAILABLE, or NOT_FOUND for a missing topic), never a made-up 0 that
 * would scale a workload away.
 */
import { type ClusterProfile, findProfile } from '../clusterProfiles.ts';
import type { Config } from '../config.ts';
import { formatDuration, shown } from '../duration.ts';
import { InvalidMetadataError, ScalerError } from '../errors.ts';
import type { ScaledObjectRef } from '../generated/externalscaler.ts';
import type { Decision } from '../model/decision.ts';
import type { Logger } from '../logger.ts';
import type { TriggerFigures } from '../observe/figures.ts';
import type { HistoryPoint } from '../observe/history.ts';
import type { Poller } from '../poller/poller.ts';
import type { Sample } from '../model/sample.ts';
import type { PollerRegistry } from '../poller/pollerRegistry.ts';
import { clusterTargetKey } from '../kafka/clusterTarget.ts';
import { historyWindows } from '../model/metadata/triggerMetadata.ts';
import { Evaluator, triggerId } from './evaluator.ts';
import { parseTrigger, topologyHint, type Trigger } from './trigger.ts';

export interface Evaluation {
  readonly trigger: Trigger;
  readonly decision: Decision;
  /** When the offsets behind the decision were read (epoch ms). */
  readonly sampledAt: number;
  /** What the decision measured and recommends, the same for every strategy. */
  readonly figures: TriggerFigures;
}

/** A trigger's latest decision, for operators (HTTP /api/triggers, metrics). */
export interface TriggerStatus extends Evaluation {
  /** Stable for a trigger: `namespace/name|metricName`. */
  readonly id: string;
  /** When the decision was made (epoch ms). */
  readonly evaluatedAt: number;
  /** The poll it was made from. */
  readonly sample: Sample;
  /** When an RPC or a stream last asked for the trigger (epoch ms). */
  readonly askedAt: number;
}

/** How long a trigger nobody asks about stays tracked, when the config does not say. */
const DEFAULT_IDLE_MS = 10 * 60_000;

export interface ScalerServiceOptions {
  readonly registry: PollerRegistry;
  readonly config: Pick<Config, 'maxStalenessMs' | 'firstPollWaitMs' | 'historyMs'> &
    Partial<Pick<Config, 'clusters' | 'pollerIdleTimeoutMs' | 'maxTriggers'>>;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class ScalerService {
  readonly #registry: PollerRegistry;
  readonly #config: ScalerServiceOptions['config'];
  readonly #log: Logger;
  readonly #now: () => number;
  /** ScaledObjects whose unknown keys and notes were already logged, by their metadata. */
  readonly #reported = new Set<string>();
  /** Every tracked trigger's evaluator, by trigger id. */
  readonly #evaluators = new Map<string, Evaluator>();

  constructor(options: ScalerServiceOptions) {
    this.#registry = options.registry;
    this.#config = options.config;
    this.#log = options.logger.child({ component: 'scaler' });
    this.#now = options.now ?? Date.now;
  }

  /**
   * Parses the trigger (INVALID_ARGUMENT on bad metadata) and resolves its
   * cluster profile (PERMISSION_DENIED for a cluster no profile allows),
   * without touching Kafka.
   */
  trigger(ref: ScaledObjectRef): Trigger {
    const parsed = parseTrigger(ref);
    const problems = this.#windowProblems(parsed);
    const profile = this.#profile(parsed, problems);
    if (problems.length > 0) throw new InvalidMetadataError(problems);
    const target = profile ? { brokers: profile.bootstrapServers, profile } : undefined;
    const trigger: Trigger = target
      ? { ...parsed, target, pollerKey: { ...parsed.pollerKey, cluster: clusterTargetKey(target) } }
      : parsed;
    this.#reportOnce(trigger);
    return trigger;
  }

  /**
   * The cluster profile a trigger uses. Without profiles, any address is
   * allowed (plaintext). With them, `cluster` must name one and
   * `bootstrapServers`, if given, must be among its servers; or
   * `bootstrapServers` alone must all belong to one profile.
   */
  #profile(trigger: Trigger, problems: string[]): ClusterProfile | undefined {
    const profiles = this.#config.clusters ?? [];
    const { cluster, bootstrapServers } = trigger.metadata;
    const names = profiles.map((p) => p.name);
    if (profiles.length === 0) {
      if (cluster !== '') {
        problems.push(
          `parameter "cluster" value "${shown(cluster)}" names a cluster profile, but none are configured (SCALER_CLUSTERS_FILE)`,
        );
      }
      return undefined;
    }
    if (cluster !== '' && !names.includes(cluster)) {
      problems.push(`parameter "cluster" value "${shown(cluster)}" must be one of [${names.join(' ')}]`);
      return undefined;
    }
    if (problems.length > 0) return undefined;
    const profile = findProfile(profiles, cluster, bootstrapServers);
    if (profile) return profile;
    const servers = shown(bootstrapServers.join(','));
    throw new ScalerError(
      'CLUSTER_NOT_ALLOWED',
      cluster !== ''
        ? `bootstrapServers "${servers}" are not all servers of cluster profile "${cluster}"; leave bootstrapServers out or name its servers`
        : `bootstrapServers "${servers}" belong to no configured cluster profile; this scaler connects only to the clusters of SCALER_CLUSTERS_FILE: [${names.join(' ')}] (name one with "cluster")`,
    );
  }

  /**
   * History-based settings must fit in the history pollers keep
   * (SCALER_HISTORY), also those the trigger's strategy does not use: the
   * figures read rateWindow under every strategy, and a poller keeps every
   * poll of a trigger's longest window.
   */
  #windowProblems(trigger: Trigger): string[] {
    const limit = this.#config.historyMs;
    return historyWindows(trigger.metadata)
      .filter((w) => w.ms > limit)
      .map(
        (w) =>
          `parameter "${w.parameter}" value "${formatDuration(w.ms)}" must be at most ${formatDuration(limit)} (SCALER_HISTORY)`,
      );
  }

  /**
   * The current decision for a trigger, from its evaluator's snapshot of its
   * poller's latest data. It never decides: a new trigger waits, within
   * `firstPollWaitMs` in all, for its poller's first poll and then, if the
   * poller already held samples, for its evaluator's first decision.
   */
  async evaluate(ref: ScaledObjectRef): Promise<Evaluation> {
    const trigger = this.trigger(ref);
    const poller = this.#registry.acquire(trigger.pollerKey, trigger.target, trigger.pollerNeeds);
    const evaluator = this.#evaluator(trigger, poller);
    const waitMs = this.#config.firstPollWaitMs;
    const started = performance.now();
    await poller.waitForFirstPoll(waitMs);
    if (evaluator.deciding) {
      // Data that is not usable is answered at once, not after a decision nobody will read.
      this.#usable(evaluator);
      await evaluator.firstDecision(Math.max(0, waitMs - (performance.now() - started)));
    }
    return this.#read(evaluator);
  }

  /**
   * The decision from what `poller` holds right now, made here if it is still
   * to be made; throws if that is not usable. For `explain`, which serves no
   * request: it decides after each of its own polls.
   */
  evaluateNow(trigger: Trigger, poller: Poller): Evaluation {
    const evaluator = this.#evaluator(trigger, poller);
    this.#usable(evaluator);
    evaluator.refresh();
    return this.#read(evaluator);
  }

  /**
   * The evaluator of a trigger on `poller`, created when the trigger is new
   * (or its poller was replaced); marks it as asked for.
   */
  #evaluator(trigger: Trigger, poller: Poller): Evaluator {
    const id = triggerId(trigger);
    let evaluator = this.#evaluators.get(id);
    if (evaluator && (evaluator.closed || evaluator.poller !== poller)) {
      evaluator.close();
      this.#evaluators.delete(id);
      evaluator = undefined;
    }
    if (!evaluator) {
      const limit = this.#config.maxTriggers ?? Infinity;
      if (this.#evaluators.size >= limit) this.#sweep();
      if (this.#evaluators.size >= limit) {
        throw new ScalerError(
          'LIMIT_REACHED',
          `this scaler already tracks ${this.#evaluators.size} triggers, its limit (SCALER_MAX_TRIGGERS); a trigger nobody asks about for SCALER_POLLER_IDLE_TIMEOUT frees its place`,
        );
      }
      evaluator = new Evaluator(trigger, poller, {
        now: this.#now,
        logger: this.#log,
        onClosed: (closed) => {
          if (this.#evaluators.get(closed.id) === closed) this.#evaluators.delete(closed.id);
        },
      });
      this.#evaluators.set(id, evaluator);
    }
    evaluator.lastAskedAt = this.#now();
    return evaluator;
  }

  /** Drops evaluators nobody asked for within the idle timeout and no stream follows. */
  #sweep(): void {
    const cutoff = this.#now() - (this.#config.pollerIdleTimeoutMs ?? DEFAULT_IDLE_MS);
    for (const [id, evaluator] of this.#evaluators) {
      if (evaluator.closed || (evaluator.watchers === 0 && evaluator.lastAskedAt < cutoff)) {
        evaluator.close();
        this.#evaluators.delete(id);
      }
    }
  }

  /** The evaluator's snapshot of the poller's latest data; throws if that is not usable or not decided on yet. */
  #read(evaluator: Evaluator): Evaluation {
    const { trigger } = evaluator;
    this.#usable(evaluator);
    // Decided after the poll, or on the turn after a trigger joined a poller holding samples: never here.
    const snapshot = evaluator.current();
    if (!snapshot) {
      throw new ScalerError(
        'FIRST_POLL_PENDING',
        evaluator.closed
          ? `the poller of ${describe(trigger)} stopped before the first decision on its offsets`
          : `first decision on the offsets of ${describe(trigger)} still running after ${formatDuration(this.#config.firstPollWaitMs)}`,
      );
    }
    return { trigger, decision: snapshot.decision, sampledAt: snapshot.sample.at, figures: snapshot.figures };
  }

  /** Throws if the poller's latest data is missing, failed or stale. */
  #usable(evaluator: Evaluator): void {
    const { trigger, poller } = evaluator;
    const now = this.#now();
    const { latest, failure, polled } = poller.state();
    const what = describe(trigger);
    if (failure && (!latest || failure.at >= latest.at)) {
      const last = latest ? `last good data ${formatDuration(now - latest.at)} old` : 'no good data yet';
      throw new ScalerError(
        failure.error.code,
        `${failure.error.message}${topologyHint(trigger, failure.error)} (${last})`,
        {
          cause: failure.error,
        },
      );
    }
    if (!latest) {
      throw new ScalerError(
        'FIRST_POLL_PENDING',
        polled
          ? `no offsets read yet for ${what}`
          : `first read of ${what} still running after ${formatDuration(this.#config.firstPollWaitMs)}`,
      );
    }
    const age = now - latest.at;
    if (age > this.#config.maxStalenessMs) {
      throw new ScalerError(
        'SNAPSHOT_STALE',
        `offsets of ${what} are ${formatDuration(age)} old, over the ${formatDuration(this.#config.maxStalenessMs)} limit (SCALER_MAX_STALENESS)`,
      );
    }
  }

  /** A trigger's figures over the last hour, oldest first (empty for a trigger never decided). */
  history(id: string): readonly HistoryPoint[] {
    return this.#evaluators.get(id)?.history() ?? [];
  }

  /** Every tracked trigger's latest decision, most recently asked for first. */
  statuses(): TriggerStatus[] {
    this.#sweep();
    const statuses: TriggerStatus[] = [];
    for (const evaluator of this.#evaluators.values()) {
      const snapshot = evaluator.snapshot();
      if (!snapshot) continue;
      statuses.push({
        id: evaluator.id,
        trigger: evaluator.trigger,
        decision: snapshot.decision,
        figures: snapshot.figures,
        sampledAt: snapshot.sample.at,
        sample: snapshot.sample,
        evaluatedAt: snapshot.evaluatedAt,
        askedAt: evaluator.lastAskedAt,
      });
    }
    return statuses.sort((a, b) => b.askedAt - a.askedAt);
  }

  /**
   * Follows a trigger for StreamIsActive: `onActive` gets the activity now (as
   * soon as there is usable data) and then only when it changes. The poller
   * stays alive while the watch is open. Returns the function that ends it.
   */
  watchActive(ref: ScaledObjectRef, onActive: (active: boolean) => void): () => void {
    const trigger = this.trigger(ref);
    const poller = this.#registry.acquire(trigger.pollerKey, trigger.target, trigger.pollerNeeds);
    const evaluator = this.#evaluator(trigger, poller);
    let last: boolean | undefined;
    const check = (): void => {
      poller.touch();
      evaluator.lastAskedAt = this.#now();
      let active: boolean;
      try {
        active = this.#read(evaluator).decision.active;
      } catch {
        // No usable data: say nothing; GetMetrics/IsActive report the error.
        return;
      }
      if (active !== last) {
        last = active;
        onActive(active);
      }
    };
    // The poller's subscription keeps it alive while the stream is open; the
    // evaluator's tells of each decision (and keeps the trigger tracked).
    const release = poller.subscribe(() => {});
    const unsubscribe = evaluator.subscribe(check);
    // A first decision still to be made tells the watch when it is (the evaluator's listeners hear of it).
    if (poller.state().polled) check();
    return () => {
      unsubscribe();
      release();
    };
  }

  #reportOnce(trigger: Trigger): void {
    if (trigger.unknownKeys.length === 0 && trigger.notes.length === 0) return;
    const key = `${trigger.scaledObject}|${trigger.metricName}`;
    if (this.#reported.has(key)) return;
    if (this.#reported.size > 10_000) this.#reported.clear();
    this.#reported.add(key);
    this.#log.warn(
      { scaledObject: trigger.scaledObject, unknownKeys: trigger.unknownKeys, notes: trigger.notes },
      'trigger metadata has keys this scaler does not read, or settings without effect',
    );
  }
}

/** What a trigger's poller reads, for error messages. */
function describe(trigger: Trigger): string {
  return `consumer group "${trigger.pollerKey.groupId}" on kafka cluster ${trigger.pollerKey.cluster}`;
}
