/**
 * Kafka cluster profiles: the clusters this scaler may connect to, and how.
 *
 * KEDA does not forward TriggerAuthentication parameters to external
 * scalers, so credentials live here, in the scaler's own configuration: a
 * JSON file (SCALER_CLUSTERS_FILE, typically a mounted ConfigMap) that names
 * each cluster, its bootstrap servers, TLS and SASL settings. Secrets are
 * never in the file itself: it points at mounted files or environment
 * variables, read when a Kafka client is created. A ScaledObject picks a
 * profile with `cluster: <name>`, or by naming bootstrap servers that belong
 * to one. Once profiles exist they are an allowlist: no other address is
 * contacted.
 *
 *   {
 *     "clusters": {
 *       "prod": {
 *         "bootstrapServers": "kafka-0.kafka:9093,kafka-1.kafka:9093",
 *         "tls": { "caFile": "/etc/kafka/tls/ca.crt", "certFile": "...", "keyFile": "..." },
 *         "sasl": { "mechanism": "scram-sha-512", "username": "scaler", "passwordFile": "/etc/kafka/sasl/password" }
 *       }
 *     }
 *   }
 */

/** Where a secret comes from: a file (re-read for every new connection) or an environment variable. */
export type SecretSource = { readonly file: string } | { readonly env: string };

/** A value that may be given inline (not secret) or from a secret source. */
export type ValueSource = { readonly value: string } | SecretSource;

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface TlsSettings {
  /** PEM CA bundle to trust instead of the system's. */
  readonly caFile?: string;
  /** PEM client certificate and key, for mutual TLS. */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly keyPassword?: SecretSource;
  /** The name to verify the brokers' certificates against, when it differs from the host. */
  readonly serverName?: string;
  /** Skips verification of the brokers' certificates. */
  readonly insecureSkipVerify: boolean;
}

export interface SaslSettings {
  readonly mechanism: SaslMechanism;
  /** plain and scram: */
  readonly username?: ValueSource;
  readonly password?: SecretSource;
  /** oauthbearer: a token file or variable, read for every authentication (a projected token rotates). */
  readonly token?: SecretSource;
}

export interface ClusterProfile {
  readonly name: string;
  readonly bootstrapServers: readonly string[];
  readonly tls?: TlsSettings;
  readonly sasl?: SaslSettings;
}

export interface ParsedProfiles {
  readonly profiles: readonly ClusterProfile[];
  readonly problems: readonly string[];
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Known keys of each object, for the unknown-key check. */
const KEYS = {
  root: ['clusters'],
  cluster: ['bootstrapServers', 'tls', 'sasl'],
  tls: ['caFile', 'certFile', 'keyFile', 'keyPasswordFile', 'keyPasswordEnv', 'serverName', 'insecureSkipVerify'],
  sasl: [
    'mechanism',
    'username',
    'usernameFile',
    'usernameEnv',
    'passwordFile',
    'passwordEnv',
    'tokenFile',
    'tokenEnv',
  ],
} as const;

/**
 * Parses the profiles file's text. Every problem is reported, each naming
 * where it is (`clusters.prod.sasl.mechanism`) and what is allowed.
 * `fileExists` checks referenced files; `env` is where `…Env` variables are
 * looked up (their values are not read here).
 */
export function parseClusterProfiles(
  text: string,
  source: string,
  env: NodeJS.ProcessEnv,
  fileExists: (path: string) => boolean,
): ParsedProfiles {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (err) {
    return { profiles: [], problems: [`${source}: not valid JSON (${(err as Error).message})`] };
  }
  const problems: string[] = [];
  const at = (path: string, problem: string): void => void problems.push(`${source}: ${path} ${problem}`);
  const root = object(json, 'the top level', at);
  if (!root) return { profiles: [], problems };
  unknownKeys(root, KEYS.root, '', at);
  const clusters = object(root['clusters'] ?? null, 'clusters', at);
  if (!clusters) return { profiles: [], problems };

  const profiles: ClusterProfile[] = [];
  const owners = new Map<string, string>();
  for (const [name, raw] of Object.entries(clusters)) {
    const path = `clusters.${name}`;
    if (!NAME.test(name)) at(path, 'must be named in lower case letters, digits and dashes (at most 63)');
    const cluster = object(raw, path, at);
    if (!cluster) continue;
    unknownKeys(cluster, KEYS.cluster, path, at);
    const servers = bootstrapServers(cluster['bootstrapServers'], `${path}.bootstrapServers`, at);
    for (const server of servers) {
      const owner = owners.get(server.toLowerCase());
      if (owner !== undefined && owner !== name)
        at(`${path}.bootstrapServers`, `"${server}" is also in clusters.${owner}`);
      owners.set(server.toLowerCase(), name);
    }
    const tls =
      cluster['tls'] === undefined ? undefined : tlsSettings(cluster['tls'], `${path}.tls`, at, env, fileExists);
    const sasl =
      cluster['sasl'] === undefined ? undefined : saslSettings(cluster['sasl'], `${path}.sasl`, at, env, fileExists);
    profiles.push({
      name,
      bootstrapServers: servers,
      ...(tls === undefined ? {} : { tls }),
      ...(sasl === undefined ? {} : { sasl }),
    });
  }
  return { profiles, problems };
}

type At = (path: string, problem: string) => void;

function object(value: Json | undefined, path: string, at: At): { [key: string]: Json } | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
  at(path, value === undefined || value === null ? 'is missing' : 'must be an object');
  return undefined;
}

function unknownKeys(value: { [key: string]: Json }, known: readonly string[], path: string, at: At): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) at(path ? `${path}.${key}` : key, `is not a known setting; known: ${known.join(', ')}`);
  }
}

function string(value: Json | undefined, path: string, at: At): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  at(path, 'must be a non-empty string');
  return undefined;
}

function bootstrapServers(value: Json | undefined, path: string, at: At): string[] {
  const items =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? value
        : undefined;
  if (items === undefined) {
    at(path, value === undefined ? 'is missing' : 'must be a "host:port,host:port" string or a list of them');
    return [];
  }
  const servers = items.map((s) => s.trim()).filter((s) => s !== '');
  if (servers.length === 0) at(path, 'must name at least one host:port');
  for (const server of servers) {
    const match = HOST_PORT.exec(server);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) at(path, `"${server}" must be host:port`);
  }
  return servers;
}

function file(
  value: Json | undefined,
  path: string,
  at: At,
  fileExists: (path: string) => boolean,
): string | undefined {
  const name = string(value, path, at);
  if (name !== undefined && !fileExists(name)) at(path, `"${name}" does not exist or cannot be read`);
  return name;
}

/** `<base>File` or `<base>Env`, exactly one of them when `required`. */
function secret(
  value: { [key: string]: Json },
  base: string,
  path: string,
  at: At,
  env: NodeJS.ProcessEnv,
  fileExists: (path: string) => boolean,
  required: boolean,
): SecretSource | undefined {
  const fromFile = file(value[`${base}File`], `${path}.${base}File`, at, fileExists);
  const fromEnv = string(value[`${base}Env`], `${path}.${base}Env`, at);
  if (fromFile !== undefined && fromEnv !== undefined) {
    at(path, `sets both ${base}File and ${base}Env; set one`);
    return undefined;
  }
  if (fromEnv !== undefined) {
    if (!ENV_NAME.test(fromEnv)) at(`${path}.${base}Env`, `"${fromEnv}" is not an environment variable name`);
    else if (env[fromEnv] === undefined || env[fromEnv] === '')
      at(`${path}.${base}Env`, `names ${fromEnv}, which is not set`);
    return { env: fromEnv };
  }
  if (fromFile !== undefined) return { file: fromFile };
  if (required) at(path, `needs ${base}File or ${base}Env`);
  return undefined;
}

function tlsSettings(
  raw: Json,
  path: string,
  at: At,
  env: NodeJS.ProcessEnv,
  fileExists: (path: string) => boolean,
): TlsSettings | undefined {
  const tls = object(raw, path, at);
  if (!tls) return undefined;
  unknownKeys(tls, KEYS.tls, path, at);
  const caFile = file(tls['caFile'], `${path}.caFile`, at, fileExists);
  const certFile = file(tls['certFile'], `${path}.certFile`, at, fileExists);
  const keyFile = file(tls['keyFile'], `${path}.keyFile`, at, fileExists);
  if ((certFile === undefined) !== (keyFile === undefined)) at(path, 'needs certFile and keyFile together');
  const keyPassword = secret(tls, 'keyPassword', path, at, env, fileExists, false);
  const serverName = string(tls['serverName'], `${path}.serverName`, at);
  const insecure = tls['insecureSkipVerify'];
  if (insecure !== undefined && typeof insecure !== 'boolean')
    at(`${path}.insecureSkipVerify`, 'must be true or false');
  return {
    ...(caFile === undefined ? {} : { caFile }),
    ...(certFile === undefined ? {} : { certFile }),
    ...(keyFile === undefined ? {} : { keyFile }),
    ...(keyPassword === undefined ? {} : { keyPassword }),
    ...(serverName === undefined ? {} : { serverName }),
    insecureSkipVerify: insecure === true,
  };
}

function saslSettings(
  raw: Json,
  path: string,
  at: At,
  env: NodeJS.ProcessEnv,
  fileExists: (path: string) => boolean,
): SaslSettings | undefined {
  const sasl = object(raw, path, at);
  if (!sasl) return undefined;
  unknownKeys(sasl, KEYS.sasl, path, at);
  const mechanism = string(sasl['mechanism'], `${path}.mechanism`, at)?.toLowerCase();
  if (mechanism === undefined) {
    if (sasl['mechanism'] === undefined) at(`${path}.mechanism`, `is missing; one of [${SASL_MECHANISMS.join(' ')}]`);
    return undefined;
  }
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    at(`${path}.mechanism`, `value "${mechanism}" must be one of [${SASL_MECHANISMS.join(' ')}]`);
    return undefined;
  }
  const m = mechanism as SaslMechanism;
  if (m === 'oauthbearer') {
    for (const key of ['username', 'usernameFile', 'usernameEnv', 'passwordFile', 'passwordEnv']) {
      if (sasl[key] !== undefined)
        at(`${path}.${key}`, 'does not apply to oauthbearer (it uses tokenFile or tokenEnv)');
    }
    const token = secret(sasl, 'token', path, at, env, fileExists, true);
    return { mechanism: m, ...(token === undefined ? {} : { token }) };
  }
  for (const key of ['tokenFile', 'tokenEnv']) {
    if (sasl[key] !== undefined) at(`${path}.${key}`, `does not apply to ${m} (it uses a username and password)`);
  }
  const inline = string(sasl['username'], `${path}.username`, at);
  const fromSecret = secret(sasl, 'username', path, at, env, fileExists, inline === undefined);
  if (inline !== undefined && fromSecret !== undefined)
    at(path, 'sets username more than once; set one of username, usernameFile, usernameEnv');
  const password = secret(sasl, 'password', path, at, env, fileExists, true);
  const username: ValueSource | undefined = inline !== undefined ? { value: inline } : fromSecret;
  return {
    mechanism: m,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

/** The normalised form of a host:port, for matching a ScaledObject's servers with a profile's. */
export function normalizeServer(server: string): string {
  return server.trim().toLowerCase();
}

/**
 * The profile a trigger's `cluster` and `bootstrapServers` point at: by name,
 * or the profile that holds every named server. Undefined if none does.
 */
export function findProfile(
  profiles: readonly ClusterProfile[],
  cluster: string,
  servers: readonly string[],
): ClusterProfile | undefined {
  const wanted = servers.map(normalizeServer);
  const holdsAll = (p: ClusterProfile): boolean => {
    const own = new Set(p.bootstrapServers.map(normalizeServer));
    return wanted.every((s) => own.has(s));
  };
  if (cluster !== '') {
    const named = profiles.find((p) => p.name === cluster);
    return named && holdsAll(named) ? named : undefined;
  }
  return wanted.length > 0 ? profiles.find(holdsAll) : undefined;
}
