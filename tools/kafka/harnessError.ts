/**
 * The one error type of the local Kafka harness. Its message is a single line
 * that says what went wrong and what to do, so a failing test run or demo ends
 * with one readable sentence instead of a Maven or JVM stack trace.
 */
export class HarnessError extends Error {
  override name = 'HarnessError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(`kafka harness: ${message}`, options);
  }
}

/** How the harness's processes (tools/managedProcess.ts) report failures: as HarnessErrors. */
export const harnessError = (message: string, cause?: unknown): HarnessError => new HarnessError(message, { cause });

/** Options of a JVM the harness runs (a Kafka node, a test app, a tool): `java` missing is said plainly. */
export const JAVA = { error: harnessError, needs: 'the harness needs Java 17 or newer' } as const;
