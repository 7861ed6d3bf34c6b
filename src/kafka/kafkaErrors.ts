/**
 * kafkajs errors → ScalerErrors. Branches on kafkajs's `type` and `name`,
 * never on message text. The cluster is named in every message so an operator
 * serving several clusters sees which one is in trouble.
 */
import { ScalerError } from '../errors.ts';

const PERMISSION_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);

/** Coordinator answers after which the cached coordinator must be looked up again. */
export const COORDINATOR_MOVED = new Set([
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
]);

/** Errors after which cached routing (coordinator, leaders, connections) must be rebuilt. */
const ROUTING_TYPES = new Set([
  ...COORDINATOR_MOVED,
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'REPLICA_NOT_AVAILABLE',
]);
const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
]);

/** Whether retrying with fresh routing may succeed. */
export function isRoutingError(err: unknown): boolean {
  const e = err as KafkajsLikeError | undefined;
  return ROUTING_TYPES.has(e?.type ?? '') || CONNECTION_ERRORS.has(e?.name ?? '');
}

/** Whether the error comes from kafkajs (as opposed to a bug of ours). */
export function isKafkaError(err: unknown): boolean {
  const name = (err as KafkajsLikeError | undefined)?.name;
  return typeof name === 'string' && name.startsWith('KafkaJS');
}

interface KafkajsLikeError {
  readonly name?: string;
  readonly type?: string;
  readonly message?: string;
  readonly cause?: unknown;
}

/** The kafkajs error `type` (e.g. "NOT_COORDINATOR"), if any. */
export function kafkaErrorType(err: unknown): string | undefined {
  return (err as KafkajsLikeError | undefined)?.type;
}

/**
 * A ScalerError for a failed Kafka call against `cluster`. ScalerErrors pass
 * through; anything that is not a kafkajs error is a bug of ours and becomes
 * INTERNAL, so a broken assumption never looks like a Kafka outage.
 */
export function toKafkaError(err: unknown, cluster: string): ScalerError {
  if (err instanceof ScalerError) return err;
  if (!isKafkaError(err)) return new ScalerError('INTERNAL', 'internal error (see the scaler log)', { cause: err });
  const e = (err ?? {}) as KafkajsLikeError;
  const type = e.type;
  const message = describe(e);
  if (type && PERMISSION_TYPES.has(type)) {
    return new ScalerError('KAFKA_PERMISSION_DENIED', `kafka cluster ${cluster}: ${message}`, { cause: err });
  }
  return new ScalerError('KAFKA_UNAVAILABLE', `kafka cluster ${cluster}: ${message}`, { cause: err });
}

/** kafkajs wraps the real reason ("Connection error: connect ECONNREFUSED ...") in a retry error. */
function describe(e: KafkajsLikeError): string {
  let current: KafkajsLikeError | undefined = e;
  const seen = new Set<unknown>();
  while (current && !seen.has(current)) {
    seen.add(current);
    const inner = current.cause as KafkajsLikeError | undefined;
    if (!inner || typeof inner.message !== 'string') break;
    current = inner;
  }
  return (current?.message || e.message || e.name || 'unknown error').replace(/\s+/g, ' ').trim();
}
