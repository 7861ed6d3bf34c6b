/**
 * The scaler's configuration: environment variables with the SCALER_ prefix,
 * parsed strictly once at start. Every bad variable is reported at once and the
 * process exits non-zero before anything listens. An unknown SCALER_ variable
 * is an error too (a typo would otherwise be silently ignored).
 */
import { existsSync, readFileSync } from 'node:fs';
import { type ClusterProfile, parseClusterProfiles } from './clusterProfiles.ts';
import { durationProblem, parseDurationMs } from './duration.ts';

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

export const NODE_FILES: ConfigFiles = {
  exists: (path) => existsSync(path),
  read: (path) => readFileSync(path, 'utf8'),
};

/** Defaults that fit the shipped Deployment's memory limit (see the README's sizing section). */
export const DEFAULT_MAX_POLLERS = 250;
export const DEFAULT_MAX_TRIGGERS = 1_000;
/** A StreamIsActive and a StreamMetricSpec for every trigger (KEDA opens both for external-push). */
export const DEFAULT_MAX_STREAMS = 2 * DEFAULT_MAX_TRIGGERS;
export const DEFAULT_MAX_CLUSTERS = 50;

interface Variable {
  readonly name: string;
  readonly kind: 'port' | 'duration' | 'host' | 'logLevel' | 'file' | 'count';
  readonly fallback: string;
  readonly doc: string;
}

/** Every variable the scaler reads, with its default; the README table mirrors this list. */
export const VARIABLES: readonly Variable[] = [
  { name: 'SCALER_HOST', kind: 'host', fallback: '0.0.0.0', doc: 'address the gRPC and HTTP servers bind to' },
  { name: 'SCALER_GRPC_PORT', kind: 'port', fallback: '9090', doc: 'gRPC port (ExternalScaler, health, reflection)' },
  { name: 'SCALER_HTTP_PORT', kind: 'port', fallback: '8080', doc: 'HTTP port (/healthz, /readyz, /api/triggers)' },
  { name: 'SCALER_POLL_INTERVAL', kind: 'duration', fallback: '2s', doc: 'how often offsets are read per poller' },
  {
    name: 'SCALER_MAX_STALENESS',
    kind: 'duration',
    fallback: '30s',
    doc: 'older data gives UNAVAILABLE instead of a value',
  },
  { name: 'SCALER_KAFKA_TIMEOUT', kind: 'duration', fallback: '10s', doc: "upper bound for one poll's Kafka requests" },
  {
    name: 'SCALER_POLLER_IDLE_TIMEOUT',
    kind: 'duration',
    fallback: '10m',
    doc: 'a poller nobody asked for in this long is stopped',
  },
  { name: 'SCALER_HISTORY', kind: 'duration', fallback: '15m', doc: 'poll history kept per poller' },
  {
    name: 'SCALER_FIRST_POLL_WAIT',
    kind: 'duration',
    fallback: '2s',
    doc: 'how long a new trigger waits for data and its first decision',
  },
  {
    name: 'SCALER_MAX_POLLERS',
    kind: 'count',
    fallback: String(DEFAULT_MAX_POLLERS),
    doc: 'consumer groups (with their topics, on one cluster) polled at once, at most; a new one beyond it is RESOURCE_EXHAUSTED',
  },
  {
    name: 'SCALER_MAX_TRIGGERS',
    kind: 'count',
    fallback: String(DEFAULT_MAX_TRIGGERS),
    doc: 'triggers (ScaledObject and metadata) tracked at once, at most, each with its decisions and learned state; a new one beyond it is RESOURCE_EXHAUSTED',
  },
  {
    name: 'SCALER_MAX_STREAMS',
    kind: 'count',
    fallback: String(DEFAULT_MAX_STREAMS),
    doc: 'open StreamIsActive and StreamMetricSpec calls (external-push triggers), at most; a new one beyond it is RESOURCE_EXHAUSTED',
  },
  {
    name: 'SCALER_MAX_CLUSTERS',
    kind: 'count',
    fallback: String(DEFAULT_MAX_CLUSTERS),
    doc: 'Kafka clusters read at once, at most; a new one beyond it is RESOURCE_EXHAUSTED',
  },
  { name: 'SCALER_SHUTDOWN_TIMEOUT', kind: 'duration', fallback: '10s', doc: 'SIGTERM to exit, at most' },
  {
    name: 'SCALER_LOG_LEVEL',
    kind: 'logLevel',
    fallback: 'info',
    doc: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    name: 'SCALER_CLUSTERS_FILE',
    kind: 'file',
    fallback: '',
    doc: 'JSON file of Kafka cluster profiles (addresses, TLS, SASL); once set, the only clusters contacted',
  },
  { name: 'SCALER_TLS_CERT_FILE', kind: 'file', fallback: '', doc: 'PEM certificate (chain) of the gRPC server' },
  { name: 'SCALER_TLS_KEY_FILE', kind: 'file', fallback: '', doc: 'PEM private key of the gRPC server' },
  {
    name: 'SCALER_TLS_CLIENT_CA_FILE',
    kind: 'file',
    fallback: '',
    doc: 'PEM CA bundle; gRPC clients must present a certificate it signed (mutual TLS)',
  },
];

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Reads the configuration from `env`; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, files: ConfigFiles = NODE_FILES): Config {
  const problems: string[] = [];
  const values = new Map<string, string | number>();
  for (const variable of VARIABLES) {
    const raw = env[variable.name];
    const text = raw === undefined || raw.trim() === '' ? variable.fallback : raw.trim();
    const parsed = parseVariable(variable, text, files);
    if (typeof parsed === 'object') problems.push(parsed.problem);
    else values.set(variable.name, parsed);
  }
  const known = new Set(VARIABLES.map((v) => v.name));
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('SCALER_') && !known.has(name)) {
      problems.push(`unknown variable ${name}; known: ${[...known].join(', ')}`);
    }
  }
  const ms = (name: string): number => values.get(name) as number;
  if (problems.length === 0) {
    if (ms('SCALER_POLL_INTERVAL') < 100) problems.push('SCALER_POLL_INTERVAL must be at least 100ms');
    if (ms('SCALER_MAX_STALENESS') <= ms('SCALER_POLL_INTERVAL')) {
      problems.push('SCALER_MAX_STALENESS must be longer than SCALER_POLL_INTERVAL');
    }
    if (ms('SCALER_KAFKA_TIMEOUT') >= ms('SCALER_MAX_STALENESS')) {
      problems.push('SCALER_KAFKA_TIMEOUT must be shorter than SCALER_MAX_STALENESS');
    }
    if (values.get('SCALER_GRPC_PORT') !== 0 && values.get('SCALER_GRPC_PORT') === values.get('SCALER_HTTP_PORT')) {
      problems.push('SCALER_GRPC_PORT and SCALER_HTTP_PORT must differ');
    }
  }
  const file = (name: string): string | undefined => (values.get(name) as string | undefined) || undefined;
  const [cert, key, clientCa] = [
    file('SCALER_TLS_CERT_FILE'),
    file('SCALER_TLS_KEY_FILE'),
    file('SCALER_TLS_CLIENT_CA_FILE'),
  ];
  const set = (name: string): boolean => (env[name]?.trim() ?? '') !== '';
  if (set('SCALER_TLS_CERT_FILE') !== set('SCALER_TLS_KEY_FILE')) {
    problems.push('SCALER_TLS_CERT_FILE and SCALER_TLS_KEY_FILE must be set together');
  }
  if (set('SCALER_TLS_CLIENT_CA_FILE') && !set('SCALER_TLS_CERT_FILE')) {
    problems.push(
      'SCALER_TLS_CLIENT_CA_FILE needs SCALER_TLS_CERT_FILE and SCALER_TLS_KEY_FILE (mutual TLS is TLS first)',
    );
  }
  let clusters: readonly ClusterProfile[] = [];
  const clustersFile = file('SCALER_CLUSTERS_FILE');
  if (clustersFile !== undefined && files.exists(clustersFile)) {
    const parsed = parseClusterProfiles(
      files.read(clustersFile),
      `SCALER_CLUSTERS_FILE ${clustersFile}`,
      env,
      files.exists,
    );
    problems.push(...parsed.problems);
    clusters = parsed.profiles;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    host: values.get('SCALER_HOST') as string,
    grpcPort: values.get('SCALER_GRPC_PORT') as number,
    httpPort: values.get('SCALER_HTTP_PORT') as number,
    pollIntervalMs: ms('SCALER_POLL_INTERVAL'),
    maxStalenessMs: ms('SCALER_MAX_STALENESS'),
    kafkaTimeoutMs: ms('SCALER_KAFKA_TIMEOUT'),
    pollerIdleTimeoutMs: ms('SCALER_POLLER_IDLE_TIMEOUT'),
    historyMs: ms('SCALER_HISTORY'),
    firstPollWaitMs: ms('SCALER_FIRST_POLL_WAIT'),
    maxPollers: values.get('SCALER_MAX_POLLERS') as number,
    maxTriggers: values.get('SCALER_MAX_TRIGGERS') as number,
    maxStreams: values.get('SCALER_MAX_STREAMS') as number,
    maxClusters: values.get('SCALER_MAX_CLUSTERS') as number,
    shutdownTimeoutMs: ms('SCALER_SHUTDOWN_TIMEOUT'),
    logLevel: values.get('SCALER_LOG_LEVEL') as LogLevel,
    clusters,
    ...(cert !== undefined && key !== undefined
      ? { grpcTls: { certFile: cert, keyFile: key, ...(clientCa === undefined ? {} : { clientCaFile: clientCa }) } }
      : {}),
  });
}

function parseVariable(variable: Variable, text: string, files: ConfigFiles): string | number | { problem: string } {
  switch (variable.kind) {
    case 'file':
      return text === '' || files.exists(text)
        ? text
        : { problem: `${variable.name} value "${text}" is not a file that exists and can be read` };
    case 'port': {
      const port = /^\d+$/.test(text) ? Number(text) : NaN;
      return Number.isInteger(port) && port >= 0 && port <= 65535
        ? port
        : { problem: `${variable.name} value "${text}" must be a port number from 0 to 65535` };
    }
    case 'count': {
      const count = /^[1-9]\d{0,6}$/.test(text) ? Number(text) : NaN;
      return Number.isInteger(count)
        ? count
        : { problem: `${variable.name} value "${text}" must be a whole number from 1 to 9999999` };
    }
    case 'duration': {
      const ms = parseDurationMs(text);
      return ms === undefined ? { problem: durationProblem(variable.name, text) } : ms;
    }
    case 'host':
      return /^[A-Za-z0-9.:[\]-]+$/.test(text)
        ? text
        : { problem: `${variable.name} value "${text}" must be a host name or IP address` };
    case 'logLevel':
      return (LOG_LEVELS as readonly string[]).includes(text)
        ? text
        : { problem: `${variable.name} value "${text}" must be one of [${LOG_LEVELS.join(' ')}]` };
  }
}
