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
