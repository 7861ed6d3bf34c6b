import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { InvalidMetadataError, ScalerError, type ScalerErrorCode, toGrpcStatus } from './errors.ts';
import kafkajs from 'kafkajs';
import { isRoutingError, toKafkaError } from './kafka/kafkaErrors.ts';

describe('errors to gRPC status', () => {
  const codes: Array<[ScalerErrorCode, status]> = [
    ['INVALID_METADATA', status.INVALID_ARGUMENT],
    ['TOPIC_NOT_FOUND', status.NOT_FOUND],
    ['KAFKA_UNAVAILABLE', status.UNAVAILABLE],
    ['KAFKA_PERMISSION_DENIED', status.PERMISSION_DENIED],
    ['SNAPSHOT_STALE', status.UNAVAILABLE],
    ['FIRST_POLL_PENDING', status.UNAVAILABLE],
    ['SHUTTING_DOWN', status.UNAVAILABLE],
    ['NOT_IMPLEMENTED', status.UNIMPLEMENTED],
    ['CANCELLED', status.CANCELLED],
    ['INTERNAL', status.INTERNAL],
  ];
  for (const [code, grpc] of codes) {
    it(`${code} → ${status[grpc]}, message as details`, () => {
      const unexpected: unknown[] = [];
      assert.deepEqual(
        toGrpcStatus(new ScalerError(code, 'what happened'), (e) => unexpected.push(e)),
        {
          code: grpc,
          details: 'what happened',
        },
      );
      assert.deepEqual(unexpected, []);
    });
  }

  it('invalid metadata lists every problem', () => {
    const err = new InvalidMetadataError(['a is wrong', 'b is missing']);
    assert.deepEqual(
      toGrpcStatus(err, () => {}),
      {
        code: status.INVALID_ARGUMENT,
        details: 'invalid trigger metadata: a is wrong; b is missing',
      },
    );
  });

  it('anything else is INTERNAL with a generic detail, and is reported for logging', () => {
    const bug = new TypeError('cannot read properties of undefined (secret internals)');
    const unexpected: unknown[] = [];
    assert.deepEqual(
      toGrpcStatus(bug, (e) => unexpected.push(e)),
      { code: status.INTERNAL, details: 'internal error' },
    );
    assert.deepEqual(unexpected, [bug]);
  });
});

describe('kafkajs errors', () => {
  const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
  const protocolError = (type: string, message: string) =>
    new KafkaJSProtocolError(Object.assign(new Error(message), { type, code: 0, retriable: false }));
  const cases: Array<{ name: string; err: Error; code: string; message: string }> = [
    {
      name: 'a retry wrapper is unwrapped to the real reason',
      err: new KafkaJSNumberOfRetriesExceeded(
        new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'),
        {
          retryCount: 2,
          retryTime: 500,
        },
      ),
      code: 'KAFKA_UNAVAILABLE',
      message: 'kafka cluster k:9092: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    },
    {
      name: 'authorization failures are PERMISSION_DENIED',
      err: protocolError('GROUP_AUTHORIZATION_FAILED', 'Not authorized to access group'),
      code: 'KAFKA_PERMISSION_DENIED',
      message: 'kafka cluster k:9092: Not authorized to access group',
    },
    {
      name: 'any other protocol error is UNAVAILABLE',
      err: protocolError('LEADER_NOT_AVAILABLE', 'There is no leader for this topic-partition'),
      code: 'KAFKA_UNAVAILABLE',
      message: 'kafka cluster k:9092: There is no leader for this topic-partition',
    },
    {
      name: 'an error that is not from kafkajs is a bug: INTERNAL, without its text',
      err: new TypeError("Cannot read properties of undefined (reading 'offset')"),
      code: 'INTERNAL',
      message: 'internal error (see the scaler log)',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = toKafkaError(c.err, 'k:9092');
      assert.equal(err.code, c.code);
      assert.equal(err.message, c.message);
    });
  }

  it('routing errors (moved coordinator or leader, broken connection) are the retriable ones', () => {
    assert.equal(isRoutingError(protocolError('NOT_COORDINATOR', 'x')), true);
    assert.equal(isRoutingError(protocolError('NOT_LEADER_OR_FOLLOWER', 'x')), true);
    assert.equal(isRoutingError(new KafkaJSConnectionError('closed')), true);
    assert.equal(isRoutingError(protocolError('GROUP_AUTHORIZATION_FAILED', 'x')), false);
    assert.equal(isRoutingError(new TypeError('bug')), false);
  });

  it('ScalerErrors pass through unchanged', () => {
    const original = new ScalerError('TOPIC_NOT_FOUND', 'gone');
    assert.equal(toKafkaError(original, 'k:9092'), original);
  });
});
