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
import type { Server, ServerWritableStream } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

export const LIVENESS = 'liveness';
export const READINESS = 'readiness';
/** The server as a whole, by the health protocol's convention. */
const SERVER = '';

type WatchCall = ServerWritableStream<unknown, unknown>;

export class HealthState {
  /** What the HTTP probes read; grpc-health-check keeps its own copy, which it does not expose. */
  readonly #serving = new Map<string, boolean>();
  readonly #service: HealthImplementation;
  readonly #watches = new Set<WatchCall>();

  constructor() {
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

  /** Registers grpc.health.v1.Health on `server`, keeping hold of Watch streams so endWatches() can end them. */
  addToServer(server: Server): void {
    this.#service.addToServer({
      addService: (definition, implementation) => {
        const watch = implementation['watch'];
        if (typeof watch !== 'function') {
          throw new Error(
            `grpc-health-check offers no "watch" handler (it offers ${Object.keys(implementation).join(', ')})`,
          );
        }
        server.addService(definition, {
          ...implementation,
          watch: (call: WatchCall) => {
            this.#watches.add(call);
            const forget = (): void => void this.#watches.delete(call);
            call.on('cancelled', forget);
            call.on('close', forget);
            (watch as (call: WatchCall) => void)(call);
          },
        });
      },
    });
  }
}
