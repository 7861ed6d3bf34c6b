/**
 * grpc.health.v1.Health with three services:
 *
 * - `liveness`: the process answers RPCs. It stays SERVING while draining,
 *   so the kubelet does not kill a pod that is shutting down cleanly.
 * - `readiness` (and `""`, the server as a whole): the server accepts new
 *   calls. NOT_SERVING once shutdown starts. It deliberately ignores Kafka:
 *   one broken cluster must not take the scaler away from every other
 *   cluster it serves, and GetMetricSpec must keep answering while Kafka is
 *   down so KEDA's fallback can engage (kedacore/keda#8056).
 */
import { type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, status } from '@grpc/grpc-js';
import {
  type HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthServer,
} from '../generated/grpc/health/v1/health.ts';

export const LIVENESS = 'liveness';
export const READINESS = 'readiness';

type Status = (typeof ServingStatus)[keyof typeof ServingStatus];

export class HealthState {
  readonly #statuses = new Map<string, Status>();
  readonly #watchers = new Set<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>();

  constructor() {
    for (const service of ['', LIVENESS, READINESS]) this.#statuses.set(service, ServingStatus.SERVING);
  }

  set(service: string, serving: boolean): void {
    const next = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (this.#statuses.get(service) === next) return;
    this.#statuses.set(service, next);
    for (const call of this.#watchers) {
      if (call.request.service === service) call.write(HealthCheckResponse.fromPartial({ status: next }));
    }
  }

  isServing(service: string): boolean {
    return this.#statuses.get(service) === ServingStatus.SERVING;
  }

  /** Marks the server as draining: not ready, still live. */
  drain(): void {
    this.set('', false);
    this.set(READINESS, false);
  }

  /** Ends every Watch stream with status OK. */
  endWatches(): void {
    for (const call of this.#watchers) call.end();
    this.#watchers.clear();
  }

  handlers(): HealthServer {
    return {
      check: (
        call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
        callback: sendUnaryData<HealthCheckResponse>,
      ) => {
        const current = this.#statuses.get(call.request.service);
        if (current === undefined) {
          callback({ code: status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
          return;
        }
        callback(null, HealthCheckResponse.fromPartial({ status: current }));
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        this.#watchers.add(call);
        const current = this.#statuses.get(call.request.service) ?? ServingStatus.SERVICE_UNKNOWN;
        call.write(HealthCheckResponse.fromPartial({ status: current }));
        const forget = (): void => void this.#watchers.delete(call);
        call.on('cancelled', forget);
        call.on('close', forget);
      },
    };
  }
}
