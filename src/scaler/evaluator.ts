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
 */
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
   * Decides on the poller's newest sample if no decision was made on it yet:
   * after a poll, and once for a trigger that joins a poller already holding
   * samples. Throws what the decision on that sample threw.
   */
  refresh(): Snapshot | undefined {
    if (this.#closed) return this.#snapshot;
    const { latest, history } = this.poller.state();
    if (!latest || this.#snapshot?.sample === latest) return this.#snapshot;
    if (this.#failed?.sample === latest) throw this.#failed.error;
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
    const figures = triggerFigures(decision, history, latest);
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
    try {
      this.refresh();
    } catch (err) {
      this.#log.error({ err, scaledObject: this.trigger.scaledObject }, 'decision failed');
    }
    for (const listener of [...this.#listeners]) listener();
  }
}

/** A trigger's identity across RPCs: its ScaledObject and metric name. */
export function triggerId(trigger: Pick<Trigger, 'scaledObject' | 'metricName'>): string {
  return `${trigger.scaledObject}|${trigger.metricName}`;
}
