/**
 * kafkajs errors → KafkaPortErrors, for the kafkajs adapter alone: nothing
 * outside it sees a kafkajs error. Branches on kafkajs's `type`, `name` and
 * Node's TLS error `code`, never on message text. The cluster is named in
 * every message so an operator serving several clusters sees which one is in
 * trouble.
 *
 * Authorization failures (ACLs) are `permission`. Authentication failures
 * (refused SASL credentials, a failed TLS handshake) are `credentials`,
 * reported as unavailable like any other failure to read: they are fixed by
 * rotating a secret, which the reader picks up on its own. Any other kafkajs
 * error is `unavailable`; an error that is not from kafkajs is a bug, `internal`.
 */
import { INTERNAL_ERROR_DETAIL } from '../errors.ts';
import { type KafkaFaultKind, KafkaPortError } from './kafkaReader.ts';

const PERMISSION_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
]);

/** Kafka error types of a refused SASL login. */
const AUTHENTICATION_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);

/** Node's codes for failed TLS handshakes, and what they mean for a Kafka client. */
const TLS_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    // OpenSSL 3.5 (Node 24) spells the first ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE.
    /^ERR_SSL_(SSLV3|SSL\/TLS|TLSV1|TLSV13)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED|UNKNOWN_CA)$/,
    'the broker did not accept the client certificate (none is configured, or the broker does not trust its CA)',
  ],
  [
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)$/,
    "the broker's certificate is not signed by a trusted CA (tls.caFile)",
  ],
  [/^CERT_HAS_EXPIRED$/, "the broker's certificate has expired"],
  [/^CERT_NOT_YET_VALID$/, "the broker's certificate is not valid yet"],
  [/^ERR_TLS_CERT_ALTNAME_INVALID$/, "the broker's certificate does not name the address (tls.serverName)"],
];
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_)/;

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

/** Whether the connection itself failed (broken, refused, or no answer in time), as opposed to an answer with an error. */
export function isConnectionError(err: unknown): boolean {
  return CONNECTION_ERRORS.has((err as KafkajsLikeError | undefined)?.name ?? '');
}

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
  readonly code?: unknown;
  readonly broker?: unknown;
  readonly message?: string;
  readonly cause?: unknown;
}

/** `err` and its causes, outermost first. */
function chain(err: unknown): KafkajsLikeError[] {
  const errors: KafkajsLikeError[] = [];
  let current = err as KafkajsLikeError | undefined;
  while (current && typeof current === 'object' && !errors.includes(current) && errors.length < 10) {
    errors.push(current);
    current = current.cause as KafkajsLikeError | undefined;
  }
  return errors;
}

/** The TLS error code in `err`'s chain, if a TLS handshake failed. */
function tlsFailure(err: unknown): { code: string; broker: string | undefined } | undefined {
  for (const e of chain(err)) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (TLS_CODE.test(code) || TLS_HINTS.some(([pattern]) => pattern.test(code))) {
      return { code, broker: typeof e.broker === 'string' ? e.broker : undefined };
    }
  }
  return undefined;
}

/**
 * Whether the brokers refused this client's credentials: a SASL login
 * failed, or a TLS handshake did. A client that keeps its connection
 * settings would keep failing; it has to be rebuilt with the secrets read
 * again.
 */
export function isCredentialError(err: unknown): boolean {
  return (
    tlsFailure(err) !== undefined ||
    chain(err).some((e) => e.name === 'KafkaJSSASLAuthenticationError' || AUTHENTICATION_TYPES.has(e.type ?? ''))
  );
}

/** The kafkajs error `type` (e.g. "NOT_COORDINATOR"), if any. */
export function kafkaErrorType(err: unknown): string | undefined {
  return (err as KafkajsLikeError | undefined)?.type;
}

/** The kind of a kafkajs error; anything that is not one is a bug of ours. */
export function kafkajsFaultKind(err: unknown): KafkaFaultKind {
  if (!isKafkaError(err)) return 'internal';
  const type = (err as KafkajsLikeError).type;
  if (type && PERMISSION_TYPES.has(type)) return 'permission';
  return isCredentialError(err) ? 'credentials' : 'unavailable';
}

/**
 * A KafkaPortError for a failed Kafka call against `cluster`. KafkaPortErrors
 * pass through; anything that is not a kafkajs error is a bug of ours and
 * becomes `internal` without its text, so a broken assumption never looks
 * like a Kafka outage.
 */
export function classifyKafkajsError(err: unknown, cluster: string): KafkaPortError {
  if (err instanceof KafkaPortError) return err;
  const kind = kafkajsFaultKind(err);
  if (kind === 'internal') return new KafkaPortError('internal', INTERNAL_ERROR_DETAIL, { cause: err });
  const message = describeTls(err) ?? describe(err as KafkajsLikeError);
  return new KafkaPortError(kind, `kafka cluster ${cluster}: ${message}`, { cause: err });
}

/** A failed TLS handshake in words, e.g. "TLS handshake with k:9093 failed: the broker's certificate has expired (CERT_HAS_EXPIRED)". */
function describeTls(err: unknown): string | undefined {
  const tls = tlsFailure(err);
  if (!tls) return undefined;
  const hint = TLS_HINTS.find(([pattern]) => pattern.test(tls.code))?.[1];
  const where = tls.broker === undefined ? '' : ` with ${tls.broker}`;
  return `TLS handshake${where} failed${hint === undefined ? '' : `: ${hint}`} (${tls.code})`;
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
