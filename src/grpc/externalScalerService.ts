/**
 * KEDA's ExternalScaler service. The handlers are thin: they parse, read the
 * scaler's current decision and build the response; every error goes through
 * toGrpcStatus. Values are never negative, NaN or infinite, and both the
 * double fields (KEDA ≥ 2.17) and the deprecated int64 ones (rounded up, for
 * older KEDA) are filled.
 */
import { type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, status } from '@grpc/grpc-js';
import { ScalerError, statusName, toGrpcStatus } from '../errors.ts';
import type {
  ExternalScalerServer,
  GetMetricSpecResponse,
  GetMetricsRequest,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from '../generated/externalscaler.ts';
import type { Logger } from '../logger.ts';
import type { ScalerService } from '../scaler/scalerService.ts';

/** A finite, non-negative number no larger than 2^53 − 1. */
export function safeQuantity(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  return Math.min(value, Number.MAX_SAFE_INTEGER);
}

/** The server-streaming methods of the service. */
export const STREAM_METHODS = ['StreamIsActive', 'StreamMetricSpec'] as const;
export type StreamMethod = (typeof STREAM_METHODS)[number];

type AnyStream = ServerWritableStream<ScaledObjectRef, IsActiveResponse | GetMetricSpecResponse>;

/**
 * Open stream calls: at most `limit` (SCALER_MAX_STREAMS), since each is held
 * until the client goes; ended with status OK at shutdown.
 */
export class OpenStreams {
  readonly #calls = new Map<AnyStream, { readonly method: StreamMethod; readonly stop: () => void }>();
  readonly #limit: number;

  constructor(limit = Infinity) {
    this.#limit = limit;
  }

  /** Throws LIMIT_REACHED (RESOURCE_EXHAUSTED) when no other stream may open. */
  admit(): void {
    if (this.#calls.size >= this.#limit) {
      throw new ScalerError(
        'LIMIT_REACHED',
        `this scaler already holds ${this.#calls.size} open streams, its limit (SCALER_MAX_STREAMS); one frees its place when its client closes it`,
      );
    }
  }

  add(call: AnyStream, method: StreamMethod, stop: () => void): void {
    this.#calls.set(call, { method, stop });
  }

  remove(call: AnyStream): void {
    this.#calls.get(call)?.stop();
    this.#calls.delete(call);
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Open calls by method (every method listed, 0 when none). */
  byMethod(): Record<StreamMethod, number> {
    const counts = Object.fromEntries(STREAM_METHODS.map((m) => [m, 0])) as Record<StreamMethod, number>;
    for (const { method } of this.#calls.values()) counts[method] += 1;
    return counts;
  }

  /** Ends every stream cleanly (status OK): KEDA then reconnects after 2 s rather than backing off. */
  endAll(): void {
    for (const [call, { stop }] of this.#calls) {
      stop();
      call.end();
    }
    this.#calls.clear();
  }
}

/** Told of every finished call: method, gRPC status code, and for unary calls the seconds it took. */
export type RpcObserver = (method: string, code: status, seconds?: number) => void;

export function externalScalerHandlers(
  scaler: ScalerService,
  streams: OpenStreams,
  logger: Logger,
  observe: RpcObserver = () => {},
): ExternalScalerServer {
  const log = logger.child({ component: 'grpc' });

  // Metadata only, never Kafka: this must keep answering while Kafka is down. GetMetricSpec and
  // StreamMetricSpec answer from this one function, so they never disagree (KEDA falls back from
  // one to the other).
  function metricSpec(ref: ScaledObjectRef): GetMetricSpecResponse {
    const trigger = scaler.trigger(ref);
    const target = safeQuantity(trigger.strategy.target(trigger.metadata));
    return {
      metricSpecs: [{ metricName: trigger.metricName, targetSize: Math.ceil(target), targetSizeFloat: target }],
    };
  }

  /** A stream's failure to open: its status, logged and counted like a unary call's. */
  function refuse(call: AnyStream, method: StreamMethod, err: unknown): void {
    const { code, details } = toGrpcStatus(err, (e) =>
      log.error({ err: e, method, scaledObject: describeRef(call.request) }, 'unexpected error'),
    );
    call.emit('error', { code, details });
    observe(method, code);
  }

  /** Keeps an opened stream until KEDA cancels it or shutdown ends it; counted once when it ends. */
  function keep(call: AnyStream, method: StreamMethod, stop: () => void): void {
    streams.add(call, method, stop);
    let ended = false;
    const end = (): void => {
      streams.remove(call);
      if (!ended) observe(method, call.cancelled ? status.CANCELLED : status.OK);
      ended = true;
    };
    call.on('cancelled', end);
    call.on('close', end);
  }

  function unary<Req, Res>(
    method: string,
    ref: (req: Req) => ScaledObjectRef | undefined,
    handle: (req: Req) => Promise<Res> | Res,
  ) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const started = performance.now();
      Promise.resolve()
        .then(() => handle(call.request))
        .then(
          (response) => {
            const ms = performance.now() - started;
            log.debug({ method, scaledObject: describeRef(ref(call.request)), ms }, 'ok');
            callback(null, response);
            observe(method, status.OK, ms / 1000);
          },
          (err: unknown) => {
            const { code, details } = toGrpcStatus(err, (e) =>
              log.error({ err: e, method, scaledObject: describeRef(ref(call.request)) }, 'unexpected error'),
            );
            log.debug(
              { method, scaledObject: describeRef(ref(call.request)), code: statusName(code), details },
              'failed',
            );
            callback({ code, details });
            observe(method, code, (performance.now() - started) / 1000);
          },
        );
    };
  }

  return {
    isActive: unary<ScaledObjectRef, IsActiveResponse>(
      'IsActive',
      (ref) => ref,
      async (ref) => ({ result: (await scaler.evaluate(ref)).decision.active }),
    ),

    getMetricSpec: unary<ScaledObjectRef, GetMetricSpecResponse>('GetMetricSpec', (ref) => ref, metricSpec),

    getMetrics: unary<GetMetricsRequest, GetMetricsResponse>(
      'GetMetrics',
      (req) => req.scaledObjectRef,
      async (req) => {
        if (!req.scaledObjectRef) throw new ScalerError('INVALID_METADATA', 'GetMetrics needs scaledObjectRef');
        const { trigger, decision } = await scaler.evaluate(req.scaledObjectRef);
        const value = safeQuantity(decision.metricValue);
        return {
          metricValues: [
            {
              // KEDA relabels values with the name it asked for; answer with that name.
              metricName: req.metricName || trigger.metricName,
              metricValue: Math.ceil(value),
              metricValueFloat: value,
            },
          ],
        };
      },
    ),

    streamIsActive: (call: ServerWritableStream<ScaledObjectRef, IsActiveResponse>) => {
      const scaledObject = describeRef(call.request);
      let stop: () => void;
      try {
        streams.admit();
        stop = scaler.watchActive(call.request, (active) => {
          log.debug({ method: 'StreamIsActive', scaledObject, active }, 'activity changed');
          call.write({ result: active });
        });
      } catch (err) {
        refuse(call, 'StreamIsActive', err);
        return;
      }
      keep(call, 'StreamIsActive', stop);
    },

    // KEDA ≥ 2.21 opens it for external-push triggers: the current spec at once, then one
    // message per change of target. A trigger's target is a function of its metadata (see
    // LagStrategy.target), and KEDA opens a new stream when the metadata changes, so a stream
    // carries its one spec and stays open until KEDA closes it or shutdown ends it.
    streamMetricSpec: (call: ServerWritableStream<ScaledObjectRef, GetMetricSpecResponse>) => {
      let spec: GetMetricSpecResponse;
      try {
        streams.admit();
        spec = metricSpec(call.request);
      } catch (err) {
        refuse(call, 'StreamMetricSpec', err);
        return;
      }
      log.debug({ method: 'StreamMetricSpec', scaledObject: describeRef(call.request), spec }, 'opened');
      call.write(spec);
      keep(call, 'StreamMetricSpec', () => {});
    },
  };
}

function describeRef(ref: ScaledObjectRef | undefined): string | undefined {
  return ref ? `${ref.namespace}/${ref.name}` : undefined;
}
