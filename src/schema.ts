/**
 * The one declarative validation engine of the scaler, in the manner of
 * KEDA's typed config: each setting is one row (type, default, allowed
 * values, a description), and parsing collects every problem instead of
 * stopping at the first. It serves every way the scaler is configured:
 *
 * - trigger metadata (`parseMetadata`, with KEDA's `<name>FromEnv` variants),
 *   whose messages follow KEDA's grammar, e.g. `missing required parameter
 *   "x"` and `parameter "x" value "y" must be one of [a b]`;
 * - the SCALER_ environment variables (`parseFields`, config.ts);
 * - JSON files such as the cluster profiles (`parseJson` over `shape` and
 *   `record` nodes, each problem naming its path; `jsonSchema` publishes the
 *   same rows for editors);
 * - the flags of `kstreams-scaler explain`, generated from the trigger rows.
 *
 * A field reads one string; only the subject of its messages changes with
 * where the string came from (`parameter "x"`, `SCALER_X`, `clusters.a.b`,
 * `option --x`).
 */
import { durationProblem, formatDuration, parseDurationMs, shown } from './duration.ts';

/** Characters in one metadata value, at most (a field may allow fewer). */
export const MAX_VALUE_LENGTH = 4_096;
/** Characters in one metadata key, at most. */
const MAX_KEY_LENGTH = 256;
/** Keys in one metadata map, at most. */
export const MAX_KEYS = 128;
/** Characters in one metadata map, keys and values together, at most. */
const MAX_METADATA_LENGTH = 64 * 1024;

/** Problems reported at once, at most: the rest are counted. */
export const MAX_PROBLEMS = 20;

/**
 * The first `MAX_PROBLEMS` problems, then how many more there are: however
 * many an input has (100,000 unknown variables), the message stays short.
 */
export function cappedProblems(problems: readonly string[]): readonly string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more problems`];
}

/** Names in a message: the first `MAX_PROBLEMS`, shortened, then how many more. */
export function listedNames(names: readonly string[]): string {
  const listed = names.slice(0, MAX_PROBLEMS).map(shown).join(', ');
  return names.length > MAX_PROBLEMS ? `${listed} and ${names.length - MAX_PROBLEMS} more` : listed;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** What a message names: the setting's own name, and how messages call it. */
export interface Key {
  /** The name as written, e.g. `lagThreshold`, `SCALER_HOST`, `--watch`. */
  readonly name: string;
  /** The subject of a message, e.g. `parameter "lagThreshold"`, `SCALER_HOST`, `clusters.a.tls.caFile`. */
  readonly label: string;
}

type FieldKind = 'string' | 'list' | 'bool' | 'int' | 'number' | 'enum' | 'duration' | 'file' | 'custom';

export interface Field<T> {
  readonly node: 'field';
  readonly kind: FieldKind;
  /** Human description, for the docs' tables and --help. */
  readonly doc: string;
  readonly required: boolean;
  readonly fallback: T;
  /** Also read `<name>FromEnv`, whose value KEDA resolves from the workload's env (it wins when set). */
  readonly fromEnv: boolean;
  /** Characters allowed in the value, at most. */
  readonly maxLength: number;
  /** Values allowed, for enums: listed by help and JSON Schema. */
  readonly values?: () => readonly string[];
  /** Enum values are matched in any case. */
  readonly foldCase?: boolean;
  /** Bounds of numeric kinds, for JSON Schema. */
  readonly minimum?: number;
  readonly maximum?: number;
  /** For JSON Schema: what a string value (or each list item) matches. */
  readonly pattern?: string;
  parse(raw: string, key: Key): Outcome<T>;
}

export type Schema = Readonly<Record<string, Field<unknown>>>;
export type Parsed<S extends Schema> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

interface ParseResult<S extends Schema> {
  readonly values: Parsed<S>;
  readonly problems: readonly string[];
  /** Keys present in the metadata that no field reads (and that are not in `ignored`). */
  readonly unknownKeys: readonly string[];
}

/** Items that fail, as messages name them: the first few, shortened, then how many more. */
function listedItems(items: readonly string[]): string {
  const limit = 3;
  const named = items.slice(0, limit).map((item) => `"${shown(item)}"`);
  if (items.length > limit) return `${named.join(', ')} and ${items.length - limit} more`;
  return named.length === 1 ? named[0]! : `${named.slice(0, -1).join(', ')} and ${named.at(-1)!}`;
}

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const bad = <T>(problem: string): Outcome<T> => ({ ok: false, problem });

interface Common<T> {
  readonly doc: string;
  readonly required?: boolean;
  readonly fallback: T;
  readonly fromEnv?: boolean;
  readonly maxLength?: number;
  /** For JSON Schema only: a regular expression a string value (or each list item) matches. */
  readonly pattern?: string;
  /**
   * Messages never quote the value: it names where a secret comes from, so a
   * user may have written the secret itself there (`"passwordEnv": "s3cr3t"`).
   */
  readonly secret?: boolean;
}

/**
 * The start of a message about `raw`: `parameter "x" value "y"`, or the
 * label alone for a secret field, whose value is never quoted.
 */
type Subject = (raw: string, key: Key) => string;

function make<T>(
  kind: FieldKind,
  common: Common<T>,
  parse: (raw: string, key: Key, subject: Subject) => Outcome<T>,
  extra: Pick<Field<T>, 'values' | 'minimum' | 'maximum' | 'foldCase'> = {},
): Field<T> {
  const secret = common.secret ?? false;
  const subject: Subject = (raw, { label }) => (secret ? label : `${label} value "${shown(raw)}"`);
  return {
    node: 'field',
    kind,
    ...extra,
    ...(common.pattern === undefined ? {} : { pattern: common.pattern }),
    doc: common.doc,
    required: common.required ?? false,
    fallback: common.fallback,
    fromEnv: common.fromEnv ?? false,
    maxLength: Math.min(common.maxLength ?? MAX_VALUE_LENGTH, MAX_VALUE_LENGTH),
    parse: (raw, key) => parse(raw, key, subject),
  };
}

/** A JSON number: KEDA's typed config decodes numbers with encoding/json. */
export const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Go's strconv.ParseBool spellings, which KEDA accepts. */
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** What a whole number must be, in words: "a whole number from 1 to 9", "greater than 0", "at least 0". */
function rangeOf(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `a whole number from ${min} to ${max}`;
  if (min === 1) return 'greater than 0';
  if (min !== undefined) return `at least ${min}`;
  return max !== undefined ? `at most ${max}` : 'an integer';
}

export const field = {
  string(common: Common<string>): Field<string> {
    return make('string', common, (raw) => ok(raw));
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
    return make('list', common, (raw, key, subject) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (items.length === 0) return bad(`${subject(raw, key)} ${common.empty}`);
      const wrong = new Map<string, string>();
      for (const item of items) {
        const problem = common.item?.(item);
        if (problem && !wrong.has(item)) wrong.set(item, problem);
      }
      const [problem] = wrong.values();
      if (problem === undefined) return ok(items);
      // The whole value says where; the items say what, unless the value is that one item.
      const which =
        items.length === 1 ? '' : `; ${listedItems([...wrong.keys()])} ${wrong.size === 1 ? 'is' : 'are'} not`;
      return bad(`${subject(raw, key)} ${problem}${common.secret === true ? '' : which}`);
    });
  },

  bool(common: Common<boolean>): Field<boolean> {
    return make('bool', common, (raw, key, subject) => {
      if (TRUE.has(raw)) return ok(true);
      if (FALSE.has(raw)) return ok(false);
      return bad(`${subject(raw, key)} must be a boolean (true or false)`);
    });
  },

  /**
   * A whole number with an optional lower bound, written as JSON writes it
   * (KEDA decodes integers as JSON): no "+", no leading zeros.
   */
  int(common: Common<number> & { readonly min?: number; readonly max?: number }): Field<number> {
    const { min, max } = common;
    const range = rangeOf(min, max);
    return make(
      'int',
      common,
      (raw, key, subject) => {
        if (!/^-?(0|[1-9]\d*)$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
          return bad(`${subject(raw, key)} must be ${max === undefined ? 'an integer' : range}`);
        }
        const value = Number(raw);
        if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
          return bad(`${subject(raw, key)} must be ${range}`);
        }
        return ok(value);
      },
      { ...(min === undefined ? {} : { minimum: min }), ...(max === undefined ? {} : { maximum: max }) },
    );
  },

  /** A decimal number above `greaterThan` (or at least `min`), written as a JSON number, as KEDA reads them. */
  number(
    common: Common<number> & { readonly greaterThan?: number; readonly min?: number; readonly max?: number },
  ): Field<number> {
    return make('number', common, (raw, key, subject) => {
      const value = JSON_NUMBER.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(value)) return bad(`${subject(raw, key)} must be a number`);
      if (common.greaterThan !== undefined && !(value > common.greaterThan)) {
        return bad(`${subject(raw, key)} must be greater than ${common.greaterThan}`);
      }
      if (common.min !== undefined && value < common.min) {
        return bad(`${subject(raw, key)} must be at least ${common.min}`);
      }
      if (common.max !== undefined && value > common.max) {
        return bad(`${subject(raw, key)} must be at most ${common.max}`);
      }
      return ok(value);
    });
  },

  /** One of `values`; with `foldCase`, in any case (the value is the listed one). */
  enum<const V extends string>(
    common: Common<V> & { readonly values: () => readonly V[]; readonly foldCase?: boolean },
  ): Field<V> {
    return make(
      'enum',
      common,
      (raw, key, subject) => {
        const allowed = common.values();
        const value = allowed.find((v) => v === raw || (common.foldCase === true && v === raw.toLowerCase()));
        return value !== undefined ? ok(value) : bad(`${subject(raw, key)} must be one of [${allowed.join(' ')}]`);
      },
      { values: common.values, ...(common.foldCase === true ? { foldCase: true } : {}) },
    );
  },

  /** Milliseconds, written as "30s", "5m", "1m30s" or a number of milliseconds. */
  duration(common: Common<number> & { readonly minMs?: number }): Field<number> {
    return make('duration', common, (raw, key, subject) => {
      const ms = parseDurationMs(raw);
      if (ms === undefined) {
        return bad(common.secret === true ? `${key.label} must be a duration` : durationProblem(key.name, raw));
      }
      if (common.minMs !== undefined && ms < common.minMs) {
        return bad(`${subject(raw, key)} must be at least ${formatDuration(common.minMs)}`);
      }
      return ok(ms);
    });
  },

  /**
   * A path that names a file that exists and can be read ('' when unset);
   * `exists` checks that (tests pass their own).
   */
  file(
    common: Omit<Common<string>, 'fallback'> & {
      readonly fallback?: string;
      readonly exists: (path: string) => boolean;
    },
  ): Field<string> {
    return make('file', { ...common, fallback: common.fallback ?? '' }, (raw, key, subject) =>
      common.exists(raw) ? ok(raw) : bad(`${subject(raw, key)} names no file that exists and can be read`),
    );
  },

  /** Anything else: `parse` returns the value or a problem phrase ("must be ..."). */
  custom<T>(common: Common<T>, parse: (raw: string) => { value: T } | { problem: string }): Field<T> {
    return make('custom', common, (raw, key, subject) => {
      const result = parse(raw);
      return 'problem' in result ? bad(`${subject(raw, key)} ${result.problem}`) : ok(result.value);
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

/** How `parseFields` names things in its messages, and which keys it reads. */
interface FieldSource {
  /** The subject of a message about `name`, e.g. `parameter "x"` or `SCALER_X`. */
  readonly label: (name: string) => string;
  /** The name messages quote for `key` (default: the key), e.g. `--watch`. */
  readonly name?: (key: string) => string;
  /** The message for a required field that is absent. */
  readonly missing: (name: string) => string;
  /** Also read `<name>FromEnv` for fields that allow it (trigger metadata). */
  readonly fromEnv?: boolean;
  /** Keys that are not ours to parse, nor unknown. */
  readonly ignored?: ReadonlySet<string>;
  /** Keys that would be ours if a field read them; other keys are not reported as unknown. Default: all. */
  readonly claims?: (key: string) => boolean;
}

/**
 * Parses the strings of `input` against `schema`. A value that is empty or
 * only blanks counts as absent and leaves the field's fallback. For a field
 * with a `<name>FromEnv` variant (when `source.fromEnv`) the field's own
 * `<name>` comes first and the resolved environment value second, as KEDA's
 * typed config orders them (triggerMetadata, then resolvedEnv).
 */
export function parseFields<S extends Schema>(
  schema: S,
  input: Readonly<Record<string, string | undefined>>,
  source: FieldSource,
): ParseResult<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const read = new Set<string>();
  for (const [name, spec] of Object.entries(schema)) {
    read.add(name);
    const envName = `${name}FromEnv`;
    const withEnv = spec.fromEnv && source.fromEnv === true;
    if (withEnv) read.add(envName);
    const own = input[name]?.trim();
    const fromEnv = withEnv ? input[envName]?.trim() : undefined;
    const [key, raw] = own ? [name, own] : [envName, fromEnv];
    values[name] = spec.fallback;
    if (!raw) {
      if (spec.required) problems.push(source.missing(name));
      continue;
    }
    const label = source.label(key);
    if (raw.length > spec.maxLength) {
      problems.push(`${label} value is ${raw.length} characters long; at most ${spec.maxLength} are allowed`);
      continue;
    }
    const outcome = spec.parse(raw, { name: source.name?.(key) ?? key, label });
    if (outcome.ok) values[name] = outcome.value;
    else problems.push(outcome.problem);
  }
  const unknownKeys = Object.keys(input)
    .filter((key) => !read.has(key) && !source.ignored?.has(key) && (source.claims?.(key) ?? true))
    .sort();
  return { values: values as Parsed<S>, problems, unknownKeys };
}

/**
 * Parses trigger metadata against `schema`, in KEDA's words. Keys in
 * `ignored` (KEDA's own, such as scalerAddress) are neither parsed nor
 * reported as unknown. Callers check `sizeProblems` first.
 */
export function parseMetadata<S extends Schema>(
  schema: S,
  metadata: Readonly<Record<string, string>>,
  ignored: ReadonlySet<string>,
): ParseResult<S> {
  return parseFields(schema, metadata, {
    label: (name) => `parameter "${name}"`,
    missing: (name) => `missing required parameter "${name}"`,
    fromEnv: true,
    ignored,
  });
}

/** A setting's default as help and tables show it, if it has one worth showing. */
export function shownDefault(spec: Field<unknown>): string | undefined {
  const value = spec.fallback;
  if (spec.kind === 'duration' && typeof value === 'number') return formatDuration(value);
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// JSON documents: objects of fields, nested objects and maps of named objects.

/** An object with known keys; any other key is a problem. */
interface ShapeNode<S extends Shape = Shape> {
  readonly node: 'shape';
  readonly doc: string;
  readonly required: boolean;
  readonly fields: S;
}

/** An object whose keys are names the user picks (e.g. clusters by name), each value of one shape. */
interface RecordNode<N extends JsonNode = JsonNode> {
  readonly node: 'record';
  readonly doc: string;
  readonly required: boolean;
  /** Keys must match it; `keyRule` says so in words. */
  readonly keyPattern: RegExp;
  readonly keyRule: string;
  readonly value: N;
}

type JsonNode = Field<unknown> | ShapeNode | RecordNode;
export type Shape = Readonly<Record<string, JsonNode>>;

/** What a node reads from JSON; undefined when absent (or wrong). */
export type JsonValue<N> =
  N extends Field<infer T>
    ? T
    : N extends ShapeNode<infer S>
      ? { readonly [K in keyof S]: JsonValue<S[K]> | undefined }
      : N extends RecordNode<infer V>
        ? ReadonlyMap<string, JsonValue<V>>
        : never;

export function shape<S extends Shape>(doc: string, fields: S, required = false): ShapeNode<S> {
  return { node: 'shape', doc, required, fields };
}

export function record<N extends JsonNode>(
  doc: string,
  keyPattern: RegExp,
  keyRule: string,
  value: N,
  required = false,
): RecordNode<N> {
  return { node: 'record', doc, required, keyPattern, keyRule, value };
}

/**
 * Reports a problem about the value at `path` (e.g. `clusters.a.tls`): in
 * words that follow the path, or (`whole`) a whole message that names it.
 */
export type ProblemAt = (path: string, phrase: string, whole?: boolean) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The string a field parses from a JSON value: a string as it is, a
 * boolean for a bool field, a number for a numeric one, an array of strings
 * for a list (joined with commas). Anything else is a problem.
 */
function jsonText(spec: Field<unknown>, value: unknown): string | { problem: string } {
  if (spec.kind === 'bool') return typeof value === 'boolean' ? String(value) : { problem: 'must be true or false' };
  if (typeof value === 'string') return value;
  if ((spec.kind === 'int' || spec.kind === 'number') && typeof value === 'number') return String(value);
  if (spec.kind === 'list' && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    // Joined with commas, an entry "a:1,b:2" would silently be two.
    if (value.some((v) => v.includes(',')))
      return { problem: 'must be a list of single items, without commas in them' };
    return value.join(',');
  }
  return { problem: spec.kind === 'list' ? 'must be a string or a list of strings' : 'must be a string' };
}

/**
 * Reads `value` (parsed JSON) as `node` says, reporting every problem with
 * its path: unknown keys (with the known ones), missing required settings,
 * values of the wrong type or out of range. What is wrong reads as absent.
 */
export function parseJson<N extends JsonNode>(
  node: N,
  value: unknown,
  path: string,
  at: ProblemAt,
): JsonValue<N> | undefined {
  const where = path === '' ? 'the top level' : path;
  if (value === undefined || (value === null && node.required)) {
    if (node.required)
      at(where, `is missing${node.node === 'field' && node.values ? `; one of [${node.values().join(' ')}]` : ''}`);
    return undefined;
  }
  if (value === null) return void at(where, 'must not be null (leave the setting out instead)');
  if (node.node === 'field') {
    const text = jsonText(node, value);
    if (typeof text !== 'string') return void at(where, text.problem);
    const raw = text.trim();
    if (raw === '' && node.kind !== 'list') return void at(where, 'must not be empty');
    if (raw.length > node.maxLength) {
      return void at(where, `value is ${raw.length} characters long; at most ${node.maxLength} are allowed`);
    }
    const outcome = node.parse(raw, { name: path, label: path });
    if (!outcome.ok) return void at(path, outcome.problem, true);
    return outcome.value as JsonValue<N>;
  }
  if (!isObject(value)) return void at(where, 'must be an object');
  // Keys are the user's: shortened in paths, so a huge key never makes huge messages.
  const child = (key: string): string => (path === '' ? shown(key) : `${path}.${shown(key)}`);
  if (node.node === 'record') {
    const entries = new Map<string, unknown>();
    for (const [key, item] of Object.entries(value)) {
      if (!node.keyPattern.test(key)) {
        // Its value is not read: every problem in it would repeat the bad name.
        at(child(key), `must be named ${node.keyRule}`);
        continue;
      }
      const parsed = parseJson(node.value, item, child(key), at);
      if (parsed !== undefined) entries.set(key, parsed);
    }
    return entries as JsonValue<N>;
  }
  const known = Object.keys(node.fields);
  const parsed: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(node.fields, key)) at(child(key), `is not a known setting; known: ${known.join(', ')}`);
  }
  for (const [key, spec] of Object.entries(node.fields)) {
    parsed[key] = parseJson(spec, value[key], child(key), at);
  }
  return parsed as JsonValue<N>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The JSON Schema (draft 2020-12) of a node, for editors. */
export function jsonSchema(node: JsonNode): Record<string, unknown> {
  if (node.node === 'shape') {
    const required = Object.entries(node.fields)
      .filter(([, spec]) => spec.required)
      .map(([key]) => key);
    return {
      type: 'object',
      description: node.doc,
      properties: Object.fromEntries(Object.entries(node.fields).map(([key, spec]) => [key, jsonSchema(spec)])),
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
    };
  }
  if (node.node === 'record') {
    return {
      type: 'object',
      description: node.doc,
      propertyNames: { pattern: node.keyPattern.source },
      additionalProperties: jsonSchema(node.value),
    };
  }
  const description = { description: node.doc };
  switch (node.kind) {
    case 'bool':
      return { type: 'boolean', ...description };
    case 'list': {
      const item = node.pattern ?? '[^,\\s]+';
      return {
        ...description,
        oneOf: [
          { type: 'string', pattern: `^[\\s,]*(${item})\\s*(,[\\s,]*(${item})\\s*)*[\\s,]*$` },
          {
            type: 'array',
            items: { type: 'string', pattern: `^\\s*(${item})?\\s*$` },
            contains: { type: 'string', pattern: '\\S' },
          },
        ],
      };
    }
    case 'enum': {
      const values = node.values?.() ?? [];
      if (node.foldCase !== true) return { type: 'string', enum: values, ...description };
      // JSON Schema has no case-insensitive match: the pattern spells each letter in both cases (and allows
      // the blanks the parser trims), so it accepts what the parser does; the enum is what editors offer.
      const anyCase = values.map((v) =>
        [...v]
          .map((c) =>
            c.toLowerCase() === c.toUpperCase() ? escapeRegExp(c) : `[${c.toLowerCase()}${c.toUpperCase()}]`,
          )
          .join(''),
      );
      return {
        type: 'string',
        anyOf: [
          { enum: [...new Set([...values, ...values.map((v) => v.toUpperCase())])] },
          { pattern: `^\\s*(${anyCase.join('|')})\\s*$` },
        ],
        ...description,
      };
    }
    case 'int':
    case 'number':
      return {
        type: node.kind === 'int' ? 'integer' : 'number',
        ...(node.minimum === undefined ? {} : { minimum: node.minimum }),
        ...(node.maximum === undefined ? {} : { maximum: node.maximum }),
        ...description,
      };
    default:
      return {
        type: 'string',
        pattern: node.pattern === undefined ? '\\S' : `^\\s*(${node.pattern})\\s*$`,
        maxLength: node.maxLength,
        ...description,
      };
  }
}
