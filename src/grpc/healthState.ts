/**
 * The scaler's health, served as grpc.health.v1.Health (Check, Watch, List)
 * by grpc-health-check's HealthImplementation and read by the HTTP probes.
 * Three services:
 *
 * - `liveness`: the process answers RPCs. It stays SERVING while draining,
 *   so the kubelet does not kill a pod that is shutting down cleanly.
 * - `readiness` (and `""`, the server as a whole): the server accepts new
 *   calls. NOT_SERVING once shutdown starts. It deliberately ignores Kafka:
 *   one broken cluster must not take the scaler away from every other
 *   cluster it serves, and GetMetricSpec must keep answering while Kafka is
 *   down so KEDA's fallback can engage (kedacore/keda#8056).
 *
 * Any other name is unknown: Check answers NOT_FOUND, Watch SERVICE_UNKNOWN.
 */
import {
  type sendUnaryData,
  type Server,
  type ServerUnaryCall,
  type ServerWritableStream,
  status,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { shown } from '../duration.ts';

export const LIVENESS = 'liveness';
export const READINESS = 'readiness';
/** The server as a whole, by the health protocol's convention. */
const SERVER = '';

type WatchCall = ServerWritableStream<{ service?: string }, unknown>;
type CheckCall = ServerUnaryCall<{ service?: string }, unknown>;
type CheckHandler = (call: CheckCall, callback: sendUnaryData<unknown>) => void;

/**
 * Open Watch streams, at most: the kubelet and most tools use Check, so a
 * few are plenty; more are RESOURCE_EXHAUSTED, since each is held until its
 * client goes.
 */
export const MAX_WATCHES = 100;

export class HealthState {
  /** What the HTTP probes read; grpc-health-check keeps its own copy, which it does not expose. */
  readonly #serving = new Map<string, boolean>();
  readonly #service: HealthImplementation;
  readonly #watches = new Set<WatchCall>();

  readonly #maxWatches: number;

  constructor(maxWatches = MAX_WATCHES) {
    this.#maxWatches = maxWatches;
    const services = [SERVER, LIVENESS, READINESS];
    for (const service of services) this.#serving.set(service, true);
    this.#service = new HealthImplementation(Object.fromEntries(services.map((s) => [s, 'SERVING'] as const)));
  }

  /** Sets a service's status; Watch streams hear of changes only (grpc-health-check would repeat a status). */
  set(service: string, serving: boolean): void {
    if (this.#serving.get(service) === serving) return;
    this.#serving.set(service, serving);
    this.#service.setStatus(service, serving ? 'SERVING' : 'NOT_SERVING');
  }

  isServing(service: string): boolean {
    return this.#serving.get(service) === true;
  }

  /** Marks the server as draining: not ready, still live. */
  drain(): void {
    this.set(SERVER, false);
    this.set(READINESS, false);
  }

  /**
   * Ends every Watch stream with status OK. grpc-health-check never ends one,
   * and an open stream would hold the server's graceful shutdown until its
   * deadline forces it.
   */
  endWatches(): void {
    for (const call of this.#watches) call.end();
    this.#watches.clear();
  }

  /**
   * Registers grpc.health.v1.Health on `server`. grpc-health-check serves
   * the services this scaler has; a name it does not have is answered here,
   * because the library keeps a map entry for every name ever watched, which
   * any client could grow without bound. Watch streams are counted (at most
   * `maxWatches`) and kept so endWatches() can end them.
   */
  addToServer(server: Server): void {
    this.#service.addToServer({
      addService: (definition, implementation) => {
        const { check, watch } = implementation;
        if (typeof check !== 'function' || typeof watch !== 'function') {
          throw new Error(`grpc-health-check offers ${Object.keys(implementation).join(', ')}, not check and watch`);
        }
        server.addService(definition, {
          ...implementation,
          check: (call: CheckCall, callback: sendUnaryData<unknown>) => {
            const service = call.request.service ?? '';
            if (this.#serving.has(service)) return (check as CheckHandler)(call, callback);
            callback({ code: status.NOT_FOUND, details: `Health status unknown for service ${shown(service)}` });
          },
          watch: (call: WatchCall) => {
            if (this.#watches.size >= this.#maxWatches) {
              call.emit('error', {
                code: status.RESOURCE_EXHAUSTED,
                details: `this scaler already holds ${this.#watches.size} health Watch streams, its limit; use Check, or close one`,
              });
              return;
            }
            this.#watches.add(call);
            const forget = (): void => void this.#watches.delete(call);
            call.on('cancelled', forget);
            call.on('close', forget);
            // An unknown service stays unknown: it is said once and the stream held, as the protocol asks.
            if (this.#serving.has(call.request.service ?? '')) (watch as (call: WatchCall) => void)(call);
            else call.write({ status: 'SERVICE_UNKNOWN' });
          },
        });
      },
    });
  }
}
