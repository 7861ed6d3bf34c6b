import assert from 'node:assert/strict';
import { type SecureBroker, secureListeners, unsecuredToken } from './secureListeners.ts';

const TLS = {
  certificateChain: '-----BEGIN CERTIFICATE-----\nBROKER\n-----END CERTIFICATE-----\n',
  privateKey: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n',
  trustedCertificates: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
};

describe('harness secure listeners: broker properties and format arguments', () => {
  const cases: Array<{
    name: string;
    spec: SecureBroker;
    properties: Record<string, string>;
    formatArguments?: string[];
  }> = [
    {
      name: 'SASL_PLAINTEXT with PLAIN: users in the JAAS configuration of that listener only',
      spec: {
        listeners: [{ name: 'PLAIN_SASL', protocol: 'SASL_PLAINTEXT', mechanisms: ['PLAIN'] }],
        plainUsers: { bob: 'bob-secret', eve: 'eve-secret' },
      },
      properties: {
        'listener.name.plain_sasl.sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.plain_sasl.plain.sasl.jaas.config':
          'org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret" user_eve="eve-secret";',
      },
    },
    {
      name: 'SCRAM-SHA-256 and SCRAM-SHA-512: a ScramLoginModule per mechanism, users created at format time',
      spec: {
        listeners: [{ name: 'SCRAM', protocol: 'SASL_PLAINTEXT', mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] }],
        scramUsers: [
          { mechanism: 'SCRAM-SHA-256', name: 'alice', password: 'alice-secret' },
          { mechanism: 'SCRAM-SHA-512', name: 'carol', password: 'carol-secret' },
        ],
      },
      properties: {
        'listener.name.scram.sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
        'listener.name.scram.scram-sha-256.sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'listener.name.scram.scram-sha-512.sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      },
      formatArguments: [
        '--add-scram',
        'SCRAM-SHA-256=[name=alice,password=alice-secret]',
        '--add-scram',
        'SCRAM-SHA-512=[name=carol,password=carol-secret]',
      ],
    },
    {
      name: 'OAUTHBEARER: the broker logs itself in with an unsecured token; no validator class, so tokens are checked by the unsecured one',
      spec: {
        listeners: [{ name: 'OAUTH', protocol: 'SASL_PLAINTEXT', mechanisms: ['OAUTHBEARER'] }],
        oauthSubject: 'kafka',
      },
      properties: {
        'listener.name.oauth.sasl.enabled.mechanisms': 'OAUTHBEARER',
        'listener.name.oauth.oauthbearer.sasl.jaas.config':
          'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="kafka";',
      },
    },
    {
      name: 'SSL: PEM key store and trust store inline, no client certificate asked for by default',
      spec: { listeners: [{ name: 'TLS', protocol: 'SSL' }], tls: TLS },
      properties: {
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.certificate.chain': '-----BEGIN CERTIFICATE-----\nBROKER\n-----END CERTIFICATE-----',
        'ssl.keystore.key': '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----',
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----',
        'listener.name.tls.ssl.client.auth': 'none',
      },
    },
    {
      name: 'mutual TLS on one listener, SASL_SSL on another: client auth is per listener',
      spec: {
        listeners: [
          { name: 'MTLS', protocol: 'SSL', clientAuth: 'required' },
          { name: 'SASL_TLS', protocol: 'SASL_SSL', mechanisms: ['SCRAM-SHA-512'] },
        ],
        scramUsers: [{ mechanism: 'SCRAM-SHA-512', name: 'carol', password: 'carol-secret' }],
        tls: TLS,
      },
      properties: {
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.certificate.chain': '-----BEGIN CERTIFICATE-----\nBROKER\n-----END CERTIFICATE-----',
        'ssl.keystore.key': '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----',
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----',
        'listener.name.mtls.ssl.client.auth': 'required',
        'listener.name.sasl_tls.ssl.client.auth': 'none',
        'listener.name.sasl_tls.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
        'listener.name.sasl_tls.scram-sha-512.sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      },
      formatArguments: ['--add-scram', 'SCRAM-SHA-512=[name=carol,password=carol-secret]'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const options = secureListeners(c.spec);
      assert.deepEqual(options.brokerProperties(1), c.properties);
      assert.deepEqual(options.formatArguments, c.formatArguments ?? []);
      assert.deepEqual(
        options.listeners,
        c.spec.listeners.map(({ name, protocol }) => ({ name, protocol })),
      );
    });
  }
});

describe('harness secure listeners: inconsistent descriptions fail with one line', () => {
  const cases: Array<{ name: string; spec: SecureBroker; message: string }> = [
    { name: 'no listeners', spec: { listeners: [] }, message: 'secure listeners: none given' },
    {
      name: 'SASL without mechanisms',
      spec: { listeners: [{ name: 'S', protocol: 'SASL_PLAINTEXT' }] },
      message: 'listener S: SASL_PLAINTEXT needs at least one SASL mechanism',
    },
    {
      name: 'mechanisms on a TLS-only listener',
      spec: { listeners: [{ name: 'T', protocol: 'SSL', mechanisms: ['PLAIN'] }], tls: TLS },
      message: 'listener T: mechanisms apply to SASL_PLAINTEXT and SASL_SSL, not SSL',
    },
    {
      name: 'an unknown mechanism',
      spec: { listeners: [{ name: 'S', protocol: 'SASL_PLAINTEXT', mechanisms: ['GSSAPI' as 'PLAIN'] }] },
      message: 'listener S: mechanism "GSSAPI" must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER',
    },
    {
      name: 'client auth without TLS',
      spec: { listeners: [{ name: 'S', protocol: 'SASL_PLAINTEXT', mechanisms: ['PLAIN'], clientAuth: 'required' }] },
      message: 'listener S: clientAuth applies to SSL and SASL_SSL, not SASL_PLAINTEXT',
    },
    {
      name: 'TLS without key material',
      spec: { listeners: [{ name: 'T', protocol: 'SSL' }] },
      message: 'listener T: SSL needs tls',
    },
    {
      name: 'PLAIN with nobody to log in',
      spec: { listeners: [{ name: 'S', protocol: 'SASL_PLAINTEXT', mechanisms: ['PLAIN'] }] },
      message: 'PLAIN is enabled but plainUsers is empty',
    },
    {
      name: 'a SCRAM user for a mechanism no listener offers',
      spec: {
        listeners: [{ name: 'S', protocol: 'SASL_PLAINTEXT', mechanisms: ['SCRAM-SHA-256'] }],
        scramUsers: [{ mechanism: 'SCRAM-SHA-512', name: 'carol', password: 'x' }],
      },
      message: 'SCRAM user "carol": no listener enables SCRAM-SHA-512',
    },
    {
      name: 'a password that would need quoting',
      spec: {
        listeners: [{ name: 'S', protocol: 'SASL_PLAINTEXT', mechanisms: ['SCRAM-SHA-256'] }],
        scramUsers: [{ mechanism: 'SCRAM-SHA-256', name: 'alice', password: 'a,b]' }],
      },
      message: 'SCRAM user "alice": names and passwords may use only letters, digits, ".", "_" and "-"',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => secureListeners(c.spec), { name: 'HarnessError', message: `kafka harness: ${c.message}` });
    });
  }
});

describe('harness unsecured OAUTHBEARER token', () => {
  it('is an unsigned JWS: header alg none, sub, iat and exp in seconds, empty signature', () => {
    const token = unsecuredToken('scaler', 60_000, Date.parse('2026-01-01T00:00:00Z'));
    const [header, payload, signature] = token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(header!, 'base64url').toString()), { alg: 'none' });
    assert.deepEqual(JSON.parse(Buffer.from(payload!, 'base64url').toString()), {
      sub: 'scaler',
      iat: 1767225600,
      exp: 1767225660,
    });
    assert.equal(signature, '');
  });
});
