import assert from 'node:assert/strict';
import type { ClusterProfile } from '../clusterProfiles.ts';
import { ScalerError } from '../errors.ts';
import { kafkaSecurity, type SecretReader } from './kafkaSecurity.ts';

const FILES: Record<string, string> = {
  '/tls/ca.crt': 'CA PEM\n',
  '/tls/client.crt': 'CERT PEM\n',
  '/tls/client.key': 'KEY PEM\n',
  '/sasl/password': 'pa55word\n',
  '/token': 'token-1\n',
  '/empty': '\n',
};
const secrets = (files = FILES, env: Record<string, string> = { KAFKA_USER: 'scaler' }): SecretReader => ({
  file: (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  },
  env: (name) => env[name],
});

describe('Kafka TLS and SASL from a cluster profile', () => {
  it('TLS: CA, client certificate and key, server name; verification stays on', () => {
    const profile: ClusterProfile = {
      name: 'prod',
      bootstrapServers: ['k:9093'],
      tls: {
        caFile: '/tls/ca.crt',
        certFile: '/tls/client.crt',
        keyFile: '/tls/client.key',
        serverName: 'kafka.internal',
        insecureSkipVerify: false,
      },
    };
    assert.deepEqual(kafkaSecurity(profile, secrets()), {
      ssl: {
        rejectUnauthorized: true,
        ca: ['CA PEM'],
        cert: 'CERT PEM',
        key: 'KEY PEM',
        servername: 'kafka.internal',
      },
    });
  });

  it('SASL SCRAM: the username from a variable, the password from a file without its newline', () => {
    const profile: ClusterProfile = {
      name: 'prod',
      bootstrapServers: ['k:9093'],
      sasl: { mechanism: 'scram-sha-512', username: { env: 'KAFKA_USER' }, password: { file: '/sasl/password' } },
    };
    assert.deepEqual(kafkaSecurity(profile, secrets()).sasl, {
      mechanism: 'scram-sha-512',
      username: 'scaler',
      password: 'pa55word',
    });
  });

  it('OAUTHBEARER: the token file is read again for every authentication', async () => {
    const files = { ...FILES };
    const profile: ClusterProfile = {
      name: 'prod',
      bootstrapServers: ['k:9093'],
      sasl: { mechanism: 'oauthbearer', token: { file: '/token' } },
    };
    const sasl = kafkaSecurity(profile, secrets(files)).sasl;
    assert.ok(sasl && 'authenticationProvider' in sasl);
    assert.equal(sasl.mechanism, 'oauthbearer');
    const sent: string[] = [];
    const login = () =>
      sasl
        .authenticationProvider({
          host: 'k',
          port: 9093,
          logger: undefined as never,
          saslAuthenticate: async ({ request, response }) => {
            sent.push((await request.encode()).subarray(4).toString());
            return response?.parse(await response.decode(Buffer.alloc(4)));
          },
        })
        .authenticate();
    await login();
    files['/token'] = 'token-2';
    await login();
    assert.deepEqual(sent, ['n,,\u0001auth=Bearer token-1\u0001\u0001', 'n,,\u0001auth=Bearer token-2\u0001\u0001']);
  });

  const failures: Array<{ name: string; profile: ClusterProfile; message: string }> = [
    {
      name: 'a missing file',
      profile: { name: 'p', bootstrapServers: ['k:1'], tls: { caFile: '/gone', insecureSkipVerify: false } },
      message: 'cluster profile "p": cannot read tls.caFile from file /gone (ENOENT)',
    },
    {
      name: 'an empty secret',
      profile: {
        name: 'p',
        bootstrapServers: ['k:1'],
        sasl: { mechanism: 'plain', username: { value: 'u' }, password: { file: '/empty' } },
      },
      message: 'cluster profile "p": sasl.password from file /empty is empty',
    },
    {
      name: 'an unset variable',
      profile: {
        name: 'p',
        bootstrapServers: ['k:1'],
        sasl: { mechanism: 'plain', username: { env: 'NOPE' }, password: { file: '/sasl/password' } },
      },
      message: 'cluster profile "p": sasl.username from environment variable NOPE is empty',
    },
  ];
  for (const f of failures) {
    it(`an unreadable secret is UNAVAILABLE, naming where it should be: ${f.name}`, () => {
      assert.throws(
        () => kafkaSecurity(f.profile, secrets()),
        (err: ScalerError) =>
          err instanceof ScalerError && err.code === 'KAFKA_UNAVAILABLE' && err.message === f.message,
      );
    });
  }
});
