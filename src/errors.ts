/**
 * The error catalogue and the one place that turns errors into gRPC status.
 *
 * Every failure the scaler reports to KEDA is a ScalerError with a stable
 * `code` and the gRPC status it maps to. Anything else that reaches a handler
 * is a bug: it becomes INTERNAL with the generic detail "internal error" and a
 * full log line, so internals never leak to the caller.
 */
import { status } from '@grpc/grpc-js';

export type ScalerErrorCode =
  | 'INVALID_METADATA'
  | 'TOPIC_NOT_FOUND'
  | 'PARTITION_NOT_FOUND'
  | 'LIMIT_REACHED'
  | 'KAFKA_UNAVAILABLE'
  | 'KAFKA_PERMISSION_DENIED'
  | 'CLUSTER_NOT_ALLOWED'
  | 'SNAPSHOT_STALE'
  | 'FIRST_POLL_PENDING'
  | 'SHUTTING_DOWN'
  | 'NOT_IMPLEMENTED'
  | 'CANCELLED'
  | 'INTERNAL';

const STATUS_BY_CODE: Readonly<Record<ScalerErrorCode, status>> = {
  INVALID_METADATA: status.INVALID_ARGUMENT,
  TOPIC_NOT_FOUND: status.NOT_FOUND,
  PARTITION_NOT_FOUND: status.NOT_FOUND,
  LIMIT_REACHED: status.RESOURCE_EXHAUSTED,
  KAFKA_UNAVAILABLE: status.UNAVAILABLE,
  KAFKA_PERMISSION_DENIED: status.PERMISSION_DENIED,
  CLUSTER_NOT_ALLOWED: status.PERMISSION_DENIED,
  SNAPSHOT_STALE: status.UNAVAILABLE,
  FIRST_POLL_PENDING: status.UNAVAILABLE,
  SHUTTING_DOWN: status.UNAVAILABLE,
  NOT_IMPLEMENTED: status.UNIMPLEMENTED,
  CANCELLED: status.CANCELLED,
  INTERNAL: status.INTERNAL,
};

/** An error the scaler reports on purpose; its message is safe to send to KEDA. */
export class ScalerError extends Error {
  override name = 'ScalerError';
  readonly code: ScalerErrorCode;

  constructor(code: ScalerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get grpcStatus(): status {
    return STATUS_BY_CODE[this.code];
  }
}

/** Invalid trigger metadata: every problem at once, in KEDA's grammar. */
export class InvalidMetadataError extends ScalerError {
  override name = 'InvalidMetadataError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('INVALID_METADATA', `invalid trigger metadata: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The message of an INTERNAL ScalerError made from a bug: its own text stays in the log. */
export const INTERNAL_ERROR_DETAIL = 'internal error (see the scaler log)';

/** `err` as a ScalerError: a ScalerError as it is, anything else (a bug) INTERNAL, keeping it as the cause. */
export function asScalerError(err: unknown): ScalerError {
  return err instanceof ScalerError ? err : new ScalerError('INTERNAL', INTERNAL_ERROR_DETAIL, { cause: err });
}

export interface GrpcErrorStatus {
  readonly code: status;
  readonly details: string;
}

/**
 * Maps any error to the status a handler sends. `onUnexpected` is called for
 * errors that are not ScalerErrors (they are bugs and deserve a full log line).
 */
export function toGrpcStatus(err: unknown, onUnexpected: (err: unknown) => void): GrpcErrorStatus {
  if (err instanceof ScalerError) return { code: err.grpcStatus, details: err.message };
  onUnexpected(err);
  return { code: status.INTERNAL, details: 'internal error' };
}

/** The readable name of a status code, e.g. "UNAVAILABLE". */
export function statusName(code: status): string {
  return status[code] ?? String(code);
}
