/**
 * What one trigger's decisions remember about the polls in its history, so
 * the decision after one new poll does not redo the work of the polls before
 * it: per sample and key set, the totals, backlogged partitions, steady
 * windows and member changes the strategies derive from it.
 *
 * It is explicit state: the trigger's evaluator owns one and hands it to
 * every decision of that trigger, and it is gone with the evaluator. Entries
 * are held weakly by their sample, so they go when the poller drops the
 * sample from its history. A decision without one gets a fresh memo (the
 * same answer, computed from scratch).
 */
import type { Sample } from '../model/sample.ts';

/** One kind of per-sample figure, by key (a key set's signature). */
export class SampleTable<T> {
  readonly #bySample = new WeakMap<Sample, Map<string, T>>();

  /**
   * The figure for `sample` and `key`: the remembered one if there is one
   * and `fresh` accepts it, else `compute()`, remembered.
   */
  get(sample: Sample, key: string, compute: () => T, fresh: (cached: T) => boolean = () => true): T {
    let byKey = this.#bySample.get(sample);
    if (!byKey) this.#bySample.set(sample, (byKey = new Map<string, T>()));
    const cached = byKey.get(key);
    if (cached !== undefined && fresh(cached)) return cached;
    const value = compute();
    byKey.set(key, value);
    return value;
  }
}

/** Signatures kept per trigger before the interning table starts over. */
const MAX_SIGNATURES = 1_000;

export class SampleMemo {
  readonly #tables = new Map<string, SampleTable<unknown>>();
  readonly #signatures = new Map<string, string>();

  /** The table of one kind of figure (its name is the kind). */
  table<T>(name: string): SampleTable<T> {
    let table = this.#tables.get(name);
    if (!table) this.#tables.set(name, (table = new SampleTable<unknown>()));
    return table as SampleTable<T>;
  }

  /**
   * One string object per signature: a key set's signature is long with many
   * partitions, and the tables look it up many times per decision; the same
   * object keeps those lookups from hashing it again.
   */
  intern(signature: string): string {
    const known = this.#signatures.get(signature);
    if (known !== undefined) return known;
    if (this.#signatures.size >= MAX_SIGNATURES) this.#signatures.clear();
    this.#signatures.set(signature, signature);
    return signature;
  }
}
