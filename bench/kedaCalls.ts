/**
 * Calling a scaler process as KEDA does, for the benchmarks: registering
 * triggers (GetMetricSpec, then GetMetrics until it answers) and the
 * operator's and the HPA's pace afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ref, ScalerClient } from '../tools/keda/scalerClient.ts';

const KEDA_POLLING_MS = 30_000;
const HPA_SYNC_MS = 15_000;

/** Runs `work` over `items`, at most `width` at once. */
export async function pool<T>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

export type Ref = ReturnType<typeof ref>;

/** GetMetricSpec, then GetMetrics until it answers, for every trigger. Returns each trigger's metric name. */
export async function register(
  client: ScalerClient,
  refs: readonly Ref[],
  timeoutMs: number,
): Promise<{ names: string[]; firstErrors: Map<string, number> }> {
  const names: string[] = new Array<string>(refs.length);
  const firstErrors = new Map<string, number>();
  const note = (err: unknown): void => {
    const why = String((err as { details?: string }).details ?? err).slice(0, 90);
    firstErrors.set(why, (firstErrors.get(why) ?? 0) + 1);
  };
  const deadline = Date.now() + timeoutMs;
  await pool(refs, 32, async (r, i) => {
    for (;;) {
      try {
        names[i] ??= (await client.getMetricSpec(r)).metricSpecs[0]!.metricName;
        await client.getMetrics(r, names[i]);
        return;
      } catch (err) {
        note(err);
        if (Date.now() > deadline)
          throw new Error(`trigger ${r.name} not answered within ${timeoutMs / 1000} s`, { cause: err });
        await sleep(1_000);
      }
    }
  });
  return { names, firstErrors };
}

/** KEDA's pace: GetMetrics + IsActive every 30 s and GetMetrics every 15 s per trigger, spread out. */
export async function kedaLoop(
  client: ScalerClient,
  refs: readonly Ref[],
  names: readonly string[],
  signal: AbortSignal,
): Promise<{ calls: number; errors: number; reasons: Map<string, number> }> {
  let calls = 0;
  let errors = 0;
  const reasons = new Map<string, number>();
  const call = (p: Promise<unknown>): void => {
    calls++;
    p.catch((err: unknown) => {
      errors++;
      const why = String((err as { details?: string }).details ?? err).slice(0, 90);
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    });
  };
  const started = Date.now();
  const nextPoll = refs.map((_, i) => started + (i * KEDA_POLLING_MS) / refs.length);
  const nextHpa = refs.map((_, i) => started + (i * HPA_SYNC_MS) / refs.length);
  while (!signal.aborted) {
    const now = Date.now();
    for (const [i, r] of refs.entries()) {
      if (now >= nextPoll[i]!) {
        nextPoll[i]! += KEDA_POLLING_MS;
        call(client.getMetrics(r, names[i]!));
        call(client.isActive(r));
      }
      if (now >= nextHpa[i]!) {
        nextHpa[i]! += HPA_SYNC_MS;
        call(client.getMetrics(r, names[i]!));
      }
    }
    await sleep(100);
  }
  return { calls, errors, reasons };
}
