/**
 * Durations as KEDA and Kubernetes users write them: "500ms", "30s", "5m",
 * "1h", "1m30s", or a plain number of milliseconds ("1500").
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** Parses a duration into milliseconds, or returns undefined if it is not one. */
export function parseDurationMs(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
  if (value === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(value); m; m = PART.exec(value)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = PART.lastIndex;
  }
  return consumed === value.length && Number.isSafeInteger(Math.round(total)) ? Math.round(total) : undefined;
}

/** The problem sentence for a value that is not a duration (KEDA's wording). */
export function durationProblem(name: string, value: string): string {
  return `unable to parse duration value "${shown(value)}" for "${name}": must be either a duration string (e.g. '30s', '5m') or a number of milliseconds`;
}

/**
 * A value as problem messages quote it: whole when short, else its first
 * characters and its length, so a huge value never makes a huge message.
 */
export function shown(value: string): string {
  const limit = 64;
  return value.length <= limit ? value : `${value.slice(0, limit)}…(${value.length} characters)`;
}

/** "2s", "1m30s", "250ms": the shortest readable form of a millisecond count. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes < 60) return rest ? `${minutes}m${rest}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours}h${minutes % 60}m` : `${hours}h`;
}
