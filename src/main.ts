/**
 * kstreams-scaler: the process. Reads the configuration (exits 1 listing
 * every bad variable before anything listens), starts the app, and on
 * SIGTERM/SIGINT shuts down in order and exits 0 within
 * SCALER_SHUTDOWN_TIMEOUT.
 */
import { startApp } from './app.ts';
import { ConfigError, loadConfig, variablesHelp } from './config.ts';
import { createLogger } from './logger.ts';

const HELP = `usage: node dist/main.js (the kstreams-scaler server; \`kstreams-scaler --help\` for the command line)

It takes no arguments (any other than --help exit 2): it is configured by these environment variables, read
strictly at start (a bad or unknown SCALER_ variable is named and the process exits 1 before anything listens).
Durations are written like 500ms, 30s, 5m, 1m30s, or as milliseconds.

${variablesHelp()}
`;

async function main(argv: readonly string[]): Promise<void> {
  if (argv.length > 0) {
    const help = argv.length === 1 && ['--help', '-h', 'help'].includes(argv[0]!);
    (help ? process.stdout : process.stderr).write(help ? HELP : `unexpected arguments: ${argv.join(' ')}\n${HELP}`);
    process.exitCode = help ? 0 : 2;
    return;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const log = createLogger('error');
    log.fatal({ problems: err.problems }, err.message);
    process.exitCode = 1;
    return;
  }
  const logger = createLogger(config.logLevel);
  logger.info(
    {
      grpcPort: config.grpcPort,
      httpPort: config.httpPort,
      pollInterval: config.pollIntervalMs,
      maxStaleness: config.maxStalenessMs,
    },
    'starting kstreams-scaler',
  );
  const app = await startApp({ config, logger });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  createLogger('error').fatal({ err }, 'kstreams-scaler failed to start');
  process.exit(1);
});
