/**
 * A seeded fuzzer for trigger metadata, shared by the integration test
 * (test/integration/metadataFuzz.test.ts, a subset in `make test`) and the
 * benchmark (bench/metadataFuzz.ts, the full run).
 *
 * Map `i` of seed `s` is built from its own PRNG (mulberry32 of `s` mixed
 * with `i`), so any one map can be rebuilt from the seed and its index, and
 * maps are made one at a time as they are sent (a run never holds thousands
 * of megabyte strings). Keys come from TRIGGER_SCHEMA (plus `…FromEnv`
 * variants, KEDA's own keys and unknown ones); values from pools of valid,
 * boundary, huge, unicode and hostile strings, some aimed at the live broker.
 *
 * Each map goes through the calls KEDA makes: GetMetricSpec, then GetMetrics
 * and IsActive. Every call must end within MAX_CALL_MS with one of
 * ALLOWED_CODES, and INVALID_ARGUMENT must say why in at most MAX_DETAILS
 * characters; FuzzReport collects what did not, grouped into distinct failures.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { ScaledObjectRef } from '../../src/generated/externalscaler.ts';
import { STRATEGY_NAMES } from '../../src/model/metadata/strategyNames.ts';
import { KEDA_KEYS, TRIGGER_SCHEMA } from '../../src/model/metadata/triggerMetadata.ts';
import { eventually } from '../../tools/eventually.ts';
import { type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';
import { commitOffsets, createTopic, produceToPartitions, testKafkaClient, uniqueName } from './kafka.ts';
import { freePorts } from '../../tools/kafka/ports.ts';

/** The seed when FUZZ_SEED is not set: runs are the same every time unless asked otherwise. */
export const DEFAULT_SEED = 20_251_203;
/** Statuses a call may end with; INTERNAL, UNKNOWN and the rest are failures. */
export const ALLOWED_CODES: ReadonlySet<status> = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.PERMISSION_DENIED,
  status.UNAVAILABLE,
  status.RESOURCE_EXHAUSTED,
]);
/** Every call ends within this, whatever the metadata. */
export const MAX_CALL_MS = 5_000;
/** INVALID_ARGUMENT details are at most this long (they go to KEDA's events and logs). */
export const MAX_DETAILS = 4_096;
/** The client gives up on a call after this, so a hung call is a failure, not a hung run. */
const DEADLINE_MS = 15_000;

/** FUZZ_SEED (an unsigned 32-bit integer) or `fallback`. */
export function fuzzSeed(fallback = DEFAULT_SEED): number {
  const raw = process.env['FUZZ_SEED']?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 0xffff_ffff) throw new Error(`FUZZ_SEED "${raw}" must be 0 to 4294967295`);
  return Number(raw);
}

/** FUZZ_MAPS (a positive integer) or `fallback`. */
export function fuzzMaps(fallback: number): number {
  const raw = process.env['FUZZ_MAPS']?.trim();
  if (!raw) return fallback;
  if (!/^[1-9]\d{0,6}$/.test(raw)) throw new Error(`FUZZ_MAPS "${raw}" must be 1 to 9999999`);
  return Number(raw);
}

/** mulberry32: a small, fast, deterministic PRNG; floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Draws from a mulberry32 stream. */
export class Rng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  next(): number {
    return this.#next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** The seed of item `index` of a run seeded with `seed`. */
export function itemSeed(seed: number, index: number): number {
  return (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
}

/** What the fuzzer aims at on the live broker. */
export interface FuzzTargets {
  /** The live broker's bootstrap servers. */
  readonly bootstrap: string;
  /** An existing topic with records. */
  readonly topic: string;
  /** A group with committed offsets on `topic`. */
  readonly group: string;
  /** Loopback ports nothing listens on. */
  readonly closedPorts: readonly number[];
}

/** Creates the topic and group the fuzzer aims at on `bootstrap`. */
export async function prepareTargets(bootstrap: string): Promise<FuzzTargets> {
  const topic = uniqueName('fuzz');
  const group = uniqueName('fuzz-app');
  const kafka = testKafkaClient(bootstrap);
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await createTopic(admin, topic, 3);
    await produceToPartitions(producer, topic, { 0: 20, 1: 5, 2: 1 });
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
  await commitOffsets(group, topic, { 0: 2, 1: 5, 2: 0 }, bootstrap);
  return { bootstrap, topic, group, closedPorts: await freePorts(2) };
}

// ---- values ----

const BOUNDARY_NUMBERS = [
  '0',
  '-1',
  '+10',
  '010',
  '1e309',
  'NaN',
  '9007199254740993',
  '-0',
  'Infinity',
  '0x10',
  '1.5',
  '.5',
  '5.',
  '1_000',
  ' 7 ',
  '2147483648',
  '-9007199254740993',
  '1e-400',
];
const VALID_NUMBERS = ['1', '5', '10', '100', '0.7', '1000000'];
const DURATIONS = [
  '0',
  '1ms',
  '999999999h',
  '-1s',
  '30s',
  '1m30s',
  '2h',
  '10000',
  '1.5s',
  's',
  '1e3s',
  `${'9'.repeat(30)}ms`,
  '15m',
  '10s',
  '1d',
];
const BOOLS = ['true', 'false', '1', '0', 'TRUE', 'True', 'f', 'yes', 'on', 'tRuE'];
const CONTROL_AND_UNICODE = [
  '\u0000',
  '\u0007\b\t',
  '\r\n',
  '\n',
  '\u202e',
  '\u{1F600}',
  'e\u0301',
  '\ud800',
  '\udfff\ud800',
  '\uffff',
  '\ufeff',
  'Ω≈ç√∫',
  '\u00a0',
  '"',
  "'",
  '\\',
  '${HOME}',
  '%s%n%x',
  '<script>',
  '\u001b[31m',
  '\u2028',
  '漢字',
];
const PARTITION_LISTS = [
  '0',
  '9',
  '0,1,2',
  '1-2',
  '5-1',
  '100-0',
  ',,,',
  ',',
  '0-2147483647',
  '2147483648',
  '4294967296',
  '-1',
  '1--2',
  ' 1 , 2 ',
  '0-',
  '-',
  '1-2-3',
  '00000000001',
];
const DURATION_KEYS = new Set(
  Object.entries(TRIGGER_SCHEMA)
    .filter(([, f]) => f.kind === 'duration')
    .map(([k]) => k),
);
const UNKNOWN_KEYS = [
  'foo',
  'BOOTSTRAPSERVERS',
  'bootstrapServers ',
  ' topic',
  'lag-threshold',
  'lagthreshold',
  '',
  ' ',
  'ключ',
  '\u0000',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'a.b.c',
  'sasl',
  'tls',
  'version',
];

/** A string of `size` characters (UTF-16 code units, roughly) in one of a few shapes. */
function huge(rng: Rng, size: number): string {
  switch (rng.int(6)) {
    case 0:
      return 'a'.repeat(size);
    case 1:
      return '0-100000,'.repeat(Math.ceil(size / 9)).slice(0, size);
    case 2:
      return `${'x'.repeat(size - 5)}:9092`;
    case 3:
      return '\u{1F600}'.repeat(Math.ceil(size / 2));
    case 4:
      return ','.repeat(size);
    default:
      return rng
        .bytes(Math.min(size, 65_536))
        .toString('latin1')
        .repeat(Math.ceil(size / 65_536));
  }
}

/** A size for a huge string: mostly kilobytes, sometimes up to 1 MB. */
function hugeSize(rng: Rng): number {
  return rng.pick([2_048, 4_096, 40_000, 65_536, 262_144, 1_048_576]);
}

/** `0-100000,` repeated to about `bytes`, without the trailing comma. */
function repeatedRanges(bytes: number): string {
  return '0-100000,'
    .repeat(Math.ceil(bytes / 9))
    .slice(0, bytes)
    .replace(/,+$/, '')
    .replace(/-$/, '');
}

function bootstrapValues(rng: Rng, t: FuzzTargets): string[] {
  const closed = t.closedPorts.map((p) => `127.0.0.1:${p}`);
  return [
    t.bootstrap,
    t.bootstrap,
    t.bootstrap,
    ',',
    ',,,',
    ...closed,
    '127.0.0.1:1',
    'nohost.invalid:9092',
    `${t.bootstrap},nohost.invalid:9092`,
    `${t.bootstrap},${rng.pick(closed)}`,
    `${t.bootstrap},${t.bootstrap}`,
    `  ${t.bootstrap}  `,
    'localhost:0',
    '[::1]:1',
    'a:99999',
    'kafka',
    ':9092',
    'PLAINTEXT://127.0.0.1:9092',
    `${'k'.repeat(300)}.invalid:9092`,
  ];
}

function topicValues(rng: Rng, t: FuzzTargets): string[] {
  return [
    t.topic,
    t.topic,
    t.topic,
    'x'.repeat(40_000),
    'a/b',
    '../etc',
    '',
    ',',
    ' ',
    'missing-topic-fuzz',
    't'.repeat(249),
    't'.repeat(250),
    `${t.topic},${t.topic}`,
    `${t.topic},missing-topic-fuzz`,
    `${t.topic}\u0000`,
    '__consumer_offsets',
    'ünïcode',
    Array.from({ length: 50 }, (_, i) => `fuzz-many-${i}`).join(','),
    `${t.topic}${rng.pick(CONTROL_AND_UNICODE)}`,
  ];
}

function groupValues(t: FuzzTargets): string[] {
  return [
    t.group,
    t.group,
    t.group,
    `${t.group}-none`,
    '',
    'g'.repeat(40_000),
    'g/with/slashes',
    'grüppe',
    `${t.group}\u0000`,
    ' ',
  ];
}

/** Values that suit `key` (valid ones and the key's own abuse cases). */
function valuesFor(rng: Rng, key: string, t: FuzzTargets): string[] {
  switch (key) {
    case 'bootstrapServers':
      return bootstrapValues(rng, t);
    case 'topic':
      return topicValues(rng, t);
    case 'consumerGroup':
      return groupValues(t);
    case 'partitionLimitation':
      return [...PARTITION_LISTS, repeatedRanges(4_096), repeatedRanges(rng.pick([512, 2_048, 65_536]))];
    case 'lagStrategy':
      return [...STRATEGY_NAMES, 'OFFSET', 'bogus', ''];
    case 'offsetResetPolicy':
      return ['earliest', 'latest', 'EARLIEST', 'none', ''];
    case 'topology':
      return [
        `source:${t.topic}`,
        `${t.topic}`,
        `a:${t.topic};b:${t.topic}-repartition`,
        `a:${t.topic};b:${t.topic}`,
        ';;;',
        ':',
        'a:',
        `a:${'t'.repeat(10_000)}`,
        Array.from({ length: 500 }, (_, i) => `s${i}:t${i}`).join(';'),
        `a:${t.topic}+${t.topic}`,
      ];
    case 'cluster':
      return ['', 'prod', 'default', 'x'.repeat(1_000)];
    case 'scalerAddress':
      return ['kstreams-scaler.keda:9090', '', 'x'];
    case 'enableTLS':
    case 'unsafeSsl':
    case 'fullMetadata':
      return BOOLS;
    default:
      break;
  }
  if (DURATION_KEYS.has(key)) return DURATIONS;
  const kind = (TRIGGER_SCHEMA as Readonly<Record<string, { kind: string } | undefined>>)[key]?.kind;
  if (kind === 'bool') return BOOLS;
  if (kind === 'int' || kind === 'number' || kind === 'custom') return [...VALID_NUMBERS, ...BOUNDARY_NUMBERS];
  return [...VALID_NUMBERS, 'x', 'true', '', t.topic];
}

/** One value for `key`: mostly one that suits it, else boundary, unicode, junk or huge. */
function valueFor(rng: Rng, key: string, t: FuzzTargets): string {
  const r = rng.next();
  const suited = (): string => rng.pick(valuesFor(rng, key, t));
  if (r < 0.6) return suited();
  if (r < 0.68) return rng.pick(BOUNDARY_NUMBERS);
  if (r < 0.72) return rng.pick(DURATIONS);
  if (r < 0.85) {
    const base = suited();
    const odd = rng.pick(CONTROL_AND_UNICODE);
    const at = rng.int(base.length + 1);
    return base.slice(0, at) + odd + base.slice(at);
  }
  if (r < 0.96) return rng.bytes(1 + rng.int(24)).toString(rng.chance(0.5) ? 'latin1' : 'utf8');
  return huge(rng, hugeSize(rng));
}

const SCHEMA_KEYS = Object.keys(TRIGGER_SCHEMA);
const KEDA_KEY_LIST = [...KEDA_KEYS, 'fullMetadata'];

function pickKey(rng: Rng): string {
  const r = rng.next();
  if (r < 0.68) return rng.pick(SCHEMA_KEYS);
  if (r < 0.78) return `${rng.pick(SCHEMA_KEYS)}FromEnv`;
  if (r < 0.86) return rng.pick(KEDA_KEY_LIST);
  if (r < 0.99) return rng.pick(UNKNOWN_KEYS);
  return 'k'.repeat(rng.pick([1_000, 40_000]));
}

/** The value a `…FromEnv` key carries: the same pools as the key it stands for. */
function baseKey(key: string): string {
  return key.endsWith('FromEnv') ? key.slice(0, -'FromEnv'.length) : key;
}

function setKey(metadata: Record<string, string>, key: string, value: string): void {
  // `__proto__` as a plain assignment would set the prototype; make it an own key as the wire allows.
  Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
}

/** ScaledObject name or namespace: mostly ordinary, sometimes hostile. */
function identity(rng: Rng, ordinary: string): string {
  if (rng.chance(0.85)) return ordinary;
  return rng.pick([
    '',
    ' ',
    'a/b',
    '../..',
    'n'.repeat(10_000),
    `${ordinary}${rng.pick(CONTROL_AND_UNICODE)}`,
    '漢字',
    '|',
  ]);
}

/** Map `index` of the run seeded with `seed`: the ref KEDA would send, and a metric name for GetMetrics when GetMetricSpec gives none. */
export function fuzzRef(
  seed: number,
  index: number,
  targets: FuzzTargets,
): { ref: ScaledObjectRef; fallbackMetricName: string } {
  const rng = new Rng(itemSeed(seed, index));
  const metadata: Record<string, string> = {};
  // Mostly a working trigger with a few changes, so the calls get past parsing to the broker.
  if (rng.chance(0.85)) {
    metadata['bootstrapServers'] = targets.bootstrap;
    metadata['consumerGroup'] = targets.group;
    metadata['topic'] = targets.topic;
  }
  const edits = rng.chance(0.45) ? 1 : 2 + rng.int(rng.chance(0.2) ? 8 : 3);
  for (let i = 0; i < edits; i++) {
    const key = pickKey(rng);
    setKey(metadata, key, valueFor(rng, baseKey(key), targets));
  }
  if (rng.chance(0.05)) delete metadata[rng.pick(['bootstrapServers', 'consumerGroup', 'topic'])];
  const ref = {
    name: identity(rng, `so-${index % 50}`),
    namespace: identity(rng, rng.pick(['default', 'apps'])),
    scalerMetadata: metadata,
  };
  const fallbackMetricName = rng.pick(['', 's0-fuzz', 'm'.repeat(10_000), `s0-${rng.pick(CONTROL_AND_UNICODE)}`]);
  return { ref, fallbackMetricName };
}

// ---- calls ----

export type FuzzMethod = 'GetMetricSpec' | 'GetMetrics' | 'IsActive';

export interface CallResult {
  readonly method: FuzzMethod;
  readonly code: status;
  readonly details: string;
  readonly ms: number;
}

type Callback = (err: ServiceError | null, res?: unknown) => void;

/** One unary call with a deadline; never rejects. */
async function timed(
  method: FuzzMethod,
  start: (metadata: Metadata, options: { deadline: number }, cb: Callback) => void,
): Promise<CallResult & { response?: unknown }> {
  const started = performance.now();
  try {
    const response = await new Promise<unknown>((resolve, reject) => {
      start(new Metadata(), { deadline: Date.now() + DEADLINE_MS }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    return { method, code: status.OK, details: '', ms: performance.now() - started, response };
  } catch (err) {
    const e = err as Partial<ServiceError>;
    return {
      method,
      code: typeof e.code === 'number' ? e.code : status.UNKNOWN,
      details: typeof e.details === 'string' ? e.details : `client-side: ${String(err)}`,
      ms: performance.now() - started,
    };
  }
}

/** KEDA's calls for one map: GetMetricSpec, then GetMetrics (for the spec's name) and IsActive. */
export async function callsFor(
  client: ScalerClient,
  ref: ScaledObjectRef,
  fallbackMetricName: string,
): Promise<CallResult[]> {
  const raw = client.raw;
  const spec = await timed('GetMetricSpec', (md, options, cb) => raw.getMetricSpec(ref, md, options, cb));
  const specs = (spec.response as { metricSpecs?: Array<{ metricName: string }> } | undefined)?.metricSpecs;
  const metricName = specs?.[0]?.metricName ?? fallbackMetricName;
  const [metrics, active] = await Promise.all([
    timed('GetMetrics', (md, options, cb) => raw.getMetrics({ scaledObjectRef: ref, metricName }, md, options, cb)),
    timed('IsActive', (md, options, cb) => raw.isActive(ref, md, options, cb)),
  ]);
  return [spec, metrics, active].map(({ method, code, details, ms }) => ({ method, code, details, ms }));
}

/**
 * KEDA's calls for the working trigger of `targets` until all three answer
 * OK: the scaler reads the broker before fuzzing starts (a run that never
 * gets past it would prove little), and its first-call costs are paid before
 * memory is measured.
 */
export async function warmUp(port: number, targets: FuzzTargets): Promise<void> {
  const client = scalerClient(port);
  const ref = {
    name: 'warm-up',
    namespace: 'default',
    scalerMetadata: { bootstrapServers: targets.bootstrap, consumerGroup: targets.group, topic: targets.topic },
  };
  try {
    await eventually(
      () => callsFor(client, ref, ''),
      (results) => results.every((r) => r.code === status.OK),
      { timeoutMs: 20_000, everyMs: 250, what: 'OK from every call for the working trigger' },
    );
  } finally {
    client.close();
  }
}

export interface FuzzRun {
  readonly seed: number;
  readonly maps: number;
  readonly concurrency: number;
  readonly targets: FuzzTargets;
  /** The scaler's gRPC port. */
  readonly port: number;
  /** The scaler's captured log lines, drained into the report as the run goes. */
  readonly logs: Array<Record<string, unknown>>;
  readonly report: FuzzReport;
  /** Told after each map, with the number of maps done. */
  readonly progress?: (done: number) => void;
}

/**
 * Sends maps 0 to `maps - 1`, `concurrency` at a time, into `report`. A call
 * that ends with a status not allowed may have broken its channel (an HTTP/2
 * protocol error ends the session, and every later call on it fails as
 * INTERNAL too), so later maps get a fresh client: one failure shows once,
 * not thousands of times. Old clients close once their calls are done.
 */
export async function runFuzz(run: FuzzRun): Promise<void> {
  let client = scalerClient(run.port);
  const retired = new Map<ScalerClient, NodeJS.Timeout>();
  try {
    await forEachBounded(run.maps, run.concurrency, async (index) => {
      const { ref, fallbackMetricName } = fuzzRef(run.seed, index, run.targets);
      const used = client;
      const results = await callsFor(used, ref, fallbackMetricName);
      run.report.add(index, ref, results);
      run.report.drainLogs(run.logs);
      if (used === client && results.some((r) => !ALLOWED_CODES.has(r.code))) {
        const old = client;
        retired.set(
          old,
          setTimeout(() => {
            old.close();
            retired.delete(old);
          }, DEADLINE_MS + 1_000),
        );
        client = scalerClient(run.port);
      }
      run.progress?.(run.report.maps);
    });
  } finally {
    for (const [old, timer] of retired) {
      clearTimeout(timer);
      old.close();
    }
    client.close();
  }
}

export type ProblemKind = 'status' | 'slow' | 'empty-details' | 'long-details';

/** What is wrong with one call's outcome (nothing, usually). */
export function callProblems(r: CallResult): ProblemKind[] {
  const problems: ProblemKind[] = [];
  if (!ALLOWED_CODES.has(r.code)) problems.push('status');
  if (r.ms > MAX_CALL_MS) problems.push('slow');
  if (r.code === status.INVALID_ARGUMENT && r.details.trim() === '') problems.push('empty-details');
  if (r.code === status.INVALID_ARGUMENT && r.details.length > MAX_DETAILS) problems.push('long-details');
  return problems;
}

/** Runs `work(0..count-1)` with at most `limit` at a time. */
export async function forEachBounded(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

// ---- reporting ----

/** A string for a report line: escaped, and only its ends when it is long. */
export function shorten(text: string, max = 48): string {
  if (text.length <= max) return JSON.stringify(text);
  // Cut between code points, not inside a surrogate pair.
  const low = (at: number): boolean => /[\udc00-\udfff]/.test(text.charAt(at));
  let headEnd = Math.floor(max * 0.6);
  if (low(headEnd)) headEnd--;
  let tailStart = text.length - Math.floor(max * 0.2);
  if (low(tailStart)) tailStart++;
  return `${JSON.stringify(text.slice(0, headEnd))}…${JSON.stringify(text.slice(tailStart))} (${text.length} chars)`;
}

/** A ref in one line: its name, namespace and metadata, every part shortened. */
export function describeRef(ref: ScaledObjectRef): string {
  const entries = Object.entries(ref.scalerMetadata).map(([k, v]) => `${shorten(k, 32)}: ${shorten(v)}`);
  return `${shorten(ref.namespace, 24)}/${shorten(ref.name, 24)} {${entries.join(', ')}}`;
}

/** Details with quoted values and numbers blanked, so one failure with many inputs groups as one. */
function detailsShape(details: string): string {
  return details
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 200);
}

/**
 * What makes two failures of a kind the same: for long details, the long
 * inputs they echo (metadata keys with values over 256 characters that the
 * details name, or the ScaledObject's name or namespace); the details' shape
 * otherwise.
 */
function failureShape(kind: ProblemKind, details: string, ref: ScaledObjectRef): string {
  if (kind !== 'long-details') return detailsShape(details);
  const echoed = Object.entries(ref.scalerMetadata)
    .filter(([key, value]) => value.length > 256 && details.includes(`"${key}"`))
    .map(([key]) => key.slice(0, 64));
  if (ref.name.length > 256 && details.includes(ref.name.slice(0, 256))) echoed.push('(name)');
  if (ref.namespace.length > 256 && details.includes(ref.namespace.slice(0, 256))) echoed.push('(namespace)');
  return echoed.length > 0 ? echoed.sort().join(',') : detailsShape(details).slice(0, 60);
}

export interface FuzzFailure {
  readonly kind: ProblemKind;
  readonly method: FuzzMethod;
  readonly code: status;
  readonly details: string;
  readonly ms: number;
  readonly index: number;
  readonly input: string;
  count: number;
}

/** Counts by method and status, the slowest call, distinct failures and the scaler's error logs. */
export class FuzzReport {
  readonly seed: number;
  maps = 0;
  calls = 0;
  readonly counts = new Map<FuzzMethod, Map<string, number>>();
  slowest: (CallResult & { index: number; input: string }) | undefined;
  readonly #failures = new Map<string, FuzzFailure>();
  /** Error lines the scaler logged (e.g. "unexpected error" for INTERNAL), distinct, with counts. */
  readonly errorLogs = new Map<string, number>();

  constructor(seed: number) {
    this.seed = seed;
  }

  add(index: number, ref: ScaledObjectRef, results: readonly CallResult[]): void {
    this.maps++;
    let input: string | undefined;
    const describe = (): string => (input ??= describeRef(ref));
    for (const r of results) {
      this.calls++;
      const byCode = this.counts.get(r.method) ?? new Map<string, number>();
      this.counts.set(r.method, byCode);
      const name = status[r.code] ?? String(r.code);
      byCode.set(name, (byCode.get(name) ?? 0) + 1);
      if (!this.slowest || r.ms > this.slowest.ms) this.slowest = { ...r, index, input: describe() };
      for (const kind of callProblems(r)) {
        const key = `${kind}|${r.method}|${r.code}|${failureShape(kind, r.details, ref)}`;
        const seen = this.#failures.get(key);
        if (seen) {
          seen.count++;
          continue;
        }
        this.#failures.set(key, { kind, ...r, index, input: describe(), count: 1 });
      }
    }
  }

  /** Takes the error-level lines out of captured scaler logs (and empties them, so a long run does not keep them). */
  drainLogs(logs: Array<Record<string, unknown>>): void {
    for (const line of logs.splice(0)) {
      if (typeof line['level'] !== 'number' || line['level'] < 50) continue;
      const err = line['err'] as { type?: string; message?: string; stack?: string } | undefined;
      const frame = err?.stack?.split('\n').find((l) => l.includes('/src/'));
      const text = [
        String(line['msg']),
        typeof line['method'] === 'string' ? `(${line['method']})` : '',
        err ? `${err.type ?? 'Error'}: ${(err.message ?? '').slice(0, 160)}` : '',
        frame ? frame.trim().replace(/^.*\/src\//, 'at src/') : '',
      ]
        .filter(Boolean)
        .join(' ');
      this.errorLogs.set(text, (this.errorLogs.get(text) ?? 0) + 1);
    }
  }

  get failures(): FuzzFailure[] {
    return [...this.#failures.values()];
  }

  /** Counts by status, the slowest call, and every distinct failure, as lines. */
  format(): string {
    const lines: string[] = [`seed ${this.seed}: ${this.maps} maps, ${this.calls} calls`];
    for (const [method, byCode] of this.counts) {
      const cells = [...byCode].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, n]) => `${code} ${n}`);
      lines.push(`  ${method.padEnd(13)} ${cells.join(', ')}`);
    }
    if (this.slowest) {
      const s = this.slowest;
      lines.push(
        `  slowest: ${s.method} ${Math.round(s.ms)} ms, ${status[s.code]} ${shorten(s.details, 120)}, map #${s.index} ${s.input}`,
      );
    }
    const failures = this.failures;
    lines.push(`  distinct failures: ${failures.length}`);
    for (const f of failures) lines.push(`    ${formatFailure(f)}`);
    if (this.errorLogs.size > 0) {
      lines.push(`  scaler error logs (distinct): ${this.errorLogs.size}`);
      for (const [text, n] of this.errorLogs) lines.push(`    ${n}× ${text}`);
    }
    return lines.join('\n');
  }
}

/** One failure in one line: what was wrong, the call, the input that showed it. */
export function formatFailure(f: FuzzFailure): string {
  const what: Record<ProblemKind, string> = {
    status: 'status not allowed',
    slow: `slower than ${MAX_CALL_MS} ms`,
    'empty-details': 'INVALID_ARGUMENT without details',
    'long-details': `INVALID_ARGUMENT details over ${MAX_DETAILS} chars`,
  };
  return (
    `${what[f.kind]}: ${f.method} → ${status[f.code] ?? f.code} in ${Math.round(f.ms)} ms` +
    ` (${f.count}×), details ${shorten(f.details, 160)}; first map #${f.index}: ${f.input}`
  );
}

/**
 * A full garbage collection, so RSS figures show what is kept rather than
 * what is not yet collected (V8's gc, exposed at run time: mocha's options
 * are shared with every other test).
 */
export async function collectGarbage(): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  // Twice, a moment apart: buffers' memory is released after the collection that finds them dead.
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
}

/** Process memory in MB. */
export function memoryMb(): { rss: number; heapUsed: number; external: number } {
  const m = process.memoryUsage();
  const mb = (bytes: number): number => Math.round(bytes / 1_048_576);
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), external: mb(m.external) };
}
