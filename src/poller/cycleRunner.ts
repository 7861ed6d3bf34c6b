/**
 * Runs read cycles against one reader under a deadline, so a hung broker
 * shows up as an error, not as silence. A cycle that outlives its deadline
 * is not abandoned but waited for: the next cycle fails at once until it
 * settles, so reads never pile up on a broker that does not answer.
 */
import { withDeadline } from '../deadline.ts';
import { asScalerError, ScalerError } from '../errors.ts';
import type { KafkaReader } from '../kafka/kafkaReader.ts';
import { type CycleItem, type CycleResult, readCycle } from './readSample.ts';

export class CycleRunner {
  readonly #reader: KafkaReader;
  readonly #timeoutMs: number;
  /** A cycle that outlived its deadline and has not settled yet. */
  #lingering: Promise<unknown> | undefined;

  constructor(reader: KafkaReader, timeoutMs: number) {
    this.#reader = reader;
    this.#timeoutMs = timeoutMs;
  }

  /** One result per item; never rejects. */
  async run(items: readonly CycleItem[], at: number): Promise<CycleResult[]> {
    const timeoutMs = this.#timeoutMs;
    const cluster = this.#reader.cluster;
    const failAll = (error: ScalerError): CycleResult[] => items.map(() => ({ ok: false, error }));
    if (this.#lingering) {
      return failAll(
        new ScalerError(
          'KAFKA_UNAVAILABLE',
          `kafka cluster ${cluster}: the previous read is still running after its ${timeoutMs}ms deadline`,
        ),
      );
    }
    const read = readCycle(this.#reader, items, at);
    try {
      return await withDeadline(read, timeoutMs, () => {
        const lingering = read.then(
          () => undefined,
          () => undefined,
        );
        this.#lingering = lingering;
        void lingering.then(() => {
          if (this.#lingering === lingering) this.#lingering = undefined;
        });
        return new ScalerError('KAFKA_UNAVAILABLE', `kafka cluster ${cluster}: no answer within ${timeoutMs}ms`);
      });
    } catch (err) {
      return failAll(asScalerError(err));
    }
  }
}
