import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { InvalidMetadataError, ScalerError, type ScalerErrorCode, toGrpcStatus } from './errors.ts';

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
