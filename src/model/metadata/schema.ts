/**
 * A small declarative schema for trigger metadata, in the manner of KEDA's
 * typed config: each parameter is one row (type, default, allowed values,
 * whether a `<name>FromEnv` variant is read), and parsing collects every
 * problem instead of stopping at the first.
 *
 * Messages follow KEDA's grammar, e.g. `missing required parameter "x"` and
 * `parameter "x" value "y" must be one of [a b]`.
 */
import { durationProblem, formatDuration, parseDurationMs, shown } from '../../duration.ts';

/** Characters in one metadata value, at most (a field may allow fewer). */
export const MAX_VALUE_LENGTH = 4_096;
/** Characters in one metadata key, at most. */
export const MAX_KEY_LENGTH = 256;
/** Keys in one metadata map, at most. */
export const MAX_KEYS = 128;
/** Characters in one metadata map, keys and values together, at most. */
export const MAX_METADATA_LENGTH = 64 * 1024;

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export interface Field<T> {
  readonly kind: string;
  /** Human description for docs and the README table. */
  readonly doc: string;
  readonly required: boolean;
  readonly fallback: T;
  /** Also read `<name>FromEnv`, whose value KEDA resolves from the workload's env (it wins when set). */
  readonly fromEnv: boolean;
  /** Characters allowed in the value, at most. */
  readonly maxLength: number;
  parse(name: string, raw: string): Outcome<T>;
}

export type Schema = Readonly<Record<string, Field<unknown>>>;
export type Parsed<S extends Schema> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export interface ParseResult<S extends Schema> {
  readonly values: Parsed<S>;
  readonly problems: readonly string[];
  /** Keys present in the metadata that no field reads (and that are not in `ignored`). */
  readonly unknownKeys: readonly string[];
}

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const bad = <T>(problem: string): Outcome<T> => ({ ok: false, problem });

interface Common<T> {
  readonly doc: string;
  readonly required?: boolean;
  readonly fallback: T;
  readonly fromEnv?: boolean;
  readonly maxLength?: number;
}

function make<T>(kind: string, common: Common<T>, parse: (name: string, raw: string) => Outcome<T>): Field<T> {
  return {
    kind,
    doc: common.doc,
    required: common.required ?? false,
    fallback: common.fallback,
    fromEnv: common.fromEnv ?? false,
    maxLength: Math.min(common.maxLength ?? MAX_VALUE_LENGTH, MAX_VALUE_LENGTH),
    parse,
  };
}

/** A JSON number: KEDA's typed config decodes numbers with encoding/json. */
export const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Go's strconv.ParseBool spellings, which KEDA accepts. */
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

export const field = {
  string(common: Common<string>): Field<string> {
    return make('string', common, (_name, raw) => ok(raw));
  },

  /**
   * A comma-separated list; blanks around items are trimmed, empty items
   * dropped. A value with no item at all (",") is a problem, not an absent value.
   */
  list(
    common: Common<readonly string[]> & {
      readonly item?: (item: string) => string | undefined;
      /** The phrase for a value without items, e.g. "must name at least one topic". */
      readonly empty: string;
    },
  ): Field<readonly string[]> {
    return make('list', common, (name, raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (items.length === 0) return bad(`parameter "${name}" value "${shown(raw)}" ${common.empty}`);
      for (const item of items) {
        const problem = common.item?.(item);
        if (problem) return bad(`parameter "${name}" value "${shown(raw)}" ${problem}`);
      }
      return ok(items);
    });
  },

  bool(common: Common<boolean>): Field<boolean> {
    return make('bool', common, (name, raw) => {
      if (TRUE.has(raw)) return ok(true);
      if (FALSE.has(raw)) return ok(false);
      return bad(`parameter "${name}" value "${shown(raw)}" must be a boolean (true or false)`);
    });
  },

  /**
   * A whole number with an optional lower bound, written as JSON writes it
   * (KEDA decodes integers as JSON): no "+", no leading zeros.
   */
  int(common: Common<number> & { readonly min?: number }): Field<number> {
    return make('int', common, (name, raw) => {
      if (!/^-?(0|[1-9]\d*)$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
        return bad(`parameter "${name}" value "${shown(raw)}" must be an integer`);
      }
      const value = Number(raw);
      if (common.min !== undefined && value < common.min) {
        return bad(
          `parameter "${name}" value "${shown(raw)}" must be ${common.min === 1 ? 'greater than 0' : `at least ${common.min}`}`,
        );
      }
      return ok(value);
    });
  },

  /** A decimal number above `greaterThan` (or at least `min`), written as a JSON number, as KEDA reads them. */
  number(
    common: Common<number> & { readonly greaterThan?: number; readonly min?: number; readonly max?: number },
  ): Field<number> {
    return make('number', common, (name, raw) => {
      const value = JSON_NUMBER.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(value)) return bad(`parameter "${name}" value "${shown(raw)}" must be a number`);
      if (common.greaterThan !== undefined && !(value > common.greaterThan)) {
        return bad(`parameter "${name}" value "${shown(raw)}" must be greater than ${common.greaterThan}`);
      }
      if (common.min !== undefined && value < common.min) {
        return bad(`parameter "${name}" value "${shown(raw)}" must be at least ${common.min}`);
      }
      if (common.max !== undefined && value > common.max) {
        return bad(`parameter "${name}" value "${shown(raw)}" must be at most ${common.max}`);
      }
      return ok(value);
    });
  },

  enum<const V extends string>(common: Common<V> & { readonly values: () => readonly V[] }): Field<V> {
    return make('enum', common, (name, raw) => {
      const allowed = common.values();
      return (allowed as readonly string[]).includes(raw)
        ? ok(raw as V)
        : bad(`parameter "${name}" value "${shown(raw)}" must be one of [${allowed.join(' ')}]`);
    });
  },

  /** Milliseconds, written as "30s", "5m", "1m30s" or a number of milliseconds. */
  duration(common: Common<number> & { readonly minMs?: number }): Field<number> {
    return make('duration', common, (name, raw) => {
      const ms = parseDurationMs(raw);
      if (ms === undefined) return bad(durationProblem(name, raw));
      if (common.minMs !== undefined && ms < common.minMs) {
        return bad(`parameter "${name}" value "${shown(raw)}" must be at least ${formatDuration(common.minMs)}`);
      }
      return ok(ms);
    });
  },

  /** Anything else: `parse` returns the value or a problem phrase ("must be ..."). */
  custom<T>(common: Common<T>, parse: (raw: string) => { value: T } | { problem: string }): Field<T> {
    return make('custom', common, (name, raw) => {
      const result = parse(raw);
      return 'problem' in result
        ? bad(`parameter "${name}" value "${shown(raw)}" ${result.problem}`)
        : ok(result.value);
    });
  },
};

/**
 * One schema of `parts`, in their order (so also the order of its problems).
 * A name belongs to one part only: a second declaration would silently
 * replace the first, so it throws, naming both owners (at module load: a
 * programming error every test meets).
 */
export function composeSchema(parts: ReadonlyArray<readonly [owner: string, schema: Schema]>): Schema {
  const composed: Record<string, Field<unknown>> = {};
  const ownerOf = new Map<string, string>();
  for (const [owner, schema] of parts) {
    for (const [name, spec] of Object.entries(schema)) {
      const first = ownerOf.get(name);
      if (first !== undefined) throw new Error(`parameter "${name}" is declared by both ${first} and ${owner}`);
      ownerOf.set(name, owner);
      composed[name] = spec;
    }
  }
  return composed;
}

/**
 * Problems with the map itself, whatever the schema: too many keys, or a key
 * or value too long to be anything but a mistake or an attack. Checked before
 * anything else, so an oversized map costs no parsing.
 */
export function sizeProblems(metadata: Readonly<Record<string, string>>): string[] {
  const keys = Object.keys(metadata);
  const problems: string[] = [];
  if (keys.length > MAX_KEYS) problems.push(`metadata has ${keys.length} keys; at most ${MAX_KEYS} are allowed`);
  let total = 0;
  for (const key of keys) total += key.length + (metadata[key]?.length ?? 0);
  if (total > MAX_METADATA_LENGTH) {
    problems.push(`metadata is ${total} characters long in all; at most ${MAX_METADATA_LENGTH} are allowed`);
  }
  for (const key of keys.slice(0, MAX_KEYS + 1)) {
    if (key.length > MAX_KEY_LENGTH) {
      problems.push(
        `metadata key "${shown(key)}" is ${key.length} characters long; at most ${MAX_KEY_LENGTH} are allowed`,
      );
      continue;
    }
    const value = metadata[key] ?? '';
    if (value.length > MAX_VALUE_LENGTH) {
      problems.push(
        `parameter "${key}" value is ${value.length} characters long; at most ${MAX_VALUE_LENGTH} are allowed`,
      );
    }
  }
  return problems;
}

/**
 * Parses `metadata` against `schema`. A value that is empty or only blanks
 * counts as absent, as in KEDA. For a field with a `<name>FromEnv` variant the
 * trigger's own `<name>` comes first and the resolved environment value second,
 * as KEDA's typed config orders them (triggerMetadata, then resolvedEnv).
 * Keys in `ignored` (KEDA's own, such as scalerAddress) are neither parsed
 * nor reported as unknown. Callers check `sizeProblems` first.
 */
export function parseMetadata<S extends Schema>(
  schema: S,
  metadata: Readonly<Record<string, string>>,
  ignored: ReadonlySet<string>,
): ParseResult<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const read = new Set<string>();
  for (const [name, spec] of Object.entries(schema)) {
    read.add(name);
    const envName = `${name}FromEnv`;
    if (spec.fromEnv) read.add(envName);
    const own = metadata[name]?.trim();
    const fromEnv = spec.fromEnv ? metadata[envName]?.trim() : undefined;
    const [key, raw] = own ? [name, own] : [envName, fromEnv];
    values[name] = spec.fallback;
    if (!raw) {
      if (spec.required) problems.push(`missing required parameter "${name}"`);
      continue;
    }
    if (raw.length > spec.maxLength) {
      problems.push(`parameter "${key}" value is ${raw.length} characters long; at most ${spec.maxLength} are allowed`);
      continue;
    }
    const outcome = spec.parse(key, raw);
    if (outcome.ok) values[name] = outcome.value;
    else problems.push(outcome.problem);
  }
  const unknownKeys = Object.keys(metadata)
    .filter((key) => !read.has(key) && !ignored.has(key))
    .sort();
  return { values: values as Parsed<S>, problems, unknownKeys };
}
