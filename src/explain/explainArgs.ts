/**
 * The arguments of `kstreams-scaler explain`: trigger parameters as flags
 * (KEDA's camelCase names in kebab case, `--lag-threshold 100` for
 * `lagThreshold: "100"`), any parameter by its own name with `--set
 * key=value`, and the command's own options. Parsing never stops at the
 * first problem: every one is collected, so one run shows them all.
 *
 * Only the shape of the command line is checked here; the values of trigger
 * parameters are checked by the scaler's own metadata parser (explainPlan.ts).
 */
import { type LogLevel, LOG_LEVELS } from '../config.ts';
import { durationProblem, formatDuration, parseDurationMs } from '../duration.ts';
import { STRATEGY_NAMES } from '../model/metadata/strategyNames.ts';
import type { Field } from '../schema.ts';
import { TRIGGER_SCHEMA } from '../model/metadata/triggerMetadata.ts';

export interface ExplainArgs {
  /** Trigger metadata by KEDA's parameter names, as strings, exactly as a ScaledObject would give it. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly json: boolean;
  readonly help: boolean;
  /** How long to poll before deciding; undefined: the strategy's default. */
  readonly watchMs: number | undefined;
  /** Time between polls; undefined: SCALER_POLL_INTERVAL. */
  readonly intervalMs: number | undefined;
  /** Cluster profiles file; undefined: SCALER_CLUSTERS_FILE. */
  readonly clustersFile: string | undefined;
  /** Logs go to stderr at this level. */
  readonly logLevel: LogLevel;
  readonly problems: readonly string[];
}

/** The shortest interval between polls, as for SCALER_POLL_INTERVAL. */
export const MIN_INTERVAL_MS = 100;

export const EXPLAIN_USAGE =
  'usage: kstreams-scaler explain (--bootstrap-servers HOST:PORT[,HOST:PORT] | --cluster NAME) --group GROUP [--topic TOPIC[,TOPIC]] [--strategy NAME] [--watch DURATION] [--json] [--set KEY=VALUE]...';

/** `lagThreshold` → `lag-threshold`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Flag name (without `--`) → trigger parameter. */
const PARAMETER_FLAGS: ReadonlyMap<string, string> = new Map([
  ...Object.keys(TRIGGER_SCHEMA).map((name) => [kebabCase(name), name] as const),
  ['group', 'consumerGroup'],
  ['strategy', 'lagStrategy'],
]);

type OwnOption = 'json' | 'help' | 'watch' | 'interval' | 'clusters-file' | 'log-level';
const SWITCHES: ReadonlySet<string> = new Set<OwnOption>(['json', 'help']);
const VALUED: ReadonlySet<string> = new Set<OwnOption>(['watch', 'interval', 'clusters-file', 'log-level']);
const SET_FLAGS: ReadonlySet<string> = new Set(['set', 'metadata']);

function isBoolParameter(name: string): boolean {
  return (TRIGGER_SCHEMA as Readonly<Record<string, Field<unknown>>>)[name]?.kind === 'bool';
}

/** Parses the arguments after `explain`; never throws. */
export function parseExplainArgs(argv: readonly string[]): ExplainArgs {
  const problems: string[] = [];
  // A Map, so that no key (not even __proto__) is special.
  const metadata = new Map<string, string>();
  /** How each parameter was set, to name both sides of a conflict. */
  const setBy = new Map<string, string>();
  const own = new Map<string, string | true>();

  const setParameter = (name: string, value: string, how: string): void => {
    const earlier = setBy.get(name);
    if (earlier !== undefined) {
      problems.push(
        earlier === how
          ? `parameter "${name}" is set twice by ${how}`
          : `parameter "${name}" is set twice: by ${earlier} and by ${how}`,
      );
      return;
    }
    setBy.set(name, how);
    metadata.set(name, value);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      own.set('help', true);
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      problems.push(arg.startsWith('-') ? `unknown option ${arg}` : `unexpected argument "${arg}"`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    /** The flag's value: after `=`, or the next argument unless that is an option. */
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        problems.push(`option --${flag} needs a value`);
        return undefined;
      }
      i++;
      return next;
    };

    const parameter = PARAMETER_FLAGS.get(flag);
    if (parameter !== undefined) {
      // A boolean parameter alone means true; `--flag=false` says otherwise.
      const raw = isBoolParameter(parameter) && inline === undefined ? 'true' : value();
      if (raw !== undefined) setParameter(parameter, raw, `--${flag}`);
    } else if (SET_FLAGS.has(flag)) {
      const pair = value();
      if (pair === undefined) continue;
      const sep = pair.indexOf('=');
      if (sep <= 0) problems.push(`option --${flag} value "${pair}" must be KEY=VALUE, e.g. lagThreshold=100`);
      else setParameter(pair.slice(0, sep).trim(), pair.slice(sep + 1), `--${flag} ${pair.slice(0, sep).trim()}`);
    } else if (SWITCHES.has(flag)) {
      if (inline !== undefined) problems.push(`option --${flag} takes no value`);
      else own.set(flag, true);
    } else if (VALUED.has(flag)) {
      const raw = value();
      if (raw === undefined) continue;
      if (own.has(flag)) problems.push(`option --${flag} is given more than once`);
      else own.set(flag, raw);
    } else {
      const known = Object.hasOwn(TRIGGER_SCHEMA, flag) ? ` (the parameter ${flag} is --${kebabCase(flag)})` : '';
      problems.push(`unknown option --${flag}${known}`);
    }
  }

  const text = (name: OwnOption): string | undefined => {
    const v = own.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const duration = (name: OwnOption, minMs: number): number | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    const ms = parseDurationMs(raw);
    if (ms === undefined) problems.push(durationProblem(`--${name}`, raw));
    else if (ms < minMs) problems.push(`option --${name} value "${raw}" must be at least ${formatDuration(minMs)}`);
    return ms;
  };
  const watchMs = duration('watch', 0);
  const intervalMs = duration('interval', MIN_INTERVAL_MS);
  const level = text('log-level') ?? 'silent';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    problems.push(`option --log-level value "${level}" must be one of [${LOG_LEVELS.join(' ')}]`);
  }
  const clustersFile = text('clusters-file');
  return {
    metadata: Object.fromEntries(metadata),
    json: own.has('json'),
    help: own.has('help'),
    watchMs,
    intervalMs,
    clustersFile: clustersFile?.trim() === '' ? undefined : clustersFile,
    logLevel: (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : 'silent',
    problems,
  };
}

/** What the help writes after a parameter's flag, by the kind of its field. */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  bool: '[=false]',
  int: ' N',
  number: ' NUMBER',
  duration: ' DURATION',
  list: ' A[,B]',
};

/** A parameter's default as the help shows it, if it has one worth showing. */
function shownDefault(spec: Field<unknown>): string | undefined {
  const value = spec.fallback;
  if (spec.kind === 'duration' && typeof value === 'number') return formatDuration(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `kstreams-scaler explain --help`. */
export function explainHelp(): string {
  const own: Array<[string, string]> = [
    ['--json', 'print one JSON document instead of tables (offsets as strings)'],
    ['--watch DURATION', 'poll this long before deciding (default: one poll for offset, 10s for time and rate)'],
    ['--interval DURATION', 'time between polls (default SCALER_POLL_INTERVAL, 2s)'],
    [
      '--clusters-file PATH',
      'Kafka cluster profiles (default SCALER_CLUSTERS_FILE); once given, the only clusters contacted',
    ],
    ['--set KEY=VALUE', 'any trigger parameter by its KEDA name, e.g. --set lagThreshold=100; repeatable'],
    ['--metadata KEY=VALUE', 'the same as --set'],
    ['--log-level LEVEL', `log JSON lines to stderr: ${LOG_LEVELS.join(', ')} (default silent)`],
    ['-h, --help', 'this help'],
  ];
  const schema = TRIGGER_SCHEMA as Readonly<Record<string, Field<unknown>>>;
  const parameters: Array<[string, string]> = Object.entries(schema).map(([name, spec]) => {
    const shown = shownDefault(spec);
    const placeholder = PLACEHOLDERS[spec.kind] ?? ' VALUE';
    return [`--${kebabCase(name)}${placeholder}`, `${spec.doc}${shown === undefined ? '' : ` (default ${shown})`}`];
  });
  // A flag too long for the column gets its description on the next line.
  const width = 26;
  const rows = (list: Array<[string, string]>): string =>
    list
      .map(([flag, doc]) =>
        flag.length + 2 <= width ? `  ${flag.padEnd(width)}${doc}` : `  ${flag}\n  ${' '.repeat(width)}${doc}`,
      )
      .join('\n');
  return [
    EXPLAIN_USAGE,
    '',
    "Reads a consumer group's offsets the way the scaler does, runs the lag strategy on them and prints the",
    'partitions, the topology as the scaler sees it and the decision with its explanation. Nothing is written to',
    'Kafka. Exit status: 0 explained, 1 Kafka could not be read, 2 bad arguments or configuration (a topic or partition they name that does not exist included).',
    '',
    'options:',
    rows(own),
    '',
    `trigger parameters (--group is --consumer-group, --strategy is --lag-strategy: ${STRATEGY_NAMES.join(', ')}):`,
    rows(parameters),
    '',
    'The SCALER_ variables of the server apply too: SCALER_CLUSTERS_FILE (cluster profiles, an allowlist once set),',
    'SCALER_KAFKA_TIMEOUT (per poll), SCALER_HISTORY (the longest window), SCALER_POLL_INTERVAL.',
    '',
  ].join('\n');
}
