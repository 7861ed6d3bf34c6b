/**
 * Owns every poller and every Kafka reader. A poller exists while some
 * ScaledObject asks for it (an RPC within `idleTimeoutMs`, or an open
 * StreamIsActive); a reader exists while some poller of its cluster does.
 */
import type { Config } from '../config.ts';
import { ScalerError } from '../errors.ts';
import type { ClusterTarget } from '../kafka/clusterTarget.ts';
import type { KafkaReader } from '../kafka/kafkaReader.ts';
import type { Logger } from '../logger.ts';
import { ClusterPoller } from './clusterPoller.ts';
import { Poller, pollerId, type PollerKey, type PollerNeeds, type PollerOptions } from './poller.ts';

export interface ManagedReader extends KafkaReader {
  close(): Promise<void>;
}

export interface PollerRegistryOptions {
  readonly config: Pick<Config, 'pollIntervalMs' | 'kafkaTimeoutMs' | 'historyMs' | 'pollerIdleTimeoutMs'> &
    Partial<Pick<Config, 'maxPollers' | 'maxClusters'>>;
  /** Creates the reader for a cluster. */
  readonly createReader: (target: ClusterTarget) => ManagedReader;
  readonly logger: Logger;
  readonly now?: () => number;
  /**
   * `timer` (default): pollers poll on their own every interval. `manual`:
   * they poll only when `pollAll()` or `pollOnce()` is called, for a clock
   * that is not the wall clock (the simulator, unit tests).
   */
  readonly polling?: 'timer' | 'manual';
  /** Told of every finished poll (metrics). */
  readonly onPolled?: PollerOptions['onPolled'];
  /** Told when a cluster's last poller has gone and its reader is closed (metrics drop its series). */
  readonly onClusterClosed?: (cluster: string) => void;
}

export class PollerRegistry {
  readonly #options: PollerRegistryOptions;
  readonly #pollers = new Map<string, Poller>();
  readonly #readers = new Map<string, ManagedReader>();
  /** One cycle for every poller of a cluster, by cluster key. */
  readonly #clusters = new Map<string, ClusterPoller>();
  readonly #log: Logger;
  readonly #now: () => number;
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: PollerRegistryOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'pollers' });
    this.#now = options.now ?? Date.now;
  }

  /** Starts the idle sweep. */
  start(): void {
    const every = Math.max(1_000, Math.min(60_000, Math.round(this.#options.config.pollerIdleTimeoutMs / 4)));
    this.#sweeper = setInterval(() => void this.sweep(), every);
    this.#sweeper.unref();
  }

  /** The poller for `key`, created and started on first use; marks it as asked for. */
  acquire(key: PollerKey, target: ClusterTarget, needs?: PollerNeeds): Poller {
    if (this.#closed) throw new ScalerError('SHUTTING_DOWN', 'the scaler is shutting down');
    const id = pollerId(key);
    let poller = this.#pollers.get(id);
    if (!poller) {
      const { maxPollers = Infinity, maxClusters = Infinity } = this.#options.config;
      if (this.#pollers.size >= maxPollers) {
        throw new ScalerError(
          'LIMIT_REACHED',
          `this scaler already polls ${this.#pollers.size} consumer groups, its limit (SCALER_MAX_POLLERS); a group nobody asks about for SCALER_POLLER_IDLE_TIMEOUT frees its place`,
        );
      }
      let reader = this.#readers.get(key.cluster);
      if (!reader) {
        if (this.#readers.size >= maxClusters) {
          throw new ScalerError(
            'LIMIT_REACHED',
            `this scaler already reads ${this.#readers.size} Kafka clusters, its limit (SCALER_MAX_CLUSTERS); kafka cluster ${key.cluster} is not read`,
          );
        }
        reader = this.#options.createReader(target);
        this.#readers.set(key.cluster, reader);
      }
      const { config } = this.#options;
      poller = new Poller({
        key,
        reader,
        timeoutMs: config.kafkaTimeoutMs,
        historyMs: config.historyMs,
        logger: this.#options.logger,
        now: this.#now,
        ...(this.#options.onPolled ? { onPolled: this.#options.onPolled } : {}),
      });
      this.#pollers.set(id, poller);
      this.#clusterPoller(key.cluster, reader).add(poller);
      this.#log.info({ poller: id }, 'poller started');
    }
    poller.want(needs);
    poller.touch();
    return poller;
  }

  /** One cycle of every cluster, in turn (for `manual` polling). */
  async pollAll(): Promise<void> {
    for (const cluster of [...this.#clusters.values()]) await cluster.pollOnce();
  }

  #clusterPoller(cluster: string, reader: ManagedReader): ClusterPoller {
    let poller = this.#clusters.get(cluster);
    if (!poller) {
      const { config } = this.#options;
      poller = new ClusterPoller({
        reader,
        intervalMs: config.pollIntervalMs,
        timeoutMs: config.kafkaTimeoutMs,
        now: this.#now,
      });
      this.#clusters.set(cluster, poller);
      if (this.#options.polling !== 'manual') poller.start();
    }
    return poller;
  }

  /** Every live poller (for status and metrics). */
  pollers(): Poller[] {
    return [...this.#pollers.values()];
  }

  /** Stops pollers nobody asked for within the idle timeout, and readers left without pollers. */
  async sweep(): Promise<void> {
    const cutoff = this.#now() - this.#options.config.pollerIdleTimeoutMs;
    for (const [id, poller] of this.#pollers) {
      if (poller.subscribers === 0 && poller.lastRequestedAt < cutoff) {
        poller.stop();
        this.#pollers.delete(id);
        this.#clusters.get(poller.key.cluster)?.remove(poller);
        this.#log.info({ poller: id }, 'poller stopped after idle timeout');
      }
    }
    // Take unused readers out of the map before awaiting anything, so an
    // acquire() that runs while they close gets a fresh reader, never a closing one.
    const used = new Set([...this.#pollers.values()].map((p) => p.key.cluster));
    const unused = [...this.#readers].filter(([cluster]) => !used.has(cluster));
    for (const [cluster] of unused) {
      this.#readers.delete(cluster);
      this.#clusters.get(cluster)?.stop();
      this.#clusters.delete(cluster);
    }
    await Promise.all(unused.map(([, reader]) => reader.close()));
    for (const [cluster] of unused) {
      if (!this.#readers.has(cluster)) this.#options.onClusterClosed?.(cluster);
    }
  }

  /** Stops every poller and closes every reader. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const poller of this.#pollers.values()) poller.stop();
    this.#pollers.clear();
    for (const cluster of this.#clusters.values()) cluster.stop();
    this.#clusters.clear();
    const readers = [...this.#readers.values()];
    this.#readers.clear();
    await Promise.all(readers.map((r) => r.close()));
  }
}
