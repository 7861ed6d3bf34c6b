/**
 * One broker with a client listener per way of logging in, and the cluster
 * profiles (SCALER_CLUSTERS_FILE) that use them: SASL/SCRAM-SHA-256,
 * SCRAM-SHA-512, PLAIN, TLS with a private CA, mutual TLS with an encrypted
 * client key, SASL_SSL with OAUTHBEARER, and profiles the broker refuses.
 * Each profile has its own listener because a server may belong to one
 * profile only. Every secret is a distinctive random string, listed in
 * `secrets`, so a search for it in the scaler's output means something.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { type LocalKafka, startKafka } from '../../tools/kafka/localKafka.ts';
import { secureListeners, type SecureListener, unsecuredToken } from '../../tools/kafka/secureListeners.ts';
import { certDir, certificateAuthority } from './certs.ts';

/** A secret and what it is, for messages that must not print the value. */
export interface NamedSecret {
  readonly name: string;
  readonly value: string;
}

export interface AuthCluster {
  readonly kafka: LocalKafka;
  readonly clustersFile: string;
  /** Every secret the profiles use, and every line of the client key's PEM body. */
  readonly secrets: readonly NamedSecret[];
  /** Profile "rotating" starts with a wrong password in this file; `rotatedPassword` is the right one. */
  readonly rotatingPasswordFile: string;
  readonly rotatedPassword: string;
  stop(): Promise<void>;
}

/** Profiles the broker accepts, and what each proves. */
export const ACCEPTED_PROFILES = [
  { profile: 'scram-sha-256', what: 'SASL/SCRAM-SHA-256 with a password file' },
  { profile: 'scram-sha-512', what: 'SASL/SCRAM-SHA-512 with username and password files' },
  { profile: 'plain', what: 'SASL/PLAIN with a password file' },
  { profile: 'tls', what: 'TLS verified against a private CA' },
  { profile: 'mutual-tls', what: 'mutual TLS with a client certificate and an encrypted key' },
  { profile: 'oauthbearer', what: 'SASL_SSL with an OAUTHBEARER token file' },
] as const;

/** Profiles the broker refuses, and the problem the scaler must name. */
export const REFUSED_PROFILES = [
  {
    profile: 'wrong-password',
    what: 'a wrong SCRAM-SHA-512 password',
    problem: /^kafka cluster wrong-password: SASL SCRAM SHA512 authentication failed: /,
  },
  {
    profile: 'unknown-ca',
    what: 'a broker certificate from a CA the profile does not trust',
    problem:
      /^kafka cluster unknown-ca: TLS handshake with 127\.0\.0\.1:\d+ failed: the broker's certificate is not signed by a trusted CA \(tls\.caFile\)/,
  },
  {
    profile: 'no-client-cert',
    what: 'no client certificate on a listener that requires one',
    problem:
      /^kafka cluster no-client-cert: TLS handshake with 127\.0\.0\.1:\d+ failed: the broker did not accept the client certificate /,
  },
  {
    profile: 'expired-token',
    what: 'an expired OAUTHBEARER token',
    problem:
      /^kafka cluster expired-token: SASL OAUTHBEARER authentication failed: the broker rejected the token \(invalid_token\)/,
  },
] as const;

const HOUR_MS = 3_600_000;

export async function startAuthCluster(): Promise<AuthCluster> {
  const secret = (what: string): string => `${what}-${randomBytes(9).toString('hex')}`;
  const pw = {
    alice: secret('alice-scram256-password'),
    carol: secret('carol-scram512-password'),
    bob: secret('bob-plain-password'),
    wrong: secret('wrong-password'),
    rotatingWrong: secret('rotating-old-password'),
    keyPassword: secret('client-key-password'),
  };
  const token = unsecuredToken(secret('scaler'), HOUR_MS);
  const expiredToken = unsecuredToken(secret('scaler'), 60_000, Date.now() - HOUR_MS);

  const ca = await certificateAuthority('kstreams-auth-test-ca');
  const server = await ca.issue('localhost', 'server');
  const client = await ca.issue('kstreams-scaler', 'client');
  const encryptedKey = createPrivateKey(client.key).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: pw.keyPassword,
  }) as string;

  const sasl = (name: string, ...mechanisms: NonNullable<SecureListener['mechanisms']>): SecureListener => ({
    name,
    protocol: 'SASL_PLAINTEXT',
    mechanisms,
  });
  const kafka = await startKafka({
    ...secureListeners({
      listeners: [
        sasl('SCRAM256', 'SCRAM-SHA-256'),
        sasl('SCRAM512', 'SCRAM-SHA-512'),
        sasl('PLAIN', 'PLAIN'),
        sasl('WRONG', 'SCRAM-SHA-512'),
        sasl('ROTATING', 'SCRAM-SHA-256'),
        { name: 'TLS', protocol: 'SSL' },
        { name: 'UNKNOWN_CA', protocol: 'SSL' },
        { name: 'MTLS', protocol: 'SSL', clientAuth: 'required' },
        { name: 'NOCERT', protocol: 'SSL', clientAuth: 'required' },
        { name: 'OAUTH', protocol: 'SASL_SSL', mechanisms: ['OAUTHBEARER'] },
        { name: 'EXPIRED', protocol: 'SASL_SSL', mechanisms: ['OAUTHBEARER'] },
      ],
      plainUsers: { bob: pw.bob },
      scramUsers: [
        { mechanism: 'SCRAM-SHA-256', name: 'alice', password: pw.alice },
        { mechanism: 'SCRAM-SHA-512', name: 'carol', password: pw.carol },
      ],
      tls: { certificateChain: server.cert, privateKey: server.key, trustedCertificates: ca.cert },
    }),
  });

  const files = certDir('kstreams-auth-');
  try {
    const f = {
      ca: files.write('ca.crt', ca.cert),
      cert: files.write('client.crt', client.cert),
      key: files.write('client.key', encryptedKey),
      keyPassword: files.write('client-key.password', `${pw.keyPassword}\n`),
      alice: files.write('alice.password', `${pw.alice}\n`),
      carolName: files.write('carol.username', 'carol\n'),
      carol: files.write('carol.password', `${pw.carol}\n`),
      bob: files.write('bob.password', pw.bob),
      wrong: files.write('wrong.password', `${pw.wrong}\n`),
      rotating: files.write('rotating.password', `${pw.rotatingWrong}\n`),
      token: files.write('token', token),
      expiredToken: files.write('expired.token', expiredToken),
    };
    const at = (listener: string): string => kafka.listenerBootstrap(listener);
    const scram256 = (password: string) => ({ mechanism: 'scram-sha-256', username: 'alice', passwordFile: password });
    const clusters = {
      'scram-sha-256': { bootstrapServers: at('SCRAM256'), sasl: scram256(f.alice) },
      'scram-sha-512': {
        bootstrapServers: at('SCRAM512'),
        sasl: { mechanism: 'scram-sha-512', usernameFile: f.carolName, passwordFile: f.carol },
      },
      plain: { bootstrapServers: at('PLAIN'), sasl: { mechanism: 'plain', username: 'bob', passwordFile: f.bob } },
      tls: { bootstrapServers: at('TLS'), tls: { caFile: f.ca } },
      'mutual-tls': {
        bootstrapServers: at('MTLS'),
        tls: { caFile: f.ca, certFile: f.cert, keyFile: f.key, keyPasswordFile: f.keyPassword },
      },
      oauthbearer: {
        bootstrapServers: at('OAUTH'),
        tls: { caFile: f.ca },
        sasl: { mechanism: 'oauthbearer', tokenFile: f.token },
      },
      'wrong-password': {
        bootstrapServers: at('WRONG'),
        sasl: { mechanism: 'scram-sha-512', username: 'carol', passwordFile: f.wrong },
      },
      'unknown-ca': { bootstrapServers: at('UNKNOWN_CA'), tls: {} },
      'no-client-cert': { bootstrapServers: at('NOCERT'), tls: { caFile: f.ca } },
      'expired-token': {
        bootstrapServers: at('EXPIRED'),
        tls: { caFile: f.ca },
        sasl: { mechanism: 'oauthbearer', tokenFile: f.expiredToken },
      },
      rotating: { bootstrapServers: at('ROTATING'), sasl: scram256(f.rotating) },
    };
    const clustersFile = files.write('clusters.json', JSON.stringify({ clusters }, null, 2));
    const pemBody = (pem: string, name: string): NamedSecret[] =>
      pem
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('-----'))
        .map((value, i) => ({ name: `${name}, line ${i + 1}`, value }));
    return {
      kafka,
      clustersFile,
      secrets: [
        ...Object.entries(pw).map(([name, value]) => ({ name: `password ${name}`, value })),
        { name: 'OAUTHBEARER token', value: token },
        { name: 'expired OAUTHBEARER token', value: expiredToken },
        ...pemBody(client.key, 'client private key'),
        ...pemBody(encryptedKey, 'encrypted client private key'),
      ],
      rotatingPasswordFile: f.rotating,
      rotatedPassword: pw.alice,
      async stop() {
        files.remove();
        await kafka.stop();
      },
    };
  } catch (err) {
    files.remove();
    await kafka.stop();
    throw err;
  }
}

/** Replaces a secret file's content, as a Secret update does (write, then rename into place). */
export function rotateSecretFile(file: string, value: string): void {
  writeFileSync(`${file}.new`, `${value}\n`, { mode: 0o600 });
  renameSync(`${file}.new`, file);
}
