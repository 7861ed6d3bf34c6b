import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type ClusterProfile, findProfile, parseClusterProfiles, profilesJsonSchema } from './clusterProfiles.ts';

const FILES = new Set(['/tls/ca.crt', '/tls/client.crt', '/tls/client.key', '/sasl/password', '/token']);
const parse = (json: unknown, env: NodeJS.ProcessEnv = { KAFKA_PASSWORD: 's3cret' }) =>
  parseClusterProfiles(JSON.stringify(json), 'clusters.json', env, (path) => FILES.has(path));

describe('cluster profiles', () => {
  it('reads every setting', () => {
    const { profiles, problems } = parse({
      clusters: {
        prod: {
          bootstrapServers: 'k0:9093, k1:9093',
          tls: {
            caFile: '/tls/ca.crt',
            certFile: '/tls/client.crt',
            keyFile: '/tls/client.key',
            serverName: 'kafka.internal',
          },
          sasl: { mechanism: 'SCRAM-SHA-512', username: 'scaler', passwordEnv: 'KAFKA_PASSWORD' },
        },
        staging: {
          bootstrapServers: ['s0:9092'],
          sasl: { mechanism: 'oauthbearer', tokenFile: '/token' },
        },
        dev: { bootstrapServers: 'localhost:9092' },
      },
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(profiles, [
      {
        name: 'prod',
        bootstrapServers: ['k0:9093', 'k1:9093'],
        tls: {
          caFile: '/tls/ca.crt',
          certFile: '/tls/client.crt',
          keyFile: '/tls/client.key',
          serverName: 'kafka.internal',
          insecureSkipVerify: false,
        },
        sasl: { mechanism: 'scram-sha-512', username: { value: 'scaler' }, password: { env: 'KAFKA_PASSWORD' } },
      },
      { name: 'staging', bootstrapServers: ['s0:9092'], sasl: { mechanism: 'oauthbearer', token: { file: '/token' } } },
      { name: 'dev', bootstrapServers: ['localhost:9092'] },
    ]);
  });

  const cases: Array<{ name: string; json: unknown; problems: string[] }> = [
    { name: 'no clusters', json: {}, problems: ['clusters.json: clusters is missing'] },
    {
      name: 'unknown keys at every level',
      json: {
        cluster: {},
        clusters: {
          a: {
            bootstrapServer: 'x:1',
            bootstrapServers: 'x:1',
            tls: { ca: '/x' },
            sasl: { mechanism: 'plain', user: 'u', username: 'u', passwordFile: '/sasl/password' },
          },
        },
      },
      problems: [
        'clusters.json: cluster is not a known setting; known: $schema, clusters',
        'clusters.json: clusters.a.bootstrapServer is not a known setting; known: bootstrapServers, tls, sasl',
        'clusters.json: clusters.a.tls.ca is not a known setting; known: caFile, certFile, keyFile, keyPasswordFile, keyPasswordEnv, serverName, insecureSkipVerify',
        'clusters.json: clusters.a.sasl.user is not a known setting; known: mechanism, username, usernameFile, usernameEnv, passwordFile, passwordEnv, tokenFile, tokenEnv',
      ],
    },
    {
      name: 'bad names, addresses and a server claimed twice',
      json: {
        clusters: {
          Prod: { bootstrapServers: 'k0' },
          p: { bootstrapServers: 'k0' },
          b: { bootstrapServers: [] },
          c: { bootstrapServers: 'x:1' },
          d: { bootstrapServers: 'X:1' },
        },
      },
      problems: [
        'clusters.json: clusters.Prod must be named in lower case letters, digits and dashes (at most 63)',
        'clusters.json: clusters.p.bootstrapServers value "k0" must be host:port addresses (ports 1 to 65535), e.g. "kafka-0:9092,kafka-1:9092"',
        'clusters.json: clusters.b.bootstrapServers value "" must name at least one host:port',
        'clusters.json: clusters.d.bootstrapServers "X:1" is also in clusters.c',
      ],
    },
    {
      name: 'TLS: missing files, a certificate without its key, a non-boolean',
      json: {
        clusters: {
          a: {
            bootstrapServers: 'x:1',
            tls: { caFile: '/nope', certFile: '/tls/client.crt', insecureSkipVerify: 'yes' },
          },
        },
      },
      problems: [
        'clusters.json: clusters.a.tls.caFile names no file that exists and can be read',
        'clusters.json: clusters.a.tls.insecureSkipVerify must be true or false',
        'clusters.json: clusters.a.tls needs certFile and keyFile together',
      ],
    },
    {
      name: 'null where a setting is optional, and a wrong secret reported once',
      json: {
        clusters: {
          a: { bootstrapServers: 'x:1', tls: null, sasl: { mechanism: 'plain', username: 'u', passwordEnv: 'UNSET' } },
          b: { bootstrapServers: 'y:1', tls: { caFile: null, certFile: '/nope', keyFile: '/tls/client.key' } },
          c: { bootstrapServers: 'z:1', sasl: {} },
        },
      },
      problems: [
        'clusters.json: clusters.a.tls must not be null (leave the setting out instead)',
        "clusters.json: clusters.a.sasl.passwordEnv names an environment variable that is not set in the scaler's environment",
        'clusters.json: clusters.b.tls.caFile must not be null (leave the setting out instead)',
        'clusters.json: clusters.b.tls.certFile names no file that exists and can be read',
        'clusters.json: clusters.c.sasl.mechanism is missing; one of [plain scram-sha-256 scram-sha-512 oauthbearer]',
      ],
    },
    {
      name: 'SASL: an unknown mechanism',
      json: { clusters: { a: { bootstrapServers: 'x:1', sasl: { mechanism: 'gssapi' } } } },
      problems: [
        'clusters.json: clusters.a.sasl.mechanism value "gssapi" must be one of [plain scram-sha-256 scram-sha-512 oauthbearer]',
      ],
    },
    {
      name: 'SASL: no password, an unset variable, two usernames',
      json: {
        clusters: {
          a: { bootstrapServers: 'x:1', sasl: { mechanism: 'plain', username: 'u' } },
          b: {
            bootstrapServers: 'y:1',
            sasl: { mechanism: 'scram-sha-256', username: 'u', usernameEnv: 'KAFKA_PASSWORD', passwordEnv: 'UNSET' },
          },
        },
      },
      problems: [
        "clusters.json: clusters.b.sasl.passwordEnv names an environment variable that is not set in the scaler's environment",
        'clusters.json: clusters.a.sasl needs passwordFile or passwordEnv',
        'clusters.json: clusters.b.sasl sets username more than once; set one of username, usernameFile, usernameEnv',
      ],
    },
    {
      name: 'SASL: a password and a token where they do not apply',
      json: {
        clusters: {
          a: { bootstrapServers: 'x:1', sasl: { mechanism: 'oauthbearer', username: 'u', tokenFile: '/token' } },
          b: {
            bootstrapServers: 'y:1',
            sasl: { mechanism: 'plain', username: 'u', passwordFile: '/sasl/password', tokenFile: '/token' },
          },
        },
      },
      problems: [
        'clusters.json: clusters.a.sasl.username does not apply to oauthbearer (it uses tokenFile or tokenEnv)',
        'clusters.json: clusters.b.sasl.tokenFile does not apply to plain (it uses a username and password)',
      ],
    },
  ];
  for (const c of cases) {
    it(`problems: ${c.name}`, () => assert.deepEqual(parse(c.json).problems, c.problems));
  }

  it('problems: a megabyte-long cluster name and setting name are shortened, and the badly named cluster not read', () => {
    const [name, setting] = ['N'.repeat(1_000_000), 's'.repeat(1_000_000)];
    const { problems } = parse({
      clusters: {
        [name]: { bootstrapServers: 'k0', tls: { ca: '/x' } },
        a: { bootstrapServers: 'x:1', [setting]: true },
      },
    });
    assert.deepEqual(problems, [
      `clusters.json: clusters.${'N'.repeat(64)}…(1000000 characters) must be named in lower case letters, digits and dashes (at most 63)`,
      `clusters.json: clusters.a.${'s'.repeat(64)}…(1000000 characters) is not a known setting; known: bootstrapServers, tls, sasl`,
    ]);
    assert.ok(problems.join('; ').length < 500, `${problems.join('; ').length} characters`);
  });

  it('problems: not JSON', () => {
    const { problems } = parseClusterProfiles('{clusters:', 'clusters.json', {}, () => true);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^clusters\.json: not valid JSON/);
  });

  /** A secret written where the name of its file or variable belongs: no message may quote it. */
  const SECRET = 's3cr3tPassw0rd';
  const leaks: Array<{ name: string; text: string; problems: string[] }> = [
    ...(
      [
        ['passwordEnv', { username: 'u' }],
        ['usernameEnv', { passwordFile: '/sasl/password' }],
      ] as const
    ).map(([key, others]) => ({
      name: `the password as ${key}`,
      text: JSON.stringify({
        clusters: { a: { bootstrapServers: 'x:1', sasl: { mechanism: 'plain', ...others, [key]: SECRET } } },
      }),
      problems: [
        `clusters.json: clusters.a.sasl.${key} names an environment variable that is not set in the scaler's environment`,
      ],
    })),
    {
      name: 'the password, not a variable name, as passwordEnv',
      text: JSON.stringify({
        clusters: {
          a: { bootstrapServers: 'x:1', sasl: { mechanism: 'plain', username: 'u', passwordEnv: `${SECRET}!` } },
        },
      }),
      problems: ['clusters.json: clusters.a.sasl.passwordEnv is not an environment variable name'],
    },
    {
      name: 'the token as tokenFile, the key password as keyPasswordEnv, a key as keyFile',
      text: JSON.stringify({
        clusters: {
          a: {
            bootstrapServers: 'x:1',
            tls: { certFile: '/tls/client.crt', keyFile: `-----BEGIN KEY-----${SECRET}`, keyPasswordEnv: SECRET },
            sasl: { mechanism: 'oauthbearer', tokenFile: SECRET },
          },
        },
      }),
      problems: [
        'clusters.json: clusters.a.tls.keyFile names no file that exists and can be read',
        "clusters.json: clusters.a.tls.keyPasswordEnv names an environment variable that is not set in the scaler's environment",
        'clusters.json: clusters.a.sasl.tokenFile names no file that exists and can be read',
      ],
    },
    {
      name: 'the password unquoted, so the file is not JSON',
      text: `{"clusters": {"a": {"bootstrapServers": "x:1", "sasl": {"passwordEnv": ${SECRET}}}}}`,
      problems: ['clusters.json: not valid JSON (Unexpected token (the text is not quoted: it may hold a secret))'],
    },
  ];
  for (const c of leaks) {
    it(`never quotes a secret: ${c.name}`, () => {
      const { problems } = parseClusterProfiles(c.text, 'clusters.json', {}, (path) => FILES.has(path));
      assert.deepEqual(problems, c.problems);
      for (const problem of problems) assert.ok(!problem.includes(SECRET.slice(0, 6)), problem);
    });
  }

  describe('the published JSON Schema (docs/cluster-profiles.schema.json)', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const published: unknown = JSON.parse(readFileSync(path.join(root, 'docs/cluster-profiles.schema.json'), 'utf8'));
    it('is the one the parser is built from (make json-schemas writes it)', () => {
      assert.deepEqual(published, profilesJsonSchema());
    });
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(profilesJsonSchema());
    const documents: Array<[string, unknown, boolean]> = [
      [
        'the shipped deploy/base/clusters.json',
        JSON.parse(readFileSync(path.join(root, 'deploy/base/clusters.json'), 'utf8')),
        true,
      ],
      [
        'every setting',
        {
          clusters: {
            a: {
              bootstrapServers: ['x:1'],
              tls: { caFile: '/c', insecureSkipVerify: true },
              sasl: { mechanism: 'plain', username: 'u', passwordEnv: 'P' },
            },
          },
        },
        true,
      ],
      ['a misspelled setting', { clusters: { a: { bootstrapServer: 'x:1' } } }, false],
      ['an unknown mechanism', { clusters: { a: { bootstrapServers: 'x:1', sasl: { mechanism: 'gssapi' } } } }, false],
      [
        'a string for a boolean',
        { clusters: { a: { bootstrapServers: 'x:1', tls: { insecureSkipVerify: 'yes' } } } },
        false,
      ],
      [
        'a mechanism in capitals, as Kafka writes it',
        {
          clusters: {
            a: { bootstrapServers: 'x:1', sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', passwordEnv: 'P' } },
          },
        },
        true,
      ],
      ['a list of servers with blanks', { clusters: { a: { bootstrapServers: ' x:1, ,y:2 ' } } }, true],
      ['null for a setting', { clusters: { a: { bootstrapServers: 'x:1', tls: null } } }, false],
      ['a blank file name', { clusters: { a: { bootstrapServers: 'x:1', tls: { caFile: '  ' } } } }, false],
      ['a server that is not host:port', { clusters: { a: { bootstrapServers: ['x:1', 'y'] } } }, false],
      [
        'a variable name that is not one',
        {
          clusters: {
            a: { bootstrapServers: 'x:1', sasl: { mechanism: 'plain', username: 'u', passwordEnv: 'hunter2!' } },
          },
        },
        false,
      ],
      ['a cluster name in capitals', { clusters: { Prod: { bootstrapServers: 'x:1' } } }, false],
      [
        'a mechanism in mixed case',
        {
          clusters: {
            a: { bootstrapServers: 'x:1', sasl: { mechanism: ' Scram-Sha-512', username: 'u', passwordEnv: 'P' } },
          },
        },
        true,
      ],
      ['two servers in one list entry', { clusters: { a: { bootstrapServers: ['x:1,y:2'] } } }, false],
      ['port 0', { clusters: { a: { bootstrapServers: 'x:0' } } }, false],
      ['port 99999', { clusters: { a: { bootstrapServers: 'x:99999' } } }, false],
      ['a port with a leading zero', { clusters: { a: { bootstrapServers: 'x:09092' } } }, false],
      ['the highest port', { clusters: { a: { bootstrapServers: '[::1]:65535, x:1' } } }, true],
      ['a port past the highest', { clusters: { a: { bootstrapServers: 'x:65536' } } }, false],
    ];
    for (const [name, document, valid] of documents) {
      it(`${valid ? 'accepts' : 'rejects'} ${name}, as the parser does`, () => {
        assert.equal(validate(document), valid, JSON.stringify(validate.errors));
        const problems = parseClusterProfiles(JSON.stringify(document), 'c.json', { P: 'x' }, () => true).problems;
        assert.equal(problems.length === 0, valid, problems.join('; '));
      });
    }
  });

  describe('which profile a trigger uses', () => {
    const profiles: ClusterProfile[] = [
      { name: 'prod', bootstrapServers: ['k0:9093', 'k1:9093'] },
      { name: 'dev', bootstrapServers: ['localhost:9092'] },
    ];
    const cases: Array<[string, string, string[], string | undefined]> = [
      ['by name', 'prod', [], 'prod'],
      ['by name, with some of its servers', 'prod', ['K1:9093'], 'prod'],
      ['by name, with a server it does not have', 'prod', ['evil:9092'], undefined],
      ['by servers alone', '', ['k0:9093'], 'prod'],
      ['servers of two profiles', '', ['k0:9093', 'localhost:9092'], undefined],
      ['an unknown server', '', ['evil:9092'], undefined],
      ['nothing named', '', [], undefined],
    ];
    for (const [name, cluster, servers, expected] of cases) {
      it(name, () => assert.equal(findProfile(profiles, cluster, servers)?.name, expected));
    }
  });
});
