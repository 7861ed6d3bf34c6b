import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.ts';

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
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
    });
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
          'unknown variable SCALER_POLL_INTERVALL; known: SCALER_HOST, SCALER_GRPC_PORT, SCALER_HTTP_PORT, SCALER_POLL_INTERVAL, SCALER_MAX_STALENESS, SCALER_KAFKA_TIMEOUT, SCALER_POLLER_IDLE_TIMEOUT, SCALER_HISTORY, SCALER_FIRST_POLL_WAIT, SCALER_SHUTDOWN_TIMEOUT, SCALER_LOG_LEVEL',
        ]);
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
});
