import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { toGrpcStatus } from '../errors.ts';
import { asPortError, type KafkaFaultKind, KafkaPortError } from './kafkaReader.ts';

describe('Kafka port errors', () => {
  // What KEDA sees for each kind: the ScalerError code, and the gRPC status errors.ts maps it to.
  const kinds: Array<[KafkaFaultKind, string, status]> = [
    ['unavailable', 'KAFKA_UNAVAILABLE', status.UNAVAILABLE],
    ['credentials', 'KAFKA_UNAVAILABLE', status.UNAVAILABLE],
    ['permission', 'KAFKA_PERMISSION_DENIED', status.PERMISSION_DENIED],
    ['topic-missing', 'TOPIC_NOT_FOUND', status.NOT_FOUND],
    ['internal', 'INTERNAL', status.INTERNAL],
  ];
  for (const [kind, code, grpc] of kinds) {
    it(`${kind} → ${code} → ${status[grpc]}, the message as details`, () => {
      const err = new KafkaPortError(kind, 'kafka cluster k:9092: what happened');
      assert.equal(err.kind, kind);
      assert.equal(err.code, code);
      const unexpected: unknown[] = [];
      assert.deepEqual(
        toGrpcStatus(err, (e) => unexpected.push(e)),
        { code: grpc, details: 'kafka cluster k:9092: what happened' },
      );
      assert.deepEqual(unexpected, []);
    });
  }

  it('asPortError keeps a port error and makes anything else internal, without its text', () => {
    const known = new KafkaPortError('permission', 'denied');
    assert.equal(asPortError(known), known);
    const bug = new TypeError('secret internals');
    const err = asPortError(bug);
    assert.equal(err.kind, 'internal');
    assert.equal(err.code, 'INTERNAL');
    assert.equal(err.message, 'internal error (see the scaler log)');
    assert.equal(err.cause, bug);
  });
});
