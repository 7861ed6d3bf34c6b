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
 *
 * docs/cluster-profiles.schema.json is the file's JSON Schema, for editors.
 */
import { field, type Field, jsonSchema, type JsonValue, parseJson, type ProblemAt, record, shape } from './schema.ts';

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
/** host:port with a port from 1 to 65535, without leading zeros: the JSON Schema's pattern is the parser's. */
const HOST_PORT_PATTERN =
  '(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+):(6553[0-5]|655[0-2]\\d|65[0-4]\\d{2}|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})';
const HOST_PORT = new RegExp(`^${HOST_PORT_PATTERN}$`);
const ENV_NAME_PATTERN = '[A-Za-z_][A-Za-z0-9_]*';
const ENV_NAME = new RegExp(`^${ENV_NAME_PATTERN}$`);

/** Where the settings' files and variables are looked up (their contents are not read here). */
interface Lookup {
  readonly env: NodeJS.ProcessEnv;
  readonly fileExists: (path: string) => boolean;
}

/**
 * The profiles file, declared once: parsing, its problems and the published
 * JSON Schema (`profilesJsonSchema`) all come from these rows.
 */
function profilesShape({ env, fileExists }: Lookup) {
  // Both name where a secret (or a key, or a user name) comes from, and a user
  // may have written the secret itself there: their messages never quote the value.
  const file = (doc: string): Field<string> => field.file({ doc, exists: fileExists, secret: true });
  const variable = (doc: string): Field<string> =>
    field.custom<string>({ doc, fallback: '', pattern: ENV_NAME_PATTERN, secret: true }, (name) =>
      !ENV_NAME.test(name)
        ? { problem: 'is not an environment variable name' }
        : (env[name] ?? '') === ''
          ? { problem: "names an environment variable that is not set in the scaler's environment" }
          : { value: name },
    );
  const text = (doc: string): Field<string> => field.string({ doc, fallback: '' });
  return shape(
    'Kafka clusters this scaler may connect to, and how (SCALER_CLUSTERS_FILE)',
    {
      $schema: field.string({ doc: 'the JSON Schema this file follows, for editors; not read', fallback: '' }),
      clusters: record(
        'the clusters by name; a ScaledObject picks one with `cluster: <name>` or by its bootstrap servers',
        NAME,
        'in lower case letters, digits and dashes (at most 63)',
        shape(
          'one Kafka cluster',
          {
            bootstrapServers: field.list({
              doc: 'the brokers, "host:port,host:port" or a list of them; each belongs to one profile',
              fallback: [],
              required: true,
              empty: 'must name at least one host:port',
              pattern: HOST_PORT_PATTERN,
              item: (server) =>
                HOST_PORT.test(server)
                  ? undefined
                  : 'must be host:port addresses (ports 1 to 65535), e.g. "kafka-0:9092,kafka-1:9092"',
            }),
            tls: shape('TLS to the brokers', {
              caFile: file("PEM CA bundle to trust instead of the system's"),
              certFile: file('PEM client certificate, for mutual TLS (with keyFile)'),
              keyFile: file('PEM client key, for mutual TLS (with certFile)'),
              keyPasswordFile: file("file holding the client key's password"),
              keyPasswordEnv: variable("environment variable holding the client key's password"),
              serverName: text("the name to verify the brokers' certificates against, when it differs from the host"),
              insecureSkipVerify: field.bool({ doc: "skip verifying the brokers' certificates", fallback: false }),
            }),
            sasl: shape('SASL authentication', {
              mechanism: field.enum({
                doc: 'the SASL mechanism, in any case (e.g. `SCRAM-SHA-512`, as Kafka writes it)',
                fallback: 'plain',
                required: true,
                values: () => SASL_MECHANISMS,
                foldCase: true,
              }),
              username: text('plain and scram: the user name, inline'),
              usernameFile: file('plain and scram: a file holding the user name'),
              usernameEnv: variable('plain and scram: an environment variable holding the user name'),
              passwordFile: file('plain and scram: a file holding the password (read for every new connection)'),
              passwordEnv: variable('plain and scram: an environment variable holding the password'),
              tokenFile: file('oauthbearer: a token file, read for every authentication (a projected token rotates)'),
              tokenEnv: variable('oauthbearer: an environment variable holding the token'),
            }),
          },
          true,
        ),
        true,
      ),
    },
    true,
  );
}

/** The JSON Schema of the profiles file, for editors (published as docs/cluster-profiles.schema.json). */
export function profilesJsonSchema(): Record<string, unknown> {
  const schema = jsonSchema(profilesShape({ env: {}, fileExists: () => true }));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'kstreams-scaler cluster profiles',
    ...schema,
  };
}

type Parsed = NonNullable<JsonValue<ReturnType<typeof profilesShape>>>;
type ParsedCluster = Parsed['clusters'] extends ReadonlyMap<string, infer C> | undefined ? C : never;

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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { profiles: [], problems: [`${source}: not valid JSON (${jsonError(err as Error)})`] };
  }
  const problems: string[] = [];
  /** Settings given but wrong: already reported, so not reported again as missing. */
  const wrong = new Set<string>();
  const at: ProblemAt = (path, problem, whole = false) => {
    wrong.add(path);
    problems.push(whole ? `${source}: ${problem}` : `${source}: ${path} ${problem}`);
  };
  const parsed = parseJson(profilesShape({ env, fileExists }), json, '', at);
  const profiles: ClusterProfile[] = [];
  const owners = new Map<string, string>();
  for (const [name, cluster] of parsed?.clusters ?? []) {
    const path = `clusters.${name}`;
    const servers = cluster.bootstrapServers ?? [];
    for (const server of servers) {
      const normal = normalizeServer(server);
      const owner = owners.get(normal);
      if (owner !== undefined && owner !== name) {
        at(`${path}.bootstrapServers`, `"${server}" is also in clusters.${owner}`);
      }
      owners.set(normal, name);
    }
    const tls = cluster.tls && tlsSettings(cluster.tls, `${path}.tls`, at, wrong);
    const sasl = cluster.sasl && saslSettings(cluster.sasl, `${path}.sasl`, at, wrong);
    profiles.push({ name, bootstrapServers: servers, ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) });
  }
  return { profiles, problems };
}

/**
 * JSON.parse's complaint without the text it quotes (`Unexpected token 's',
 * ..."wordEnv": s3cr3t}" is not valid JSON`): a secret written where its
 * variable's name belongs would be quoted too.
 */
function jsonError(err: Error): string {
  return err.message.replace(/^(Unexpected token)\b.*$/s, '$1 (the text is not quoted: it may hold a secret)');
}

/**
 * `<base>File` or `<base>Env`, at most one of them; one of them when
 * `required` (unless one was given and is already reported as wrong).
 */
function secret(
  fromFile: string | undefined,
  fromEnv: string | undefined,
  base: string,
  path: string,
  at: ProblemAt,
  wrong: ReadonlySet<string>,
  required: boolean,
): SecretSource | undefined {
  if (fromFile && fromEnv) return void at(path, `sets both ${base}File and ${base}Env; set one`);
  if (fromEnv) return { env: fromEnv };
  if (fromFile) return { file: fromFile };
  const reported = wrong.has(`${path}.${base}File`) || wrong.has(`${path}.${base}Env`);
  if (required && !reported) at(path, `needs ${base}File or ${base}Env`);
  return undefined;
}

function tlsSettings(
  tls: NonNullable<ParsedCluster['tls']>,
  path: string,
  at: ProblemAt,
  wrong: ReadonlySet<string>,
): TlsSettings {
  const given = (key: 'certFile' | 'keyFile'): boolean => tls[key] !== undefined || wrong.has(`${path}.${key}`);
  if (given('certFile') !== given('keyFile')) at(path, 'needs certFile and keyFile together');
  const keyPassword = secret(tls.keyPasswordFile, tls.keyPasswordEnv, 'keyPassword', path, at, wrong, false);
  return {
    ...(tls.caFile ? { caFile: tls.caFile } : {}),
    ...(tls.certFile ? { certFile: tls.certFile } : {}),
    ...(tls.keyFile ? { keyFile: tls.keyFile } : {}),
    ...(keyPassword ? { keyPassword } : {}),
    ...(tls.serverName ? { serverName: tls.serverName } : {}),
    insecureSkipVerify: tls.insecureSkipVerify === true,
  };
}

function saslSettings(
  sasl: NonNullable<ParsedCluster['sasl']>,
  path: string,
  at: ProblemAt,
  wrong: ReadonlySet<string>,
): SaslSettings | undefined {
  const mechanism = sasl.mechanism;
  if (mechanism === undefined) return undefined;
  const given = (keys: ReadonlyArray<keyof typeof sasl>): string[] =>
    keys.filter((key) => sasl[key] !== undefined || wrong.has(`${path}.${key}`));
  if (mechanism === 'oauthbearer') {
    for (const key of given(['username', 'usernameFile', 'usernameEnv', 'passwordFile', 'passwordEnv'])) {
      at(`${path}.${key}`, 'does not apply to oauthbearer (it uses tokenFile or tokenEnv)');
    }
    const token = secret(sasl.tokenFile, sasl.tokenEnv, 'token', path, at, wrong, true);
    return { mechanism, ...(token ? { token } : {}) };
  }
  for (const key of given(['tokenFile', 'tokenEnv'])) {
    at(`${path}.${key}`, `does not apply to ${mechanism} (it uses a username and password)`);
  }
  const inline = sasl.username; // parseJson trimmed it
  const fromSecret = secret(sasl.usernameFile, sasl.usernameEnv, 'username', path, at, wrong, inline === undefined);
  if (inline !== undefined && fromSecret !== undefined) {
    at(path, 'sets username more than once; set one of username, usernameFile, usernameEnv');
  }
  const password = secret(sasl.passwordFile, sasl.passwordEnv, 'password', path, at, wrong, true);
  const username: ValueSource | undefined = inline !== undefined ? { value: inline } : fromSecret;
  return { mechanism, ...(username ? { username } : {}), ...(password ? { password } : {}) };
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
