/**
 * Authenticated client listeners for a harness broker: SASL (PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER with the broker's unsecured token
 * validator), TLS with PEM key and trust material, mutual TLS, and SASL over
 * TLS. Brokers and the controller keep talking PLAINTEXT among themselves.
 *
 *   const kafka = await startKafka({
 *     ...secureListeners({
 *       listeners: [{ name: 'SASL', protocol: 'SASL_PLAINTEXT', mechanisms: ['SCRAM-SHA-512'] }],
 *       scramUsers: [{ mechanism: 'SCRAM-SHA-512', name: 'alice', password: 'alice-secret' }],
 *     }),
 *   });
 *   kafka.listenerBootstrap('SASL'); // "127.0.0.1:40123"
 *
 * SCRAM credentials are written when the storage is formatted
 * (`kafka-storage format --add-scram`), PLAIN users into the listener's JAAS
 * configuration, PEM material inline (`ssl.keystore.key`, ...), so nothing
 * besides server.properties is written. Names and passwords are limited to
 * characters that need no quoting in either place.
 */
import type { ExtraListener } from './brokerConfig.ts';
import { HarnessError } from './harnessError.ts';
import type { StartKafkaOptions } from './localKafka.ts';

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanismName = (typeof SASL_MECHANISMS)[number];
export type ScramMechanism = Extract<SaslMechanismName, `SCRAM-${string}`>;

export interface SecureListener extends ExtraListener {
  /** SASL_PLAINTEXT and SASL_SSL: the mechanisms offered. */
  readonly mechanisms?: readonly SaslMechanismName[];
  /** SSL and SASL_SSL: `required` for mutual TLS (client certificates signed by `tls.trustedCertificates`). */
  readonly clientAuth?: 'required' | 'requested' | 'none';
}

export interface ScramUser {
  readonly mechanism: ScramMechanism;
  readonly name: string;
  readonly password: string;
}

/** The broker's TLS material, PEM. */
export interface BrokerTls {
  /** The broker's certificate, then its issuers. */
  readonly certificateChain: string;
  /** Its private key, unencrypted PKCS#8. */
  readonly privateKey: string;
  /** CA certificates that client certificates must chain to. */
  readonly trustedCertificates: string;
}

export interface SecureBroker {
  readonly listeners: readonly SecureListener[];
  /** PLAIN users, name → password. */
  readonly plainUsers?: Readonly<Record<string, string>>;
  /** SCRAM users, created at format time. */
  readonly scramUsers?: readonly ScramUser[];
  /** Needed by SSL and SASL_SSL listeners. */
  readonly tls?: BrokerTls;
  /** The subject of the broker's own unsecured OAUTHBEARER login (default "broker"). */
  readonly oauthSubject?: string;
}

/** What startKafka takes to serve `spec`'s listeners. */
export type SecureKafkaOptions = Required<
  Pick<StartKafkaOptions, 'listeners' | 'brokerProperties' | 'formatArguments'>
>;

const SAFE = /^[A-Za-z0-9._-]+$/;
const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTH_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

/** Broker properties and format arguments for `spec`; throws a HarnessError naming the first inconsistency. */
export function secureListeners(spec: SecureBroker): SecureKafkaOptions {
  const problem = specProblem(spec);
  if (problem) throw new HarnessError(problem);
  const props: Record<string, string> = {};
  const tlsListeners = spec.listeners.filter(usesTls);
  if (tlsListeners.length > 0) {
    const tls = spec.tls!;
    Object.assign(props, {
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.certificate.chain': tls.certificateChain.trim(),
      'ssl.keystore.key': tls.privateKey.trim(),
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': tls.trustedCertificates.trim(),
    });
  }
  for (const listener of spec.listeners) {
    const prefix = `listener.name.${listener.name.toLowerCase()}.`;
    if (usesTls(listener)) props[`${prefix}ssl.client.auth`] = listener.clientAuth ?? 'none';
    const mechanisms = listener.mechanisms ?? [];
    if (mechanisms.length > 0) props[`${prefix}sasl.enabled.mechanisms`] = mechanisms.join(',');
    for (const mechanism of mechanisms) {
      props[`${prefix}${mechanism.toLowerCase()}.sasl.jaas.config`] = jaasConfig(mechanism, spec);
    }
  }
  const formatArguments = (spec.scramUsers ?? []).flatMap((u) => [
    '--add-scram',
    `${u.mechanism}=[name=${u.name},password=${u.password}]`,
  ]);
  return {
    listeners: spec.listeners.map(({ name, protocol }) => ({ name, protocol })),
    brokerProperties: () => props,
    formatArguments,
  };
}

function jaasConfig(mechanism: SaslMechanismName, spec: SecureBroker): string {
  switch (mechanism) {
    case 'PLAIN': {
      const users = Object.entries(spec.plainUsers ?? {}).map(([name, password]) => ` user_${name}="${password}"`);
      return `${PLAIN_MODULE} required${users.join('')};`;
    }
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return `${SCRAM_MODULE} required;`;
    case 'OAUTHBEARER':
      // No server callback handler is configured, so Kafka validates tokens with its unsecured validator.
      return `${OAUTH_MODULE} required unsecuredLoginStringClaim_sub="${spec.oauthSubject ?? 'broker'}";`;
  }
}

function usesTls(listener: ExtraListener): boolean {
  return listener.protocol === 'SSL' || listener.protocol === 'SASL_SSL';
}

function usesSasl(listener: ExtraListener): boolean {
  return listener.protocol === 'SASL_PLAINTEXT' || listener.protocol === 'SASL_SSL';
}

/** The first reason `spec` cannot work, or undefined. */
function specProblem(spec: SecureBroker): string | undefined {
  if (spec.listeners.length === 0) return 'secure listeners: none given';
  const enabled = new Set<SaslMechanismName>();
  for (const listener of spec.listeners) {
    const mechanisms = listener.mechanisms ?? [];
    if (usesSasl(listener) && mechanisms.length === 0) {
      return `listener ${listener.name}: ${listener.protocol} needs at least one SASL mechanism`;
    }
    if (!usesSasl(listener) && mechanisms.length > 0) {
      return `listener ${listener.name}: mechanisms apply to SASL_PLAINTEXT and SASL_SSL, not ${listener.protocol}`;
    }
    const unknown = mechanisms.find((m) => !(SASL_MECHANISMS as readonly string[]).includes(m));
    if (unknown !== undefined) {
      return `listener ${listener.name}: mechanism "${unknown}" must be one of ${SASL_MECHANISMS.join(', ')}`;
    }
    if (!usesTls(listener) && listener.clientAuth !== undefined) {
      return `listener ${listener.name}: clientAuth applies to SSL and SASL_SSL, not ${listener.protocol}`;
    }
    if (usesTls(listener) && !spec.tls) return `listener ${listener.name}: ${listener.protocol} needs tls`;
    for (const m of mechanisms) enabled.add(m);
  }
  const plainUsers = Object.entries(spec.plainUsers ?? {});
  if (enabled.has('PLAIN') && plainUsers.length === 0) return 'PLAIN is enabled but plainUsers is empty';
  for (const [name, password] of plainUsers) {
    if (!SAFE.test(name) || !SAFE.test(password)) return `PLAIN user "${name}": ${SAFE_RULE}`;
  }
  for (const user of spec.scramUsers ?? []) {
    if (!enabled.has(user.mechanism)) return `SCRAM user "${user.name}": no listener enables ${user.mechanism}`;
    if (!SAFE.test(user.name) || !SAFE.test(user.password)) return `SCRAM user "${user.name}": ${SAFE_RULE}`;
  }
  if (spec.oauthSubject !== undefined && !SAFE.test(spec.oauthSubject)) return `oauthSubject: ${SAFE_RULE}`;
  return undefined;
}

const SAFE_RULE = 'names and passwords may use only letters, digits, ".", "_" and "-"';

/**
 * An unsecured JWS (`alg: none`, no signature) as Kafka's unsecured
 * OAUTHBEARER validator accepts it: `sub`, `iat` and `exp` claims, in seconds.
 */
export function unsecuredToken(subject: string, lifetimeMs: number, now = Date.now()): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now / 1000);
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat, exp: iat + Math.ceil(lifetimeMs / 1000) })}.`;
}
