/**
 * The arguments of `kstreams-scaler explain`: trigger parameters as flags
 * (KEDA's camelCase names in kebab case, `--lag-threshold 100` for
 * `lagThreshold: "100"`), any parameter by its own name with `--set
 * key=value`, and the command's own options. The flags are generated from
 * the trigger schema and read by node's parseArgs; the own options' values
 * are checked by the same engine as everything else (schema.ts). Parsing
 * never stops at the first problem: every one is collected, so one run
 * shows them all.
 *
 * Only the shape of the command line is checked here; the values of trigger
 * parameters are checked by the scaler's own metadata parser (explainPlan.ts).
 */
import { parseArgs } from 'node:util';
import { type ConfigFiles, type LogLevel, LOG_LEVELS, MIN_POLL_INTERVAL_MS, NODE_FILES } from '../config.ts';
import { STRATEGY_NAMES } from '../model/metadata/strategyNames.ts';
import { TRIGGER_SCHEMA } from '../model/metadata/triggerMetadata.ts';
import { type Field, field, parseFields, type Schema, shownDefault } from '../schema.ts';

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

/**
 * The command's own options, declared as the trigger parameters are: the
 * help lists them and the engine checks their values. Bool options are
 * switches (no value). `exists` checks the files they name.
 */
const ownOptions = (exists: ConfigFiles['exists']) =>
  ({
    json: field.bool({ doc: 'print one JSON document instead of tables (offsets as strings)', fallback: false }),
    watch: field.duration({
      doc: 'poll this long before deciding (default: one poll for offset, 10s for time and rate)',
      fallback: 0,
    }),
    interval: field.duration({
      doc: 'time between polls (default SCALER_POLL_INTERVAL, 2s)',
      fallback: 0,
      minMs: MIN_POLL_INTERVAL_MS,
    }),
    'clusters-file': field.file({
      doc: 'Kafka cluster profiles (default SCALER_CLUSTERS_FILE); once given, the only clusters contacted',
      exists,
    }),
    'log-level': field.enum({
      doc: `log JSON lines to stderr: ${LOG_LEVELS.join(', ')} (default silent)`,
      fallback: 'silent',
      values: () => LOG_LEVELS,
    }),
    help: field.bool({ doc: 'this help', fallback: false }),
  }) as const satisfies Schema;

/** The options as help and node's parseArgs read them (their files are not checked). */
const OWN_OPTIONS = ownOptions(() => true);

/** `--set KEY=VALUE` and its synonym: any trigger parameter by its KEDA name. */
const SET_FLAGS: ReadonlySet<string> = new Set(['set', 'metadata']);

const isSwitch = (spec: Field<unknown> | undefined): boolean => spec?.kind === 'bool';

/** What node's parseArgs should read: every flag, switches as booleans, the rest as strings. */
const PARSE_OPTIONS = Object.fromEntries([
  ...[...PARAMETER_FLAGS].map(([flag, name]) => [
    flag,
    { type: isSwitch(TRIGGER_SCHEMA[name as keyof typeof TRIGGER_SCHEMA]) ? 'boolean' : 'string', multiple: true },
  ]),
  ...Object.entries(OWN_OPTIONS).map(([flag, spec]) => [
    flag,
    { type: isSwitch(spec) ? 'boolean' : 'string', multiple: true, ...(flag === 'help' ? { short: 'h' } : {}) },
  ]),
  ...[...SET_FLAGS].map((flag) => [flag, { type: 'string', multiple: true }]),
]) as Record<string, { type: 'boolean' | 'string'; multiple: true; short?: string }>;

type Token = ReturnType<typeof parseArgs>['tokens'] extends Array<infer T> | undefined ? T : never;

/**
 * The tokens of `argv`, read by node's parseArgs. It lets a flag that takes
 * a value swallow the next option (`--group --topic t`); that is a problem,
 * and reading starts again at the swallowed option.
 */
function tokensOf(argv: readonly string[], problems: string[]): Token[] {
  const tokens: Token[] = [];
  let start = 0;
  while (start < argv.length) {
    const rest = argv.slice(start);
    const parsed = parseArgs({
      args: [...rest],
      options: PARSE_OPTIONS,
      strict: false,
      allowPositionals: true,
      tokens: true,
    });
    let again = -1;
    for (const token of parsed.tokens) {
      if (token.kind === 'option' && token.inlineValue === false && token.value?.startsWith('--') === true) {
        problems.push(`option ${token.rawName} needs a value`);
        again = start + token.index + 1;
        break;
      }
      tokens.push(token);
    }
    start = again < 0 ? argv.length : again;
  }
  return tokens;
}

/** Arguments read, at most: far more than any trigger needs, few enough to read at once. */
export const MAX_ARGUMENTS = 1_000;

/** Parses the arguments after `explain`; never throws. `files` checks that the files named exist. */
export function parseExplainArgs(all: readonly string[], files: Pick<ConfigFiles, 'exists'> = NODE_FILES): ExplainArgs {
  const problems: string[] = [];
  if (all.length > MAX_ARGUMENTS) problems.push(`${all.length} arguments; at most ${MAX_ARGUMENTS} are read`);
  const argv = all.slice(0, MAX_ARGUMENTS);
  // Maps, so that no key (not even __proto__) is special.
  const metadata = new Map<string, string>();
  /** How each parameter was set, to name both sides of a conflict. */
  const setBy = new Map<string, string>();
  const own = new Map<string, string>();

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

  for (const token of tokensOf(argv, problems)) {
    if (token.kind === 'positional') {
      problems.push(`unexpected argument "${token.value}"`);
      continue;
    }
    if (token.kind === 'option-terminator') {
      problems.push('unknown option --');
      continue;
    }
    const flag = token.name;
    const parameter = PARAMETER_FLAGS.get(flag);
    const ownSpec = Object.hasOwn(OWN_OPTIONS, flag) ? OWN_OPTIONS[flag as keyof typeof OWN_OPTIONS] : undefined;
    const declared = Object.hasOwn(PARSE_OPTIONS, flag) && token.rawName.startsWith('--');
    if (!declared && !(flag === 'help' && token.rawName === '-h')) {
      const known = Object.hasOwn(TRIGGER_SCHEMA, flag) ? ` (the parameter ${flag} is --${kebabCase(flag)})` : '';
      problems.push(`unknown option ${token.rawName}${known}`);
    } else if (PARSE_OPTIONS[flag]!.type === 'string' && token.value === undefined) {
      problems.push(`option --${flag} needs a value`);
    } else if (parameter !== undefined) {
      // A boolean parameter alone means true; `--flag=false` says otherwise.
      setParameter(parameter, token.value ?? 'true', `--${flag}`);
    } else if (SET_FLAGS.has(flag)) {
      const pair = token.value!;
      const sep = pair.indexOf('=');
      if (sep <= 0) problems.push(`option --${flag} value "${pair}" must be KEY=VALUE, e.g. lagThreshold=100`);
      else setParameter(pair.slice(0, sep).trim(), pair.slice(sep + 1), `--${flag} ${pair.slice(0, sep).trim()}`);
    } else if (isSwitch(ownSpec) && token.value !== undefined) {
      problems.push(`option --${flag} takes no value`);
    } else if (own.has(flag) && !isSwitch(ownSpec)) {
      problems.push(`option --${flag} is given more than once`);
    } else if (!isSwitch(ownSpec) && token.value!.trim() === '') {
      // A blank value is absent for the engine (as in KEDA's metadata); on a command line it is a mistake.
      problems.push(`option --${flag} needs a value`);
    } else {
      own.set(flag, token.value ?? 'true');
    }
  }

  const parsed = parseFields(ownOptions(files.exists), Object.fromEntries(own), {
    label: (name) => `option --${name}`,
    name: (name) => `--${name}`,
    missing: (name) => `option --${name} is required`,
  });
  problems.push(...parsed.problems);
  const { values } = parsed;
  return {
    metadata: Object.fromEntries(metadata),
    json: values.json,
    help: values.help,
    watchMs: own.has('watch') ? values.watch : undefined,
    intervalMs: own.has('interval') ? values.interval : undefined,
    clustersFile: values['clusters-file'] === '' ? undefined : values['clusters-file'],
    logLevel: values['log-level'],
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
  file: ' PATH',
};

/** Own options whose placeholder says more than their kind. */
const OWN_PLACEHOLDERS: Readonly<Record<string, string>> = {
  json: '',
  help: '',
  'log-level': ' LEVEL',
};

/** `kstreams-scaler explain --help`. */
export function explainHelp(): string {
  const own: Array<[string, string]> = [
    ...Object.entries(OWN_OPTIONS).map(([flag, spec]): [string, string] => [
      `${flag === 'help' ? '-h, ' : ''}--${flag}${OWN_PLACEHOLDERS[flag] ?? PLACEHOLDERS[spec.kind] ?? ''}`,
      spec.doc,
    ]),
    ['--set KEY=VALUE', 'any trigger parameter by its KEDA name, e.g. --set lagThreshold=100; repeatable'],
    ['--metadata KEY=VALUE', 'the same as --set'],
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
