/**
 * The demo's producer: every tenth of a second it sends what the scenario's
 * current rate asks for (nothing while idle), spread over many distinct
 * words, so that the application's re-key by word spreads the records over
 * every partition of its repartition topic.
 */
import type { Producer } from 'kafkajs';

const TICK_MS = 100;
const DISTINCT_WORDS = 97;

export interface BurstProducerOptions {
  readonly producer: Producer;
  readonly topic: string;
  /** Records per second wanted at `now`. */
  readonly ratePerSecond: (now: number) => number;
  /** Called after each batch is acknowledged. */
  readonly onSent?: (count: number) => void;
}

export class BurstProducer {
  readonly #options: BurstProducerOptions;
  #produced = 0;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #failure: Error | undefined;

  constructor(options: BurstProducerOptions) {
    this.#options = options;
  }

  /** Records acknowledged so far. */
  get produced(): number {
    return this.#produced;
  }

  /** Why the loop ended early: a send that failed. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  start(): void {
    this.#loop ??= this.#run().catch((err: unknown) => {
      this.#failure = new Error(`the producer failed: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    });
  }

  /** Ends the loop after the batch in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { producer, topic, ratePerSecond, onSent } = this.#options;
    let owed = 0;
    let last = Date.now();
    while (!this.#stopped) {
      const now = Date.now();
      // Whole records owed for the time that passed (a slow send is made up for, not lost).
      owed += (ratePerSecond(now) * (now - last)) / 1000;
      last = now;
      const count = Math.floor(owed);
      if (count > 0) {
        owed -= count;
        const first = this.#produced;
        await producer.send({
          topic,
          messages: Array.from({ length: count }, (_, i) => ({
            key: String(first + i),
            value: `word-${(first + i) % DISTINCT_WORDS}`,
          })),
        });
        this.#produced += count;
        onSent?.(count);
      } else if (ratePerSecond(now) === 0) {
        owed = 0;
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  }
}
