/**
 * A background poller for one (Kafka cluster, consumer group, topic set).
 * It is the only place that talks to Kafka: every `intervalMs` it reads a
 * Sample, keeps `historyMs` of them, and tells its subscribers. RPC handlers
 * only read its state. Each poll has a deadline so a hung broker shows up as
 * an error, not as silence; a read that outlives its deadline is not
 * abandoned but waited for, so reads of one poller never overlap.
 */
import { withDeadline } from '../deadline.ts';
import { ScalerError } from '../errors.ts';
import { toKafkaError } from '../kafka/kafkaErrors.ts';
import type { KafkaReader } from '../kafka/kafkaReader.ts';
import type { Logger } from '../logger.ts';
import { PeekCache } from './peekCache.ts';
import { readSample, type SampleTarget } from './readSample.ts';
import { partitionKey, type Sample } from './sample.ts';

export interface PollerKey extends SampleTarget {
  /** Normalised bootstrap servers (see clusterKey). */
  readonly cluster: string;
}

/** A stable identity for a poller key. */
export function pollerId(key: PollerKey): string {
  return `${key.cluster}|${key.groupId}|${key.topics ? key.topics.join(',') : '*'}`;
}

export interface PollFailure {
  readonly error: ScalerError;
  readonly at: number;
}

export interface PollerState {
  /** The newest successful poll. */
  readonly latest: Sample | undefined;
  /** Successful polls within the history window, oldest first. */
  readonly history: readonly Sample[];
  /** The last poll's failure, if the last poll failed. */
  readonly failure: PollFailure | undefined;
  /** Whether any poll has finished, successfully or not. */
  readonly polled: boolean;
}

export interface PollerOptions {
  readonly key: PollerKey;
  readonly reader: KafkaReader;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly historyMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Told of every finished poll: how long it took, and the error code if it failed (metrics). */
  readonly onPolled?: (key: PollerKey, seconds: number, errorCode?: string) => void;
}

export class Poller {
  readonly key: PollerKey;
  readonly id: string;
  /** When an RPC last asked for this poller (epoch ms). */
  lastRequestedAt: number;
  readonly #reader: KafkaReader;
  readonly #options: PollerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  #history: Sample[] = [];
  #failure: PollFailure | undefined;
  #polled = false;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** A read that outlived its poll's deadline and has not settled yet. */
  #lingering: Promise<unknown> | undefined;
  readonly #peeks = new PeekCache();
  #recordTimestamps = false;
  #firstPoll: Promise<void>;
  #firstPollDone: () => void = () => {};

  constructor(options: PollerOptions) {
    this.key = options.key;
    this.id = pollerId(options.key);
    this.#reader = options.reader;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.lastRequestedAt = this.#now();
    this.#log = options.logger.child({ component: 'poller', poller: this.id });
    this.#firstPoll = new Promise((resolve) => (this.#firstPollDone = resolve));
  }

  /** Starts polling now and then every interval. */
  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#schedule(0);
  }

  /** Stops scheduling polls; a poll in flight finishes but is not recorded. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firstPollDone();
  }

  touch(): void {
    this.lastRequestedAt = this.#now();
  }

  /** Adds what a trigger's strategy needs read (record timestamps for `time`). */
  want(needs: { readonly recordTimestamps?: boolean } | undefined): void {
    if (needs?.recordTimestamps) this.#recordTimestamps = true;
  }

  state(): PollerState {
    return {
      latest: this.#history[this.#history.length - 1],
      history: this.#history,
      failure: this.#failure,
      polled: this.#polled,
    };
  }

  get subscribers(): number {
    return this.#listeners.size;
  }

  /** Resolves once the first poll has finished or `waitMs` has passed. */
  async waitForFirstPoll(waitMs: number): Promise<void> {
    if (this.#polled) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#firstPoll, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  /** Calls `listener` after every poll; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads one sample and records the outcome. The timer calls it; tests may too. */
  async pollOnce(): Promise<void> {
    const at = this.#now();
    const startedMs = performance.now();
    const seq = this.#seq + 1;
    const timeoutMs = this.#options.timeoutMs;
    try {
      if (this.#lingering) {
        throw new ScalerError(
          'KAFKA_UNAVAILABLE',
          `kafka cluster ${this.#reader.cluster}: the previous read is still running after its ${timeoutMs}ms deadline`,
        );
      }
      const oldest = this.#history[0];
      const read = readSample(this.#reader, this.key, seq, at, {
        peeks: this.#peeks,
        timestamps: this.#recordTimestamps,
        oldestEnds: new Map(
          (oldest?.partitions ?? []).flatMap((p) =>
            p.end === undefined ? [] : [[partitionKey(p.topic, p.partition), p.end]],
          ),
        ),
      });
      const sample = await withDeadline(read, timeoutMs, () => {
        const lingering = read.then(
          () => undefined,
          () => undefined,
        );
        this.#lingering = lingering;
        void lingering.then(() => {
          if (this.#lingering === lingering) this.#lingering = undefined;
        });
        return new ScalerError(
          'KAFKA_UNAVAILABLE',
          `kafka cluster ${this.#reader.cluster}: no answer within ${timeoutMs}ms`,
        );
      });
      if (this.#stopped) return;
      this.#seq = seq;
      this.#record(sample);
      if (this.#failure) this.#log.info({ downMs: at - this.#failure.at }, 'polling recovered');
      this.#failure = undefined;
      this.#log.debug({ seq, partitions: sample.partitions.length, ms: this.#now() - at }, 'polled');
      this.#options.onPolled?.(this.key, (performance.now() - startedMs) / 1000);
    } catch (err) {
      if (this.#stopped) return;
      const error = toKafkaError(err, this.#reader.cluster);
      if (error.code === 'INTERNAL') this.#log.error({ err }, 'poll failed on an unexpected error');
      else if (!this.#failure || this.#failure.error.message !== error.message) {
        this.#log.warn({ err: error, code: error.code }, 'poll failed');
      }
      if (error.code === 'KAFKA_UNAVAILABLE') this.#reader.invalidate(this.key.groupId);
      this.#failure = { error, at };
      this.#options.onPolled?.(this.key, (performance.now() - startedMs) / 1000, error.code);
    } finally {
      if (!this.#stopped) {
        this.#polled = true;
        this.#firstPollDone();
        this.#notify();
      }
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (err) {
        this.#log.error({ err }, 'poll subscriber failed');
      }
    }
  }

  #record(sample: Sample): void {
    this.#history.push(sample);
    const oldest = sample.at - this.#options.historyMs;
    let drop = 0;
    while (drop < this.#history.length - 1 && this.#history[drop]!.at < oldest) drop++;
    if (drop > 0) this.#history = this.#history.slice(drop);
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      const started = this.#now();
      void this.pollOnce().finally(() => {
        if (!this.#stopped) this.#schedule(Math.max(0, this.#options.intervalMs - (this.#now() - started)));
      });
    }, delayMs);
  }
}
