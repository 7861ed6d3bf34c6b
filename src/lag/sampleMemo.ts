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
import type { PartitionLayout } from '../model/partitionColumns.ts';
import type { Sample } from '../model/sample.ts';

/** Key sets (signatures) a table keeps figures for before it starts over. */
const MAX_TABLE_KEYS = 1_000;

/**
 * One kind of per-sample figure, by key (a key set's signature): a weak map
 * per key, so a sample costs one entry per figure kept for it, not a map of
 * its own.
 */
export class SampleTable<T> {
  readonly #byKey = new Map<string, WeakMap<Sample, T>>();

  /**
   * The figure for `sample` and `key`: the remembered one if there is one
   * and `fresh` accepts it, else `compute()`, remembered.
   */
  get(sample: Sample, key: string, compute: () => T, fresh: (cached: T) => boolean = () => true): T {
    let bySample = this.#byKey.get(key);
    if (!bySample) {
      if (this.#byKey.size >= MAX_TABLE_KEYS) this.#byKey.clear();
      this.#byKey.set(key, (bySample = new WeakMap<Sample, T>()));
    }
    const cached = bySample.get(sample);
    if (cached !== undefined && fresh(cached)) return cached;
    const value = compute();
    bySample.set(sample, value);
    return value;
  }
}

/** Signatures kept per trigger before the interning table starts over. */
const MAX_SIGNATURES = 1_000;
/** Series kept per trigger before they start over (a few per sub-topology are in use). */
const MAX_SERIES = 64;

/** A series as last computed: the samples it was computed over, and a value per sample. */
interface Series {
  readonly samples: readonly Sample[];
  readonly values: readonly unknown[];
}

export class SampleMemo {
  readonly #tables = new Map<string, SampleTable<unknown>>();
  readonly #signatures = new Map<string, string>();
  readonly #series = new Map<string, Series>();
  readonly #masks = new WeakMap<PartitionLayout, Map<string, Uint8Array>>();

  /** The table of one kind of figure (its name is the kind). */
  table<T>(name: string): SampleTable<T> {
    let table = this.#tables.get(name);
    if (!table) this.#tables.set(name, (table = new SampleTable<unknown>()));
    return table as SampleTable<T>;
  }

  /**
   * A value per sample of `samples`, aligned with it. The history moves by a
   * poll at a time (new samples at the end, old ones dropped at the front),
   * so the values of the samples the last call of the same `name` saw are
   * taken over by position, without a lookup per sample; `compute(i)` runs
   * for the new samples and for any value `fresh` rejects (one that depends
   * on a neighbour that changed).
   */
  series<T>(
    name: string,
    samples: readonly Sample[],
    compute: (i: number) => T,
    fresh: (value: T, i: number) => boolean = () => true,
  ): readonly T[] {
    const last = this.#series.get(name);
    const values = new Array<T>(samples.length);
    const shift = last && samples.length > 0 ? last.samples.indexOf(samples[0]!) : -1;
    for (let i = 0; i < samples.length; i++) {
      const j = i + shift;
      if (shift >= 0 && j < last!.samples.length && last!.samples[j] === samples[i]) {
        const value = last!.values[j] as T;
        if (fresh(value, i)) {
          values[i] = value;
          continue;
        }
      }
      values[i] = compute(i);
    }
    // Kept for the next call unless older than what is kept: a decision that
    // looks back at an earlier poll (a rebalance hold) must not displace the
    // series of the current history. A copy, since the caller's array may be
    // the poller's, which grows in place.
    const newest = samples[samples.length - 1]?.at ?? -Infinity;
    if (!last || newest >= (last.samples[last.samples.length - 1]?.at ?? -Infinity)) {
      if (!last && this.#series.size >= MAX_SERIES) this.#series.clear();
      this.#series.set(name, { samples: samples.slice(), values });
    }
    return values;
  }

  /**
   * Which places of `layout` hold a partition of `keys` (1) and which not
   * (0), remembered per layout and key set (`signature`): the samples of a
   * poller share one layout, so a figure over many samples looks each
   * partition up once, not once per sample.
   */
  mask(layout: PartitionLayout, keys: readonly string[], signature: string): Uint8Array {
    let bySignature = this.#masks.get(layout);
    if (!bySignature) this.#masks.set(layout, (bySignature = new Map<string, Uint8Array>()));
    let mask = bySignature.get(signature);
    if (!mask) {
      if (bySignature.size >= MAX_SIGNATURES) bySignature.clear();
      const wanted = new Set(keys);
      mask = Uint8Array.from(layout.keys, (key) => (wanted.has(key) ? 1 : 0));
      bySignature.set(signature, mask);
    }
    return mask;
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
