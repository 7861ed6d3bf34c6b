/**
 * The scaler's configuration: environment variables with the SCALER_ prefix,
 * parsed strictly once at start. Every bad variable is reported at once and the
 * process exits non-zero before anything listens. An unknown SCALER_ variable
 * is an error too (a typo would otherwise be silently ignored).
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { type ClusterProfile, parseClusterProfiles } from './clusterProfiles.ts';
import { shown } from './duration.ts';
import { cappedProblems, type Field, field, listedNames, parseFields, type Schema, shownDefault } from './schema.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  /** Address the gRPC and HTTP servers bind to. */
  readonly host: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** How often each poller reads committed and end offsets. */
  readonly pollIntervalMs: number;
  /** Older snapshots are not served: GetMetrics/IsActive answer UNAVAILABLE. */
  readonly maxStalenessMs: number;
  /** Upper bound for one poll's Kafka requests. */
  readonly kafkaTimeoutMs: number;
  /** A poller nobody asked for in this long is stopped and forgotten. */
  readonly pollerIdleTimeoutMs: number;
  /** How much poll history each poller keeps for history-based rules. */
  readonly historyMs: number;
  /** How long the first request for a new trigger may wait for its first poll. */
  readonly firstPollWaitMs: number;
  /** Pollers (consumer group + topics on one cluster) alive at once, at most; more are RESOURCE_EXHAUSTED. */
  readonly maxPollers: number;
  readonly maxTriggers: number;
  /** Open StreamIsActive and StreamMetricSpec calls, at most; more are RESOURCE_EXHAUSTED. */
  readonly maxStreams: number;
  /** Kafka clusters read at once, at most; more are RESOURCE_EXHAUSTED. */
  readonly maxClusters: number;
  /** SIGTERM to exit, at most. */
  readonly shutdownTimeoutMs: number;
  readonly logLevel: LogLevel;
  /** Kafka clusters this scaler may connect to (SCALER_CLUSTERS_FILE); empty: any, in plaintext. */
  readonly clusters: readonly ClusterProfile[];
  /** TLS for the gRPC server; mutual TLS when a client CA is given. */
  readonly grpcTls?: GrpcTlsFiles;
}

export interface GrpcTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Clients must present a certificate signed by this CA. */
  readonly clientCaFile?: string;
}

/** How the configuration reads files (tests pass their own). */
export interface ConfigFiles {
  readonly exists: (path: string) => boolean;
  readonly read: (path: string) => string;
}

/** A regular file this process may read: not a folder, not one it lacks permission for. */
function readableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export const NODE_FILES: ConfigFiles = {
  exists: readableFile,
  read: (path) => readFileSync(path, 'utf8'),
};

/** Defaults that fit the shipped Deployment's memory limit (see the sizing docs). */
export const DEFAULT_MAX_POLLERS = 250;
export const DEFAULT_MAX_TRIGGERS = 1_000;
/** A StreamIsActive and a StreamMetricSpec for every trigger (KEDA opens both for external-push). */
export const DEFAULT_MAX_STREAMS = 2 * DEFAULT_MAX_TRIGGERS;
export const DEFAULT_MAX_CLUSTERS = 50;
/** The shortest SCALER_POLL_INTERVAL (and explain --interval): shorter would poll Kafka in a busy loop. */
export const MIN_POLL_INTERVAL_MS = 100;

/** A port number; leading zeros are allowed, as they always were. */
const port = (doc: string, fallback: number): Field<number> =>
  field.custom<number>({ doc, fallback }, (text) =>
    /^\d{1,5}$/.test(text) && Number(text) <= 65_535
      ? { value: Number(text) }
      : { problem: 'must be a port number from 0 to 65535' },
  );
const count = (doc: string, fallback: number): Field<number> => field.int({ doc, fallback, min: 1, max: 9_999_999 });
const duration = (doc: string, fallbackMs: number, minMs?: number): Field<number> =>
  field.duration({ doc, fallback: fallbackMs, ...(minMs === undefined ? {} : { minMs }) });
/** A file path; '' when unset. `secret`: never quoted (a key's PEM may be written in its place). */
const file = (doc: string, files: ConfigFiles, secret = false): Field<string> =>
  field.file({ doc, exists: files.exists, secret });

/**
 * Every variable the scaler reads, with its default and meaning: validation,
 * `kstreams-scaler --help` and the configuration docs' table all come from
 * this one list. `files` checks that the files named exist.
 */
function variableSchema(files: ConfigFiles) {
  return {
    SCALER_HOST: field.custom<string>(
      { doc: 'address the gRPC and HTTP servers bind to', fallback: '0.0.0.0' },
      (host) =>
        /^[A-Za-z0-9.:[\]-]+$/.test(host) ? { value: host } : { problem: 'must be a host name or IP address' },
    ),
    SCALER_GRPC_PORT: port('gRPC port (ExternalScaler, health, reflection)', 9090),
    SCALER_HTTP_PORT: port(
      'HTTP port (status page `/`, `/healthz`, `/readyz`, `/metrics`, `/api/triggers`, `/api/history`)',
      8080,
    ),
    SCALER_POLL_INTERVAL: duration('how often each poller reads offsets', 2_000, MIN_POLL_INTERVAL_MS),
    SCALER_MAX_STALENESS: duration('older data gives `UNAVAILABLE` instead of a value', 30_000),
    SCALER_KAFKA_TIMEOUT: duration("upper bound for one poll's Kafka requests", 10_000),
    SCALER_POLLER_IDLE_TIMEOUT: duration('a poller nobody asked for in this long is stopped', 600_000),
    SCALER_HISTORY: duration('poll history kept per poller (bounds history-based settings)', 900_000),
    SCALER_FIRST_POLL_WAIT: duration(
      'how long the first request for a new trigger waits for data and its first decision',
      2_000,
    ),
    SCALER_MAX_POLLERS: count(
      'consumer groups (with their topics, on one cluster) polled at once, at most; a new one beyond it answers `RESOURCE_EXHAUSTED` until an idle one is stopped (see Sizing)',
      DEFAULT_MAX_POLLERS,
    ),
    SCALER_MAX_TRIGGERS: count(
      'triggers (a ScaledObject with its metadata) tracked at once, at most, each with its decisions and what its strategy learned; a new one beyond it answers `RESOURCE_EXHAUSTED` until one nobody asks about for `SCALER_POLLER_IDLE_TIMEOUT` is dropped',
      DEFAULT_MAX_TRIGGERS,
    ),
    SCALER_MAX_STREAMS: count(
      'open `StreamIsActive` and `StreamMetricSpec` calls at once, at most (KEDA holds one of each per `external-push` trigger); a new one beyond it answers `RESOURCE_EXHAUSTED` until one closes',
      DEFAULT_MAX_STREAMS,
    ),
    SCALER_MAX_CLUSTERS: count(
      'Kafka clusters read at once, at most; a new one beyond it answers `RESOURCE_EXHAUSTED`',
      DEFAULT_MAX_CLUSTERS,
    ),
    SCALER_SHUTDOWN_TIMEOUT: duration('SIGTERM to exit, at most', 10_000),
    SCALER_LOG_LEVEL: field.enum({
      doc: 'how much is logged (`debug` adds one line per decision, with its explanation)',
      fallback: 'info',
      values: () => LOG_LEVELS,
    }),
    SCALER_CLUSTERS_FILE: file(
      'JSON file of Kafka cluster profiles (servers, TLS, SASL); once set, the only clusters contacted',
      files,
    ),
    SCALER_TLS_CERT_FILE: file(
      'PEM certificate (chain) of the gRPC server; with `SCALER_TLS_KEY_FILE`, the server speaks TLS',
      files,
    ),
    SCALER_TLS_KEY_FILE: file('PEM private key of the gRPC server', files, true),
    SCALER_TLS_CLIENT_CA_FILE: file(
      'PEM CA bundle: gRPC clients must present a certificate it signed (mutual TLS)',
      files,
    ),
  } as const satisfies Schema;
}

/** The variables as documentation reads them (their files are not checked). */
export const VARIABLES = variableSchema({ exists: () => true, read: () => '' });

/** The configuration docs' table of variables: name, default and meaning, one row each, from VARIABLES. */
export function variableRows(): string[][] {
  return Object.entries(VARIABLES).map(([name, spec]) => {
    const shown = shownDefault(spec);
    return [`\`${name}\``, shown === undefined ? 'none' : `\`${shown}\``, `${spec.doc}${allowed(spec)}`];
  });
}

/** "; one of `a`, `b`" for an enum. */
function allowed(spec: Field<unknown>): string {
  const values = spec.values?.();
  return values === undefined ? '' : `; one of ${values.map((v) => `\`${v}\``).join(', ')}`;
}

/** The variables for `--help`: name, default and meaning, one per line. */
export function variablesHelp(): string {
  const width = Math.max(...Object.keys(VARIABLES).map((name) => name.length)) + 2;
  return Object.entries(VARIABLES)
    .map(([name, spec]) => {
      const shown = shownDefault(spec);
      const doc = `${spec.doc}${allowed(spec)}`.replaceAll('`', '');
      return `  ${name.padEnd(width)}${doc}${shown === undefined ? '' : ` (default ${shown})`}`;
    })
    .join('\n');
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];

  /** `problems`: every one; the first MAX_PROBLEMS are kept, then how many more. */
  constructor(problems: readonly string[]) {
    const capped = cappedProblems(problems);
    super(`invalid configuration: ${capped.join('; ')}`);
    this.problems = capped;
  }
}

/** The clusters file's text; a problem instead if it cannot be read after all (gone since it was checked). */
function readOrProblem(files: ConfigFiles, path: string, problems: string[]): string | undefined {
  try {
    return files.read(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'an error';
    problems.push(`SCALER_CLUSTERS_FILE value "${shown(path)}" could not be read (${code})`);
    return undefined;
  }
}

/** Reads the configuration from `env`; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, files: ConfigFiles = NODE_FILES): Config {
  const schema = variableSchema(files);
  const known = Object.keys(schema);
  const parsed = parseFields(schema, env, {
    label: (name) => name,
    missing: (name) => `${name} is required`,
    claims: (name) => name.startsWith('SCALER_'),
  });
  const v = parsed.values;
  const problems = [...parsed.problems];
  const unknown = parsed.unknownKeys;
  if (unknown.length > 0) {
    // One problem, the known names once, however many variables are unknown.
    const variables = unknown.length === 1 ? 'variable' : 'variables';
    problems.push(`unknown ${variables} ${listedNames(unknown)}; known: ${known.join(', ')}`);
  }
  if (problems.length === 0) {
    if (v.SCALER_MAX_STALENESS <= v.SCALER_POLL_INTERVAL) {
      problems.push('SCALER_MAX_STALENESS must be longer than SCALER_POLL_INTERVAL');
    }
    if (v.SCALER_KAFKA_TIMEOUT >= v.SCALER_MAX_STALENESS) {
      problems.push('SCALER_KAFKA_TIMEOUT must be shorter than SCALER_MAX_STALENESS');
    }
    if (v.SCALER_GRPC_PORT !== 0 && v.SCALER_GRPC_PORT === v.SCALER_HTTP_PORT) {
      problems.push('SCALER_GRPC_PORT and SCALER_HTTP_PORT must differ');
    }
  }
  const set = (name: keyof typeof schema): boolean => (env[name]?.trim() ?? '') !== '';
  if (set('SCALER_TLS_CERT_FILE') !== set('SCALER_TLS_KEY_FILE')) {
    problems.push('SCALER_TLS_CERT_FILE and SCALER_TLS_KEY_FILE must be set together');
  }
  if (set('SCALER_TLS_CLIENT_CA_FILE') && !set('SCALER_TLS_CERT_FILE')) {
    problems.push(
      'SCALER_TLS_CLIENT_CA_FILE needs SCALER_TLS_CERT_FILE and SCALER_TLS_KEY_FILE (mutual TLS is TLS first)',
    );
  }
  let clusters: readonly ClusterProfile[] = [];
  const clustersFile = v.SCALER_CLUSTERS_FILE;
  // '' when unset, or when it names no file (already reported).
  const text = clustersFile === '' ? undefined : readOrProblem(files, clustersFile, problems);
  if (text !== undefined) {
    const profiles = parseClusterProfiles(text, `SCALER_CLUSTERS_FILE ${shown(clustersFile)}`, env, files.exists);
    problems.push(...profiles.problems);
    clusters = profiles.profiles;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const [cert, key, clientCa] = [v.SCALER_TLS_CERT_FILE, v.SCALER_TLS_KEY_FILE, v.SCALER_TLS_CLIENT_CA_FILE];
  return Object.freeze({
    host: v.SCALER_HOST,
    grpcPort: v.SCALER_GRPC_PORT,
    httpPort: v.SCALER_HTTP_PORT,
    pollIntervalMs: v.SCALER_POLL_INTERVAL,
    maxStalenessMs: v.SCALER_MAX_STALENESS,
    kafkaTimeoutMs: v.SCALER_KAFKA_TIMEOUT,
    pollerIdleTimeoutMs: v.SCALER_POLLER_IDLE_TIMEOUT,
    historyMs: v.SCALER_HISTORY,
    firstPollWaitMs: v.SCALER_FIRST_POLL_WAIT,
    maxPollers: v.SCALER_MAX_POLLERS,
    maxTriggers: v.SCALER_MAX_TRIGGERS,
    maxStreams: v.SCALER_MAX_STREAMS,
    maxClusters: v.SCALER_MAX_CLUSTERS,
    shutdownTimeoutMs: v.SCALER_SHUTDOWN_TIMEOUT,
    logLevel: v.SCALER_LOG_LEVEL,
    clusters,
    ...(cert !== '' && key !== ''
      ? { grpcTls: { certFile: cert, keyFile: key, ...(clientCa === '' ? {} : { clientCaFile: clientCa }) } }
      : {}),
  });
}
