/**
 * `kstreams-scaler explain`: arguments → plan → polls → the decision,
 * explained as text or JSON on stdout. Problems go to stderr: bad arguments,
 * configuration or metadata are listed all at once with the usage line (exit
 * 2); Kafka that cannot be read is one line naming the cluster and the reason
 * (exit 1), never a made-up value.
 */
import type { Config, ConfigFiles } from '../config.ts';
import { ScalerError } from '../errors.ts';
import { clusterReader } from '../kafka/clusterReader.ts';
import { createLogger } from '../logger.ts';
import type { ManagedReader } from '../poller/pollerRegistry.ts';
import type { ClusterTarget } from '../kafka/clusterTarget.ts';
import { EXPLAIN_USAGE, explainHelp, parseExplainArgs } from './explainArgs.ts';
import { planExplain } from './explainPlan.ts';
import { renderJson, renderText } from './renderExplanation.ts';
import { type RunOptions, runExplain } from './runExplain.ts';

export const EXIT_OK = 0;
/** Kafka could not be read (or an unexpected failure). */
export const EXIT_FAILED = 1;
/** Bad arguments, configuration or trigger metadata, or a topic or partition they name that does not exist. */
export const EXIT_USAGE = 2;

const NAME = 'kstreams-scaler explain';

/** Errors that say the arguments name what is not there (a topic, a partition): exit 2, as bad arguments. */
const CONFIGURATION_ERRORS: ReadonlySet<string> = new Set(['TOPIC_NOT_FOUND', 'PARTITION_NOT_FOUND']);

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly files?: ConfigFiles;
  /** How Kafka readers are made; default: the scaler's own (clusterReader). */
  readonly createReader?: (target: ClusterTarget, config: Config) => ManagedReader;
  readonly run?: RunOptions;
}

/** Runs the command; resolves with the exit status. */
export async function explainCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseExplainArgs(argv, io.files);
  if (args.help) {
    io.stdout(explainHelp());
    return EXIT_OK;
  }
  const logger = createLogger(args.logLevel, { write: (line: string) => io.stderr(line) });
  const outcome = planExplain(args, {
    env: io.env,
    ...(io.files ? { files: io.files } : {}),
    logger,
    createReader: io.createReader ?? ((target, config) => clusterReader(target, { ...config, logger })),
    ...(io.run?.now ? { now: io.run.now } : {}),
  });
  if ('problems' in outcome) {
    io.stderr(usageError(outcome.problems));
    return EXIT_USAGE;
  }
  try {
    const explanation = await runExplain(outcome.plan, io.run);
    io.stdout(args.json ? renderJson(explanation) : renderText(explanation));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ScalerError && CONFIGURATION_ERRORS.has(err.code)) {
      // Kafka was read: what the command was asked for is not there.
      io.stderr(`${NAME}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ScalerError && err.code !== 'INTERNAL') {
      io.stderr(`${NAME}: ${err.message}\n`);
    } else {
      logger.error({ err }, 'explain failed on an unexpected error');
      io.stderr(`${NAME}: internal error: ${(err as Error).message} (--log-level debug shows more)\n`);
    }
    return EXIT_FAILED;
  }
}

/** Every problem, one per line, then the usage line. */
export function usageError(problems: readonly string[]): string {
  return [
    `${NAME}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:`,
    ...problems.map((p) => `  - ${p}`),
    EXPLAIN_USAGE,
    `(${NAME} --help lists every option)`,
    '',
  ].join('\n');
}
