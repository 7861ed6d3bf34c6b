/**
 * pino, configured once: JSON lines on stdout, a `component` per module
 * (`logger.child({ component: 'poller' })`), errors under `err`, and secrets
 * redacted wherever they might appear in a logged object.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line. */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  '*.password',
  'sasl.password',
  '*.sasl.password',
  'ssl.key',
  '*.ssl.key',
  'ssl.passphrase',
  '*.ssl.passphrase',
  'metadata.password',
  'metadata.sasl',
  'scalerMetadata.password',
  'token',
  '*.token',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'kstreams-scaler',
      level,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
