/**
 * Bounded waiting for integration tests: retry a check until it passes or a
 * deadline expires, then fail with the last observation. No fixed sleeps.
 */

/** Polls `probe` every `everyMs` until `accept` holds for its value; returns that value. */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  options: { timeoutMs: number; everyMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: T | Error | undefined;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
    }
    if (Date.now() >= deadline) {
      const seen =
        last instanceof Error
          ? `${last.name}: ${last.message}`
          : JSON.stringify(last, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      throw new Error(`${options.what}: not reached within ${options.timeoutMs}ms; last seen: ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 100));
  }
}
