/**
 * Runs a planned explain: the scaler's own poller reads the group (the first
 * poll at once, then one every interval for the watch), the scaler's own
 * ScalerService decides after every poll exactly as it does for KEDA (so a
 * strategy gets its previous decision), and the last decision is explained.
 *
 * A poll that fails ends the run with its ScalerError (the caller prints it
 * and exits 1): the command never shows a made-up value.
 */
import { ScalerError } from '../errors.ts';
import type { Evaluation } from '../scaler/scalerService.ts';
import { topologyHint } from '../scaler/trigger.ts';
import { clusterSummary, type Explanation, shortWindows } from './explanation.ts';
import type { ExplainPlan } from './explainPlan.ts';

export interface RunOptions {
  readonly now?: () => number;
  /** Waits `ms`, or less if `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Aborting ends the watch early: the decision is made from the polls so far. */
  readonly signal?: AbortSignal;
}

function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function runExplain(plan: ExplainPlan, options: RunOptions = {}): Promise<Explanation> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepFor;
  const signal = options.signal ?? new AbortController().signal;
  const { trigger, registry, scaler, watchMs, intervalMs } = plan;
  try {
    const poller = registry.acquire(trigger.pollerKey, trigger.target, trigger.pollerNeeds);
    const pollAndDecide = async (): Promise<Evaluation> => {
      await poller.pollOnce();
      // The poll's own error (evaluateNow would add how old the last good data is: none here).
      const failure = poller.state().failure;
      if (failure) {
        const hint = topologyHint(trigger, failure.error);
        throw hint
          ? new ScalerError(failure.error.code, failure.error.message + hint, { cause: failure.error })
          : failure.error;
      }
      return scaler.evaluateNow(trigger, poller);
    };
    const started = now();
    let evaluation = await pollAndDecide();
    for (let n = 1; n * intervalMs <= watchMs && !signal.aborted; n++) {
      const due = started + n * intervalMs;
      if (now() < due) await sleep(due - now(), signal);
      if (signal.aborted) break;
      evaluation = await pollAndDecide();
    }
    const { history, latest } = poller.state();
    const first = history[0]!;
    const spanMs = latest!.at - first.at;
    const { decision } = evaluation;
    return {
      consumerGroup: trigger.pollerKey.groupId,
      topics: trigger.pollerKey.topics,
      cluster: clusterSummary(trigger),
      strategy: trigger.strategy.name,
      strategySummary: trigger.strategy.summary,
      metricName: trigger.metricName,
      sampledAt: evaluation.sampledAt,
      history: {
        polls: history.length,
        spanMs,
        watchMs,
        intervalMs,
        // Cut short: a poll was still due within the watch.
        interrupted: signal.aborted && history.length * intervalMs <= watchMs,
        shortWindows: shortWindows(trigger.metadata, spanMs, latest!.group.members),
      },
      group: latest!.group,
      decision,
      figures: evaluation.figures,
      notes: [
        ...(trigger.pollerKey.topics === undefined && latest!.partitions.length === 0
          ? [
              'the group has committed no offsets, so no topic counts: check the group name (for Kafka Streams, the application.id), or name the topics with --topic',
            ]
          : []),
        ...(trigger.unknownKeys.length > 0
          ? [`keys this scaler does not read: ${trigger.unknownKeys.join(', ')}`]
          : []),
        ...trigger.notes,
      ],
    };
  } finally {
    await registry.close();
  }
}
