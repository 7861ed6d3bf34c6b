/**
 * Runs the scaler in-process for integration tests: real gRPC and HTTP on
 * ephemeral loopback ports, real Kafka, quick polling, logs captured as data.
 */
import { Writable } from 'node:stream';
import { type AppOptions, type RunningApp, startApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';

export interface TestApp extends RunningApp {
  readonly config: Config;
  /** Every log line written so far, parsed. */
  readonly logs: Array<Record<string, unknown>>;
}

/** Captures pino output as parsed objects (LOG_TESTS=1 also prints it). */
export function captureLogger(level: Config['logLevel'] = 'debug'): {
  logger: Logger;
  logs: Array<Record<string, unknown>>;
} {
  const logs: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        logs.push(JSON.parse(line) as Record<string, unknown>);
        if (process.env['LOG_TESTS']) process.stdout.write(`    ${line}\n`);
      }
      callback();
    },
  });
  return { logger: createLogger(level, stream), logs };
}

export async function startTestApp(
  env: Record<string, string> = {},
  extra: Pick<AppOptions, 'createReader'> = {},
): Promise<TestApp> {
  const config = loadConfig({
    SCALER_HOST: '127.0.0.1',
    SCALER_GRPC_PORT: '0',
    SCALER_HTTP_PORT: '0',
    SCALER_POLL_INTERVAL: '250ms',
    SCALER_MAX_STALENESS: '5s',
    SCALER_KAFKA_TIMEOUT: '2s',
    SCALER_SHUTDOWN_TIMEOUT: '5s',
    ...env,
  });
  const { logger, logs } = captureLogger();
  const app = await startApp({ config, logger, ...extra });
  return Object.assign(app, { config, logs });
}
