import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { ScalerError } from '../errors.ts';
import { classifyKafkajsError, isCredentialError, isRoutingError, kafkajsFaultKind } from './kafkajsErrors.ts';
import { type KafkaFaultKind, KafkaPortError } from './kafkaReader.ts';

describe('kafkajs errors to port errors', () => {
  const {
    KafkaJSConnectionError,
    KafkaJSNumberOfRetriesExceeded,
    KafkaJSProtocolError,
    KafkaJSRequestTimeoutError,
    KafkaJSSASLAuthenticationError,
  } = kafkajs;
  // Its declared constructor takes no arguments; the real one takes a message.
  const saslError = (message: string) =>
    new (KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error)(message);
  const tlsError = (code: string) =>
    new KafkaJSNumberOfRetriesExceeded(
      new KafkaJSConnectionError('Connection error: 40BD:error:0A000412:SSL routines:ssl3_read_bytes:...', {
        broker: '127.0.0.1:9093',
        code,
      }),
      { retryCount: 1, retryTime: 300 },
    );
  const protocolError = (type: string, message: string) =>
    new KafkaJSProtocolError(Object.assign(new Error(message), { type, code: 0, retriable: false }));
  const cases: Array<{ name: string; err: Error; kind: KafkaFaultKind; code: string; message: string }> = [
    {
      name: 'a retry wrapper is unwrapped to the real reason',
      err: new KafkaJSNumberOfRetriesExceeded(
        new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'),
        {
          retryCount: 2,
          retryTime: 500,
        },
      ),
      kind: 'unavailable',
      code: 'KAFKA_UNAVAILABLE',
      message: 'kafka cluster k:9092: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    },
    {
      name: 'authorization failures are PERMISSION_DENIED',
      err: protocolError('GROUP_AUTHORIZATION_FAILED', 'Not authorized to access group'),
      kind: 'permission',
      code: 'KAFKA_PERMISSION_DENIED',
      message: 'kafka cluster k:9092: Not authorized to access group',
    },
    {
      name: 'a refused SASL login is UNAVAILABLE (a rotated secret fixes it), in kafkajs words',
      err: saslError(
        'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
      ),
      kind: 'credentials',
      code: 'KAFKA_UNAVAILABLE',
      message:
        'kafka cluster k:9092: SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    },
    {
      name: 'a SASL error type from the broker is UNAVAILABLE too',
      err: protocolError('ILLEGAL_SASL_STATE', 'Request is not valid given the current SASL state'),
      kind: 'credentials',
      code: 'KAFKA_UNAVAILABLE',
      message: 'kafka cluster k:9092: Request is not valid given the current SASL state',
    },
    {
      name: 'a client certificate the broker refused, in words instead of OpenSSL internals',
      err: tlsError('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'),
      kind: 'credentials',
      code: 'KAFKA_UNAVAILABLE',
      message:
        'kafka cluster k:9092: TLS handshake with 127.0.0.1:9093 failed: the broker did not accept the client certificate (none is configured, or the broker does not trust its CA) (ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE)',
    },
    {
      name: 'a broker certificate from an unknown CA names the setting to fix',
      err: tlsError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
      kind: 'credentials',
      code: 'KAFKA_UNAVAILABLE',
      message:
        "kafka cluster k:9092: TLS handshake with 127.0.0.1:9093 failed: the broker's certificate is not signed by a trusted CA (tls.caFile) (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
    },
    {
      name: 'a TLS failure without a known meaning keeps its code',
      err: tlsError('ERR_SSL_WRONG_VERSION_NUMBER'),
      kind: 'credentials',
      code: 'KAFKA_UNAVAILABLE',
      message: 'kafka cluster k:9092: TLS handshake with 127.0.0.1:9093 failed (ERR_SSL_WRONG_VERSION_NUMBER)',
    },
    {
      name: 'a topic authorization failure is PERMISSION_DENIED',
      err: protocolError('TOPIC_AUTHORIZATION_FAILED', 'Not authorized to access topics: [Topic authorization failed]'),
      kind: 'permission',
      code: 'KAFKA_PERMISSION_DENIED',
      message: 'kafka cluster k:9092: Not authorized to access topics: [Topic authorization failed]',
    },
    {
      name: 'a cluster authorization failure is PERMISSION_DENIED',
      err: protocolError('CLUSTER_AUTHORIZATION_FAILED', 'Cluster authorization failed'),
      kind: 'permission',
      code: 'KAFKA_PERMISSION_DENIED',
      message: 'kafka cluster k:9092: Cluster authorization failed',
    },
    {
      name: 'SASL_AUTHENTICATION_FAILED from the broker is refused credentials',
      err: protocolError('SASL_AUTHENTICATION_FAILED', 'SASL Authentication failed'),
      kind: 'credentials',
      code: 'KAFKA_UNAVAILABLE',
      message: 'kafka cluster k:9092: SASL Authentication failed',
    },
    {
      name: "an expired broker certificate is the client's to fix as well",
      err: tlsError('CERT_HAS_EXPIRED'),
      kind: 'credentials',
      code: 'KAFKA_UNAVAILABLE',
      message:
        "kafka cluster k:9092: TLS handshake with 127.0.0.1:9093 failed: the broker's certificate has expired (CERT_HAS_EXPIRED)",
    },
    {
      name: 'a request that timed out is UNAVAILABLE',
      err: new KafkaJSRequestTimeoutError('Request Metadata(key: 3, version: 6) timed out'),
      kind: 'unavailable',
      code: 'KAFKA_UNAVAILABLE',
      message: 'kafka cluster k:9092: Request Metadata(key: 3, version: 6) timed out',
    },
    {
      name: 'any other protocol error is UNAVAILABLE',
      err: protocolError('LEADER_NOT_AVAILABLE', 'There is no leader for this topic-partition'),
      kind: 'unavailable',
      code: 'KAFKA_UNAVAILABLE',
      message: 'kafka cluster k:9092: There is no leader for this topic-partition',
    },
    {
      name: 'an error that is not from kafkajs is a bug: INTERNAL, without its text',
      err: new TypeError("Cannot read properties of undefined (reading 'offset')"),
      kind: 'internal',
      code: 'INTERNAL',
      message: 'internal error (see the scaler log)',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.kind}`, () => {
      assert.equal(kafkajsFaultKind(c.err), c.kind);
      const err = classifyKafkajsError(c.err, 'k:9092');
      assert.ok(err instanceof KafkaPortError);
      assert.equal(err.kind, c.kind);
      assert.equal(err.code, c.code);
      assert.equal(err.message, c.message);
      assert.equal(err.cause, c.err);
    });
  }

  it('routing errors (moved coordinator or leader, broken connection) are the retriable ones', () => {
    assert.equal(isRoutingError(protocolError('NOT_COORDINATOR', 'x')), true);
    assert.equal(isRoutingError(protocolError('NOT_LEADER_OR_FOLLOWER', 'x')), true);
    assert.equal(isRoutingError(new KafkaJSConnectionError('closed')), true);
    assert.equal(isRoutingError(protocolError('GROUP_AUTHORIZATION_FAILED', 'x')), false);
    assert.equal(isRoutingError(new TypeError('bug')), false);
  });

  const credentials: Array<{ name: string; err: unknown; refused: boolean }> = [
    { name: 'a SASL login kafkajs reports as failed', err: saslError('x'), refused: true },
    { name: 'SASL_AUTHENTICATION_FAILED', err: protocolError('SASL_AUTHENTICATION_FAILED', 'x'), refused: true },
    { name: 'a refused client certificate', err: tlsError('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), refused: true },
    { name: 'an expired broker certificate', err: tlsError('CERT_HAS_EXPIRED'), refused: true },
    {
      name: 'a refused login behind a ScalerError',
      err: new ScalerError('KAFKA_UNAVAILABLE', 'x', { cause: saslError('x') }),
      refused: true,
    },
    { name: 'a refused connection', err: new KafkaJSConnectionError('x', { code: 'ECONNREFUSED' }), refused: false },
    { name: 'an authorization failure', err: protocolError('GROUP_AUTHORIZATION_FAILED', 'x'), refused: false },
    { name: 'a bug', err: new TypeError('x'), refused: false },
  ];
  for (const c of credentials) {
    it(`credentials refused (rebuild the client, read the secrets again): ${c.name} → ${c.refused}`, () => {
      assert.equal(isCredentialError(c.err), c.refused);
    });
  }

  it('KafkaPortErrors pass through unchanged', () => {
    const original = new KafkaPortError('topic-missing', 'gone');
    assert.equal(classifyKafkajsError(original, 'k:9092'), original);
  });
});
