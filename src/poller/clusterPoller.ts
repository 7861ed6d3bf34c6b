/**
 * Polls every poller of one Kafka cluster in one cycle, every `intervalMs`:
 * the cluster's reads are shared (one Metadata for every topic, one
 * OffsetFetch and one DescribeGroups per coordinator, one ListOffsets per
 * leader), so a cycle costs about as many requests for a thousand consumer
 * groups as for one. A new poller asks for an early cycle, so the first
 * request of a new trigger does not wait for the next tick.
 */
import { CycleRunner } from './cycleRunner.ts';
import type { KafkaReader } from '../kafka/kafkaReader.ts';
import type { Poller } from './poller.ts';

/** The longest a cycle's completions run before the event loop is handed back. */
export const YIELD_AFTER_MS = 5;

export interface ClusterPollerOptions {
  readonly reader: KafkaReader;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

export class ClusterPoller {
  readonly #pollers = new Set<Poller>();
  readonly #runner: CycleRunner;
  readonly #options: ClusterPollerOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** A poller arrived while a cycle ran: run again as soon as it ends. */
  #again = false;
  #started = false;
  #stopped = false;

  constructor(options: ClusterPollerOptions) {
    this.#options = options;
    this.#runner = new CycleRunner(options.reader, options.timeoutMs);
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#pollers.size;
  }

  /** Adds a poller; with the timer running, asks for a cycle now rather than at the next tick. */
  add(poller: Poller): void {
    this.#pollers.add(poller);
    if (!this.#started || this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  remove(poller: Poller): void {
    this.#pollers.delete(poller);
  }

  /** Polls now and then every interval. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One cycle over every poller; the timer calls it, and manual polling (tests, the simulator). */
  async pollOnce(): Promise<void> {
    const pollers = [...this.#pollers].filter((p) => !p.stopped);
    if (pollers.length === 0) return;
    const at = this.#now();
    const startedMs = performance.now();
    const results = await this.#runner.run(
      pollers.map((p) => p.cycleItem()),
      at,
    );
    const seconds = (performance.now() - startedMs) / 1000;
    // Each completion runs its triggers' decisions; with many pollers that is
    // a lot of work at once, so the event loop is handed back every
    // YIELD_AFTER_MS and requests are answered between pollers.
    let since = performance.now();
    for (let i = 0; i < pollers.length; i++) {
      pollers[i]!.complete(results[i]!, at, seconds);
      if (performance.now() - since >= YIELD_AFTER_MS && i < pollers.length - 1) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const started = this.#now();
      this.#running = this.pollOnce().finally(() => {
        this.#running = undefined;
        if (this.#stopped) return;
        const again = this.#again;
        this.#again = false;
        this.#schedule(again ? 0 : Math.max(0, this.#options.intervalMs - (this.#now() - started)));
      });
    }, delayMs);
  }
}
