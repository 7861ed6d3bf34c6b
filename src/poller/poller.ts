/**
 * The poller of one (Kafka cluster, consumer group, topic set): its samples
 * over `historyMs`, its last failure, and its subscribers. Its cluster's
 * ClusterPoller reads every poller of the cluster in one cycle and hands
 * each its result (`cycleItem`, `complete`); `pollOnce` reads this one alone
 * (tests, explain). RPC handlers only read its state.
 */
import { settledWithin } from '../deadline.ts';
import type { ScalerError } from '../errors.ts';
import type { KafkaReader } from '../kafka/kafkaReader.ts';
import type { Logger } from '../logger.ts';
import { type Sample, sampleBefore } from '../model/sample.ts';
import { PeekCache } from './peekCache.ts';
import { ColumnChunks } from '../model/partitionColumns.ts';
import { PolledSample } from './polledSample.ts';
import { CycleRunner } from './cycleRunner.ts';
import type { CycleItem, CycleResult, SampleTarget } from './readSample.ts';

/**
 * A group without members whose commits moved within this long is consuming
 * without joining the group (it commits at least this often), not scaled to
 * zero (readSample: SampleContext.committedBefore).
 */
const COMMITS_MOVED_WITHIN_MS = 60_000;

export interface PollerKey extends SampleTarget {
  /** Normalised bootstrap servers (see clusterKey). */
  readonly cluster: string;
}

/** A stable identity for a poller key. */
export function pollerId(key: PollerKey): string {
  return `${key.cluster}|${key.groupId}|${key.topics ? key.topics.join(',') : '*'}`;
}

/**
 * What a trigger needs its poller to read and keep: record timestamps
 * (`time`), and how far back it reads every poll. Polls older than that are
 * thinned to one per THIN_STEP_MS; without `everyPollWithinMs` (a trigger
 * that reads the whole history, as `rate` learns from it) every poll is kept.
 */
export interface PollerNeeds {
  readonly recordTimestamps?: boolean;
  readonly everyPollWithinMs?: number;
}

/** Beyond what its triggers read every poll of, a history keeps a poll about this often. */
export const THIN_STEP_MS = 30_000;

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
  readonly #options: PollerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  readonly #observers = new Set<() => void>();
  #history: PolledSample[] = [];
  readonly #chunks = new ColumnChunks();
  #failure: PollFailure | undefined;
  #polled = false;
  #seq = 0;
  #stopped = false;
  readonly #runner: CycleRunner;
  readonly #peeks = new PeekCache();
  #recordTimestamps = false;
  /** How far back every poll is kept; undefined: the whole history (until a trigger says otherwise, and once one reads it all). */
  #everyPollWithinMs: number | undefined;
  #wholeHistory = false;
  #firstPoll: Promise<void>;
  #firstPollDone: () => void = () => {};

  constructor(options: PollerOptions) {
    this.key = options.key;
    this.id = pollerId(options.key);
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.lastRequestedAt = this.#now();
    this.#log = options.logger.child({ component: 'poller', poller: this.id });
    this.#firstPoll = new Promise((resolve) => (this.#firstPollDone = resolve));
    this.#runner = new CycleRunner(options.reader, options.timeoutMs);
  }

  /** Stops: a cycle in flight finishes but its result is not recorded. */
  stop(): void {
    this.#stopped = true;
    this.#firstPollDone();
    // Observers learn of the stop (they check `stopped`); subscribers only of polls.
    this.#call(this.#observers);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  touch(): void {
    this.lastRequestedAt = this.#now();
  }

  /** Adds what a trigger needs read and kept (see PollerNeeds); what one trigger needs stays. */
  want(needs: PollerNeeds | undefined): void {
    if (needs?.recordTimestamps) this.#recordTimestamps = true;
    const within = needs?.everyPollWithinMs;
    if (within === undefined) this.#wholeHistory = true;
    else this.#everyPollWithinMs = Math.max(this.#everyPollWithinMs ?? 0, within);
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
    if (!this.#polled) await settledWithin(this.#firstPoll, waitMs);
  }

  /**
   * Calls `listener` after every poll; returns the unsubscribe function. A
   * subscriber keeps the poller alive (an open StreamIsActive).
   */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Calls `observer` after every poll, before the subscribers, and once when
   * the poller stops; returns the function that ends it. An observer (a
   * trigger's evaluator) does not keep the poller alive.
   */
  observe(observer: () => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /**
   * The sample whose committed offsets tell whether the group consumes: the
   * newest one at least COMMITS_MOVED_WITHIN_MS older than the latest, or the
   * oldest there is.
   */
  #committedSince(): PolledSample | undefined {
    const last = this.#history.length - 1;
    if (last < 0) return undefined;
    return this.#history[sampleBefore(this.#history, last, COMMITS_MOVED_WITHIN_MS) ?? 0];
  }

  /** This poller's part of the next cycle. */
  cycleItem(): CycleItem {
    const oldest = this.#history[0];
    const latest = this.#history[this.#history.length - 1];
    return {
      target: this.key,
      seq: this.#seq + 1,
      context: {
        peeks: this.#peeks,
        timestamps: this.#recordTimestamps,
        oldestEnds: offsetsOf(oldest, 'end'),
        latestEnds: offsetsOf(latest, 'end'),
        // Only read for a group without members: no map per cycle for the others.
        ...(latest?.group.members === 0
          ? { committedBefore: offsetsOf(this.#committedSince(), 'committed'), reportedInputs: this.#lastReported() }
          : {}),
      },
    };
  }

  /** The input topics the application last reported, while its group has had no members since. */
  #lastReported(): readonly string[] | undefined {
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const group = this.#history[i]!.group;
      if (group.reported) return group.reported.flatMap((s) => s.inputs);
      if (group.members > 0) return undefined;
    }
    return undefined;
  }

  /** Reads this poller alone and records the outcome (tests, explain). */
  async pollOnce(): Promise<void> {
    const at = this.#now();
    const startedMs = performance.now();
    const [result] = await this.#runner.run([this.cycleItem()], at);
    this.complete(result!, at, (performance.now() - startedMs) / 1000);
  }

  /** Records a cycle's outcome for this poller (started at `at`, `seconds` long) and tells the subscribers. */
  complete(result: CycleResult, at: number, seconds: number): void {
    if (this.#stopped) return;
    if (result.ok) {
      const previous = this.#history[this.#history.length - 1];
      const sample = new PolledSample(result.sample, previous, this.#chunks);
      // The history keeps columns; only the newest sample keeps its rows.
      previous?.compact();
      this.#seq = sample.seq;
      this.#record(sample);
      if (this.#failure) this.#log.info({ downMs: at - this.#failure.at }, 'polling recovered');
      this.#failure = undefined;
      this.#log.debug({ seq: sample.seq, partitions: sample.partitions.length, ms: this.#now() - at }, 'polled');
      this.#options.onPolled?.(this.key, seconds);
    } else {
      const error = result.error;
      if (error.code === 'INTERNAL')
        this.#log.error({ err: error.cause ?? error }, 'poll failed on an unexpected error');
      else if (!this.#failure || this.#failure.error.message !== error.message) {
        this.#log.warn({ err: error, code: error.code }, 'poll failed');
      }
      this.#failure = { error, at };
      this.#options.onPolled?.(this.key, seconds, error.code);
    }
    this.#polled = true;
    this.#firstPollDone();
    this.#notify();
  }

  #notify(): void {
    this.#call(this.#observers);
    this.#call(this.#listeners);
  }

  #call(listeners: ReadonlySet<() => void>): void {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (err) {
        this.#log.error({ err }, 'poll subscriber failed');
      }
    }
  }

  #record(sample: PolledSample): void {
    this.#history.push(sample);
    const oldest = sample.at - this.#options.historyMs;
    let drop = 0;
    while (drop < this.#history.length - 1 && this.#history[drop]!.at < oldest) drop++;
    if (drop > 0) this.#history = this.#history.slice(drop);
    this.#thin(sample.at);
  }

  /**
   * Polls older than what the triggers read every poll of (plus a step, so a
   * window's start is always a kept poll) keep one per THIN_STEP_MS; the
   * oldest poll stays. A new array when any goes, as readers may hold the old.
   */
  #thin(now: number): void {
    if (this.#wholeHistory || this.#everyPollWithinMs === undefined) return;
    const boundary = now - this.#everyPollWithinMs - THIN_STEP_MS;
    const history = this.#history;
    let keptAt = -Infinity;
    let kept: PolledSample[] | undefined;
    for (let i = 0; i < history.length; i++) {
      const sample = history[i]!;
      const thinned = sample.at < boundary && i > 0 && sample.at - keptAt < THIN_STEP_MS;
      if (thinned) kept ??= history.slice(0, i);
      else {
        kept?.push(sample);
        keptAt = sample.at;
      }
      if (sample.at >= boundary && !kept) return;
    }
    if (kept) this.#history = kept;
  }
}

/** A sample's end or committed offsets by partition key (empty without a sample; none where the broker gave none). */
function offsetsOf(sample: PolledSample | undefined, which: 'end' | 'committed'): Map<string, bigint> {
  const offsets = new Map<string, bigint>();
  const columns = sample?.columns;
  for (let i = 0; i < (columns?.size ?? 0); i++) {
    const offset = which === 'end' ? columns!.endAt(i) : columns!.committedAt(i);
    if (offset !== undefined) offsets.set(columns!.layout.keys[i]!, offset);
  }
  return offsets;
}
