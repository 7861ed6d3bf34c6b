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

/** Open StreamIsActive calls, so shutdown can end them with status OK. */
export class OpenStreams {
  readonly #calls = new Map<ServerWritableStream<ScaledObjectRef, IsActiveResponse>, () => void>();

  add(call: ServerWritableStream<ScaledObjectRef, IsActiveResponse>, stop: () => void): void {
    this.#calls.set(call, stop);
  }

  remove(call: ServerWritableStream<ScaledObjectRef, IsActiveResponse>): void {
    this.#calls.get(call)?.();
    this.#calls.delete(call);
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Ends every stream cleanly (status OK): KEDA then reconnects after 2 s rather than backing off. */
  endAll(): void {
    for (const [call, stop] of this.#calls) {
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

    getMetricSpec: unary<ScaledObjectRef, GetMetricSpecResponse>(
      'GetMetricSpec',
      (ref) => ref,
      (ref) => {
        // Metadata only, never Kafka: this must keep answering while Kafka is down.
        const trigger = scaler.trigger(ref);
        const target = safeQuantity(trigger.strategy.target(trigger.metadata));
        return {
          metricSpecs: [{ metricName: trigger.metricName, targetSize: Math.ceil(target), targetSizeFloat: target }],
        };
      },
    ),

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
        stop = scaler.watchActive(call.request, (active) => {
          log.debug({ method: 'StreamIsActive', scaledObject, active }, 'activity changed');
          call.write({ result: active });
        });
      } catch (err) {
        const { code, details } = toGrpcStatus(err, (e) =>
          log.error({ err: e, method: 'StreamIsActive', scaledObject }, 'unexpected error'),
        );
        call.emit('error', { code, details });
        observe('StreamIsActive', code);
        return;
      }
      streams.add(call, stop);
      let ended = false;
      const end = (): void => {
        streams.remove(call);
        if (!ended) observe('StreamIsActive', call.cancelled ? status.CANCELLED : status.OK);
        ended = true;
      };
      call.on('cancelled', end);
      call.on('close', end);
    },

    streamMetricSpec: (call: ServerWritableStream<ScaledObjectRef, GetMetricSpecResponse>) => {
      // Deliberate: KEDA then stays on GetMetricSpec for good (kedacore/keda#7794).
      const details = 'StreamMetricSpec is not implemented; GetMetricSpec serves the metric specs';
      call.emit('error', { code: status.UNIMPLEMENTED, details });
      observe('StreamMetricSpec', status.UNIMPLEMENTED);
    },
  };
}

function describeRef(ref: ScaledObjectRef | undefined): string | undefined {
  return ref ? `${ref.namespace}/${ref.name}` : undefined;
}
