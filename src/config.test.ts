import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { ConfigError, type ConfigFiles, loadConfig, VARIABLES, variablesHelp } from './config.ts';

describe('configuration', () => {
  it('defaults', () => {
    assert.deepEqual(loadConfig({}), {
      host: '0.0.0.0',
      grpcPort: 9090,
      httpPort: 8080,
      pollIntervalMs: 2_000,
      maxStalenessMs: 30_000,
      kafkaTimeoutMs: 10_000,
      pollerIdleTimeoutMs: 600_000,
      historyMs: 900_000,
      firstPollWaitMs: 2_000,
      maxPollers: 250,
      maxTriggers: 1000,
      maxStreams: 2000,
      maxClusters: 50,
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
      clusters: [],
    });
  });

  const counts = [
    { text: '1', want: 1 },
    { text: '2000', want: 2000 },
    { text: '0', problem: 'SCALER_MAX_POLLERS value "0" must be a whole number from 1 to 9999999' },
    { text: '+5', problem: 'SCALER_MAX_POLLERS value "+5" must be a whole number from 1 to 9999999' },
    { text: '1e3', problem: 'SCALER_MAX_POLLERS value "1e3" must be a whole number from 1 to 9999999' },
  ];
  for (const c of counts) {
    it(`SCALER_MAX_POLLERS "${c.text}": ${c.problem ?? c.want}`, () => {
      if (c.problem === undefined) assert.equal(loadConfig({ SCALER_MAX_POLLERS: c.text }).maxPollers, c.want);
      else
        assert.throws(
          () => loadConfig({ SCALER_MAX_POLLERS: c.text }),
          (err: ConfigError) => err.problems[0] === c.problem,
        );
    });
  }

  it('--help lists every variable with its default, from the one list validation reads', () => {
    const lines = variablesHelp().split('\n');
    for (const [name, spec] of Object.entries(VARIABLES)) {
      const line = lines.find((l) => l.trim().startsWith(`${name} `));
      assert.ok(line !== undefined, `${name} is not in the help`);
      assert.ok(line.includes(spec.doc.replaceAll('`', '')), `${name}'s doc is not in the help: ${line}`);
    }
    assert.match(
      lines.find((l) => l.trim().startsWith('SCALER_POLL_INTERVAL '))!,
      /how often each poller reads offsets \(default 2s\)$/,
    );
    assert.match(
      lines.find((l) => l.trim().startsWith('SCALER_LOG_LEVEL '))!,
      /one of fatal, error, warn, info, debug, trace, silent \(default info\)$/,
    );
    assert.doesNotMatch(
      lines.find((l) => l.trim().startsWith('SCALER_CLUSTERS_FILE '))!,
      /default/,
    );
  });

  it('reads ports with leading zeros, as it always has', () => {
    assert.equal(loadConfig({ SCALER_GRPC_PORT: '09090' }).grpcPort, 9090);
  });

  it('is frozen', () => {
    assert.ok(Object.isFrozen(loadConfig({})));
  });

  it('reads every variable; blank means default', () => {
    const config = loadConfig({
      SCALER_GRPC_PORT: '7000',
      SCALER_HTTP_PORT: ' ',
      SCALER_POLL_INTERVAL: '500ms',
      SCALER_MAX_STALENESS: '1m',
      SCALER_LOG_LEVEL: 'debug',
      PATH: '/bin',
    });
    assert.equal(config.grpcPort, 7000);
    assert.equal(config.httpPort, 8080);
    assert.equal(config.pollIntervalMs, 500);
    assert.equal(config.maxStalenessMs, 60_000);
    assert.equal(config.logLevel, 'debug');
  });

  it('reports every bad variable at once', () => {
    assert.throws(
      () =>
        loadConfig({
          SCALER_GRPC_PORT: 'ninety',
          SCALER_HTTP_PORT: '70000',
          SCALER_POLL_INTERVAL: 'often',
          SCALER_LOG_LEVEL: 'loud',
          SCALER_POLL_INTERVALL: '1s',
        }),
      (err: ConfigError) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems, [
          'SCALER_GRPC_PORT value "ninety" must be a port number from 0 to 65535',
          'SCALER_HTTP_PORT value "70000" must be a port number from 0 to 65535',
          `unable to parse duration value "often" for "SCALER_POLL_INTERVAL": must be either a duration string (e.g. '30s', '5m') or a number of milliseconds`,
          'SCALER_LOG_LEVEL value "loud" must be one of [fatal error warn info debug trace silent]',
          'unknown variable SCALER_POLL_INTERVALL; known: SCALER_HOST, SCALER_GRPC_PORT, SCALER_HTTP_PORT, SCALER_POLL_INTERVAL, SCALER_MAX_STALENESS, SCALER_KAFKA_TIMEOUT, SCALER_POLLER_IDLE_TIMEOUT, SCALER_HISTORY, SCALER_FIRST_POLL_WAIT, SCALER_MAX_POLLERS, SCALER_MAX_TRIGGERS, SCALER_MAX_STREAMS, SCALER_MAX_CLUSTERS, SCALER_SHUTDOWN_TIMEOUT, SCALER_LOG_LEVEL, SCALER_CLUSTERS_FILE, SCALER_TLS_CERT_FILE, SCALER_TLS_KEY_FILE, SCALER_TLS_CLIENT_CA_FILE',
        ]);
        return true;
      },
    );
  });

  const intervals = [
    { text: '100ms', want: 100 },
    { text: '99', problem: 'SCALER_POLL_INTERVAL value "99" must be at least 100ms' },
    { text: '0s', problem: 'SCALER_POLL_INTERVAL value "0s" must be at least 100ms' },
  ];
  for (const c of intervals) {
    it(`SCALER_POLL_INTERVAL "${c.text}": ${c.problem ?? c.want}`, () => {
      if (c.problem === undefined) assert.equal(loadConfig({ SCALER_POLL_INTERVAL: c.text }).pollIntervalMs, c.want);
      else
        assert.throws(
          () => loadConfig({ SCALER_POLL_INTERVAL: c.text, SCALER_LOG_LEVEL: 'loud' }),
          (err: ConfigError) => {
            // Reported with the other variables' problems, not only once they are all right.
            assert.deepEqual(err.problems, [
              c.problem,
              'SCALER_LOG_LEVEL value "loud" must be one of [fatal error warn info debug trace silent]',
            ]);
            return true;
          },
        );
    });
  }

  it('100,000 unknown variables: one problem, the known names once, the unknown ones cut short', () => {
    const env = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`SCALER_X${i}`, '1']));
    assert.throws(
      () => loadConfig(env),
      (err: ConfigError) => {
        assert.equal(err.problems.length, 1);
        const names = [...Object.keys(env)].sort().slice(0, 20).join(', ');
        assert.ok(err.problems[0]!.startsWith(`unknown variables ${names} and 99980 more; known: SCALER_HOST,`));
        assert.equal(err.message.split('SCALER_HOST').length, 2, 'the known names once');
        assert.ok(err.message.length < 2_000, `${err.message.length} characters`);
        return true;
      },
    );
  });

  it('many problems: the first 20, then how many more', () => {
    const clusters = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`c${i}`, {}]));
    assert.throws(
      () =>
        loadConfig(
          { SCALER_CLUSTERS_FILE: '/c.json' },
          { exists: () => true, read: () => JSON.stringify({ clusters }) },
        ),
      (err: ConfigError) => {
        assert.equal(err.problems.length, 21);
        assert.equal(err.problems[0], 'SCALER_CLUSTERS_FILE /c.json: clusters.c0.bootstrapServers is missing');
        assert.equal(err.problems[20], 'and 480 more problems');
        assert.ok(err.message.endsWith('; and 480 more problems'));
        return true;
      },
    );
  });

  it('checks the rules between variables', () => {
    assert.throws(
      () => loadConfig({ SCALER_POLL_INTERVAL: '30s', SCALER_MAX_STALENESS: '20s', SCALER_GRPC_PORT: '8080' }),
      {
        message:
          'invalid configuration: SCALER_MAX_STALENESS must be longer than SCALER_POLL_INTERVAL; SCALER_GRPC_PORT and SCALER_HTTP_PORT must differ',
      },
    );
    assert.throws(
      () => loadConfig({ SCALER_KAFKA_TIMEOUT: '30s' }),
      /SCALER_KAFKA_TIMEOUT must be shorter than SCALER_MAX_STALENESS/,
    );
  });

  /** Files that exist for these tests, with their text. */
  const files = (contents: Record<string, string>): ConfigFiles => ({
    exists: (path) => path in contents,
    read: (path) => contents[path] ?? '',
  });

  it('gRPC TLS: certificate and key, and a client CA for mutual TLS', () => {
    const env = {
      SCALER_TLS_CERT_FILE: '/tls/tls.crt',
      SCALER_TLS_KEY_FILE: '/tls/tls.key',
      SCALER_TLS_CLIENT_CA_FILE: '/tls/ca.crt',
    };
    const config = loadConfig(env, files({ '/tls/tls.crt': '', '/tls/tls.key': '', '/tls/ca.crt': '' }));
    assert.deepEqual(config.grpcTls, {
      certFile: '/tls/tls.crt',
      keyFile: '/tls/tls.key',
      clientCaFile: '/tls/ca.crt',
    });
    assert.equal(loadConfig({}).grpcTls, undefined, 'plaintext by default');
  });

  const tlsProblems: Array<{ name: string; env: Record<string, string>; problems: string[] }> = [
    {
      name: 'a certificate without its key',
      env: { SCALER_TLS_CERT_FILE: '/tls/tls.crt' },
      problems: ['SCALER_TLS_CERT_FILE and SCALER_TLS_KEY_FILE must be set together'],
    },
    {
      name: 'a client CA without a server certificate',
      env: { SCALER_TLS_CLIENT_CA_FILE: '/tls/ca.crt' },
      problems: [
        'SCALER_TLS_CLIENT_CA_FILE needs SCALER_TLS_CERT_FILE and SCALER_TLS_KEY_FILE (mutual TLS is TLS first)',
      ],
    },
    {
      name: 'files that do not exist',
      env: {
        SCALER_TLS_CERT_FILE: '/nope.crt',
        SCALER_TLS_KEY_FILE: '/tls/tls.key',
        SCALER_CLUSTERS_FILE: '/nope.json',
      },
      problems: [
        'SCALER_CLUSTERS_FILE value "/nope.json" names no file that exists and can be read',
        'SCALER_TLS_CERT_FILE value "/nope.crt" names no file that exists and can be read',
      ],
    },
    {
      name: 'a private key written where its file name belongs: never quoted',
      env: { SCALER_TLS_CERT_FILE: '/tls/tls.crt', SCALER_TLS_KEY_FILE: '-----BEGIN PRIVATE KEY-----MIIEv' },
      problems: ['SCALER_TLS_KEY_FILE names no file that exists and can be read'],
    },
  ];
  for (const c of tlsProblems) {
    it(`TLS and profile files: ${c.name}`, () => {
      assert.throws(
        () => loadConfig(c.env, files({ '/tls/tls.crt': '', '/tls/tls.key': '', '/tls/ca.crt': '' })),
        (err: ConfigError) => {
          assert.deepEqual(err.problems, c.problems);
          return true;
        },
      );
    });
  }

  it('reads cluster profiles from SCALER_CLUSTERS_FILE, and reports their problems with the others', () => {
    const good = JSON.stringify({ clusters: { prod: { bootstrapServers: 'k0:9093,k1:9093' } } });
    assert.deepEqual(loadConfig({ SCALER_CLUSTERS_FILE: '/c.json' }, files({ '/c.json': good })).clusters, [
      { name: 'prod', bootstrapServers: ['k0:9093', 'k1:9093'] },
    ]);
    assert.throws(
      () =>
        loadConfig(
          { SCALER_CLUSTERS_FILE: '/c.json', SCALER_LOG_LEVEL: 'loud' },
          files({ '/c.json': '{"clusters":{"prod":{}}}' }),
        ),
      (err: ConfigError) => {
        assert.deepEqual(err.problems, [
          'SCALER_LOG_LEVEL value "loud" must be one of [fatal error warn info debug trace silent]',
          'SCALER_CLUSTERS_FILE /c.json: clusters.prod.bootstrapServers is missing',
        ]);
        return true;
      },
    );
  });

  it('a folder names no file: a problem, not a crash when it is read', () => {
    const folder = tmpdir();
    assert.throws(
      () => loadConfig({ SCALER_CLUSTERS_FILE: folder, SCALER_TLS_CERT_FILE: folder, SCALER_TLS_KEY_FILE: folder }),
      (err: ConfigError) => {
        assert.deepEqual(err.problems, [
          `SCALER_CLUSTERS_FILE value "${folder}" names no file that exists and can be read`,
          `SCALER_TLS_CERT_FILE value "${folder}" names no file that exists and can be read`,
          'SCALER_TLS_KEY_FILE names no file that exists and can be read',
        ]);
        return true;
      },
    );
  });

  it('a clusters file that cannot be read after all is a problem, not a crash', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const files: ConfigFiles = {
      exists: () => true,
      read: () => {
        throw denied;
      },
    };
    assert.throws(
      () => loadConfig({ SCALER_CLUSTERS_FILE: '/c.json' }, files),
      (err: ConfigError) => {
        assert.deepEqual(err.problems, ['SCALER_CLUSTERS_FILE value "/c.json" could not be read (EACCES)']);
        return true;
      },
    );
  });

  it("a long clusters file path is shortened in its profiles' problems", () => {
    const path = `/${'d'.repeat(4000)}.json`;
    assert.throws(
      () => loadConfig({ SCALER_CLUSTERS_FILE: path }, files({ [path]: '{"clusters":{"prod":{}}}' })),
      (err: ConfigError) => {
        assert.equal(err.problems.length, 1);
        assert.match(
          err.problems[0]!,
          /^SCALER_CLUSTERS_FILE \/d+…\(4006 characters\): clusters\.prod\.bootstrapServers/,
        );
        assert.ok(err.problems[0]!.length < 200, err.problems[0]);
        return true;
      },
    );
  });
});
