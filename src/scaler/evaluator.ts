/**
 * One trigger's decisions, made after each poll rather than in an RPC. The
 * evaluator listens to its trigger's poller; when a poll brings a new
 * sample it runs the trigger's strategy on the poll history with the
 * trigger's own state (its previous decision, and the memo of per-sample
 * figures) and publishes an immutable snapshot. GetMetrics, IsActive,
 * StreamIsActive, the metrics, the status page and `explain` read snapshots.
 *
 * Its state lives as long as the trigger is tracked (the evaluator exists),
 * so what a strategy learned does not depend on which RPCs a scaler replica
 * happened to serve.
 *
 * A trigger that joins a poller already holding samples gets its first
 * decision on the next turn of the event loop, never inside the request that
 * created it: requests wait for that one decision (`firstDecision`).
 */
import { settledWithin } from '../deadline.ts';
import type { Decision } from '../model/decision.ts';
import { SampleMemo } from '../lag/sampleMemo.ts';
import type { Logger } from '../logger.ts';
import { type TriggerFigures, triggerFigures } from '../observe/figures.ts';
import { FigureHistory, type HistoryPoint } from '../observe/history.ts';
import type { Poller } from '../poller/poller.ts';
import type { Sample } from '../model/sample.ts';
import type { Trigger } from './trigger.ts';

/** A trigger's decision on one poll. */
export interface Snapshot {
  readonly decision: Decision;
  /** What the decision measured and recommends, the same for every strategy. */
  readonly figures: TriggerFigures;
  /** The poll it was made from. */
  readonly sample: Sample;
  /** When the decision was made (epoch ms). */
  readonly evaluatedAt: number;
}

export interface EvaluatorOptions {
  readonly now: () => number;
  readonly logger: Logger;
  /** Told when the poller stopped and the evaluator closed with it. */
  readonly onClosed?: (evaluator: Evaluator) => void;
}

export class Evaluator {
  /** `namespace/name|metricName`: the metric name carries the metadata's hash. */
  readonly id: string;
  readonly trigger: Trigger;
  readonly poller: Poller;
  /** When an RPC or a stream last asked for this trigger (epoch ms). */
  lastAskedAt: number;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #onClosed: ((evaluator: Evaluator) => void) | undefined;
  readonly #memo = new SampleMemo();
  /** An hour of figures for the status page, about one point per 10 s (decisions come every poll). */
  readonly #figures = new FigureHistory(3_600_000, 720, 10_000);
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe: () => void;
  #snapshot: Snapshot | undefined;
  /** The sample a decision failed on, and why (the next poll tries again). */
  #failed: { readonly sample: Sample; readonly error: unknown } | undefined;
  /** The first decision while it is still to be made, which every request for the trigger waits for. */
  #first: { readonly done: Promise<void>; readonly settle: () => void; readonly turn: NodeJS.Immediate } | undefined;
  #closed = false;

  constructor(trigger: Trigger, poller: Poller, options: EvaluatorOptions) {
    this.id = triggerId(trigger);
    this.trigger = trigger;
    this.poller = poller;
    this.#now = options.now;
    this.#log = options.logger;
    this.#onClosed = options.onClosed;
    this.lastAskedAt = this.#now();
    this.#unsubscribe = poller.observe(() => this.#onPoll());
    // With samples there already, the first decision is made on the next turn; without, after the next poll.
    if (!poller.stopped && poller.state().latest) {
      let settle: () => void = () => {};
      const done = new Promise<void>((resolve) => (settle = resolve));
      this.#first = { done, settle, turn: setImmediate(() => this.#decideFirst()) };
    }
  }

  /** The latest decision, if there has been one. */
  snapshot(): Snapshot | undefined {
    return this.#snapshot;
  }

  /** The trigger's figures over the last hour, oldest first. */
  history(): readonly HistoryPoint[] {
    return this.#figures.points(this.#now());
  }

  /** Calls `listener` after every poll, once the decision on it is made. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get watchers(): number {
    return this.#listeners.size;
  }

  /**
   * The decision on the poller's newest sample, without making one: undefined
   * while it is still to be made (see `deciding`). Throws what the decision on
   * that sample threw.
   */
  current(): Snapshot | undefined {
    const { latest } = this.poller.state();
    if (!latest) return undefined;
    if (this.#snapshot?.sample === latest) return this.#snapshot;
    if (this.#failed?.sample === latest) throw this.#failed.error;
    return undefined;
  }

  /** Whether the first decision, on samples the poller held when the trigger joined it, is still to be made. */
  get deciding(): boolean {
    return this.#first !== undefined;
  }

  /**
   * Resolves once the first decision is made or has failed (at once if it
   * was, or if none is pending), when the evaluator closes, or after
   * `waitMs`, whichever comes first. Every caller waits for the same one
   * decision; none makes it.
   */
  async firstDecision(waitMs: number): Promise<void> {
    // At least a millisecond: a timer then never fires before the scheduled turn, even with a wait of 0.
    if (this.#first) await settledWithin(this.#first.done, Math.max(1, waitMs));
  }

  /**
   * Decides on the poller's newest sample if no decision was made on it yet:
   * after each poll, on the turn after a trigger joined a poller already
   * holding samples, and in `explain` (no request). Throws what the decision
   * on that sample threw.
   */
  refresh(): Snapshot | undefined {
    if (this.#closed) return this.#snapshot;
    const { latest, history } = this.poller.state();
    if (!latest) return this.#snapshot;
    // Whatever the poller held when the trigger joined it is decided on now (or failed); waiters resume after this turn.
    this.#settleFirst();
    const made = this.current();
    if (made) return made;
    try {
      return this.#decide(latest, history);
    } catch (error) {
      this.#failed = { sample: latest, error };
      throw error;
    }
  }

  #decide(latest: Sample, history: readonly Sample[]): Snapshot {
    const now = this.#now();
    const previous = this.#snapshot?.decision;
    const decision = this.trigger.strategy.decide({
      metadata: this.trigger.metadata,
      latest,
      history,
      now,
      memo: this.#memo,
      ...(previous ? { previous } : {}),
    });
    const figures = triggerFigures(decision, history, latest, this.trigger.metadata, this.#memo);
    const snapshot: Snapshot = { decision, figures, sample: latest, evaluatedAt: now };
    this.#snapshot = snapshot;
    this.#failed = undefined;
    this.#figures.add({ t: now, ...figures });
    this.#log.debug(
      {
        scaledObject: this.trigger.scaledObject,
        metric: this.trigger.metricName,
        value: decision.metricValue,
        target: decision.target,
        active: decision.active,
        why: decision.explanation,
      },
      'decision',
    );
    return snapshot;
  }

  /** Stops listening to the poller; the last snapshot stays readable. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    this.#listeners.clear();
    // Requests waiting for a first decision answer now, without one.
    this.#settleFirst();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onPoll(): void {
    if (this.poller.stopped) {
      if (!this.#closed) {
        this.close();
        this.#onClosed?.(this);
      }
      return;
    }
    this.#update();
  }

  /** The turn after the trigger joined a poller holding samples: unless a poll came first, the first decision. */
  #decideFirst(): void {
    if (this.#first) this.#update();
  }

  /** Decides on the newest sample, then tells the listeners. */
  #update(): void {
    try {
      this.refresh();
    } catch (err) {
      this.#log.error({ err, scaledObject: this.trigger.scaledObject }, 'decision failed');
    }
    for (const listener of [...this.#listeners]) listener();
  }

  #settleFirst(): void {
    const first = this.#first;
    if (!first) return;
    this.#first = undefined;
    clearImmediate(first.turn);
    first.settle();
  }
}

/** A trigger's identity across RPCs: its ScaledObject and metric name. */
export function triggerId(trigger: Pick<Trigger, 'scaledObject' | 'metricName'>): string {
  return `${trigger.scaledObject}|${trigger.metricName}`;
}
