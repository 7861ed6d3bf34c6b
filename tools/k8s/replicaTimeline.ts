/**
 * What KEDA and the HPA did to a Deployment, as a timeline: its
 * `spec.replicas` sampled from the API server every `everyMs`, each change
 * kept with the time it was first seen. Tests wait on it and print it.
 */
import type { LocalCluster } from './localCluster.ts';

export interface ReplicaChange {
  /** Milliseconds since the timeline started. */
  readonly atMs: number;
  readonly replicas: number;
}

interface DeploymentReplicas {
  readonly spec?: { readonly replicas?: number };
}

export class ReplicaTimeline {
  readonly changes: ReplicaChange[] = [];
  readonly #cluster: LocalCluster;
  readonly #path: string;
  readonly #started = Date.now();
  readonly #timer: NodeJS.Timeout;
  readonly #listeners = new Set<() => void>();
  #inFlight = false;
  #lastError: string | undefined;

  constructor(cluster: LocalCluster, namespace: string, deployment: string, everyMs = 500) {
    this.#cluster = cluster;
    this.#path = `/apis/apps/v1/namespaces/${namespace}/deployments/${deployment}`;
    this.#timer = setInterval(() => void this.#sample(), everyMs);
    void this.#sample();
  }

  /** The last replica count seen (undefined before the first sample). */
  get current(): number | undefined {
    return this.changes[this.changes.length - 1]?.replicas;
  }

  /** Milliseconds since the timeline started. */
  get elapsedMs(): number {
    return Date.now() - this.#started;
  }

  /** Resolves with the time (ms since start) `accept` first held for the replica count; rejects after `timeoutMs`. */
  waitFor(accept: (replicas: number) => boolean, timeoutMs: number, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const current = this.current;
        if (current !== undefined && accept(current)) {
          done();
          resolve(this.changes[this.changes.length - 1]!.atMs);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `${what}: not within ${timeoutMs / 1000} s; replicas ${this.describe()}` +
              (this.#lastError ? `; last error: ${this.#lastError}` : ''),
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** E.g. `0 (0.0 s) → 1 (6.1 s) → 4 (9.7 s) → 0 (41.2 s)`. */
  describe(): string {
    return this.changes.map((c) => `${c.replicas} (${(c.atMs / 1000).toFixed(1)} s)`).join(' → ');
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#listeners.clear();
  }

  async #sample(): Promise<void> {
    if (this.#inFlight) return;
    this.#inFlight = true;
    try {
      const deployment = await this.#cluster.get<DeploymentReplicas>(this.#path);
      const replicas = deployment?.spec?.replicas;
      if (replicas !== undefined && replicas !== this.current) {
        this.changes.push({ atMs: this.elapsedMs, replicas });
      }
      this.#lastError = undefined;
    } catch (err) {
      this.#lastError = err instanceof Error ? err.message : String(err);
    } finally {
      this.#inFlight = false;
    }
    for (const listener of [...this.#listeners]) listener();
  }
}
