/**
 * The kstreams-scaler command line, for operators: `node dist/cli.js
 * <command>` in the image, `npx kstreams-scaler <command>` in a checkout
 * (bin/kstreams-scaler.js). One command so far, `explain`.
 *
 * The first Ctrl-C ends a watch early and explains what was read so far; a
 * second one exits at once (130).
 */
import { explainCommand, EXIT_OK, EXIT_USAGE } from './explain/explainCommand.ts';
import { variablesHelp } from './config.ts';
import { dropTimeoutNegativeWarning } from './kafka/timeoutWarning.ts';

const USAGE = `usage: kstreams-scaler <command> [options]

commands:
  explain   read a consumer group as the scaler does and show its decision, and why

kstreams-scaler <command> --help shows a command's options.
`;

const HELP = `${USAGE}
The server (node dist/main.js) and explain read these environment variables:

${variablesHelp()}
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'explain') {
    const interrupt = new AbortController();
    const onInterrupt = (): void => {
      interrupt.abort();
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onInterrupt);
    try {
      return await explainCommand(rest, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        env: process.env,
        run: { signal: interrupt.signal },
      });
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  process.stderr.write(command === undefined ? USAGE : `kstreams-scaler: unknown command "${command}"\n${USAGE}`);
  return EXIT_USAGE;
}

dropTimeoutNegativeWarning();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Output is written; a Kafka connection still closing must not hold the exit up for long.
    setTimeout(() => process.exit(), 2_000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`kstreams-scaler: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
