/**
 * Soak benchmark: the real scaler process under KEDA's and the HPA's call
 * pattern for many triggers, for minutes, so a leak shows up as a figure.
 *
 *   make bench-soak                        # 200 triggers, 10 minutes
 *   TRIGGERS=50 MINUTES=4 make bench-soak
 *   node bench/soak.ts --triggers 500 --minutes 4
 *   BUILT=1 make bench-soak                # the compiled dist/main.js, as the container runs it
 *
 * It starts its own Kafka broker (tools/kafka, KAFKA_VERSION as the harness
 * reads it) with one consumer group per trigger over topics of 12 partitions,
 * a producer and committer that keep offsets moving (bench/soakWorkload.ts),
 * and the scaler as its own process: `node src/main.ts` with the shipped
 * defaults but for its ports on 127.0.0.1. SCALER_* variables given to the
 * benchmark reach the scaler, for experiments (SCALER_HISTORY=5m). With
 * --built or BUILT=1 it runs src/ compiled by tsc as `node dist/main.js`, as
 * the image does: no type stripping, whose compiler costs about 30 MiB of RSS.
 *
 * Each trigger (strategies offset, time and rate in turn) gets GetMetricSpec
 * once, then GetMetrics + IsActive every 30 s (KEDA polling) and GetMetrics
 * every 15 s (the HPA), spread over the interval, on one gRPC channel as KEDA
 * shares one per scaler address.
 *
 * Every minute one line: the scaler's RSS (/proc/<pid>/status VmRSS) and its
 * lowest over the minute (read every 5 s), heap used (and its lowest over the
 * minute's scrapes, every 15 s as Prometheus would), heap total and external
 * memory (its own /metrics: prom-client's default metrics), pollers, open
 * fds (/proc/<pid>/fd), CPU% of one core over the minute (/proc/<pid>/stat),
 * event-loop lag p99, the calls made and failed with their p99 latency, and
 * the load average. At the end the table again, the growth (least squares,
 * MiB per minute over the second half, of the readings and of the lows) and
 * RSS per trigger.
 *
 * Everything it starts is stopped by PID at the end, on failure and on
 * Ctrl-C (a second Ctrl-C, or one during setup, exits at once; the harness's
 * exit hook and watchdog (tools/managedProcess.ts) then SIGKILL the broker and
 * the scaler).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { VARIABLES } from '../src/config.ts';
import { parseDurationMs } from '../src/duration.ts';
import type { GetMetricSpecResponse, ScaledObjectRef } from '../src/generated/externalscaler.ts';
import { type LocalKafka, startKafka } from '../tools/kafka/localKafka.ts';
import { kafkaVersionFromEnv } from '../tools/kafka/versions.ts';
import { ref, type ScalerClient, scalerClient } from '../tools/keda/scalerClient.ts';
import { type ScalerProcess, startScalerProcess } from '../demo/scalerProcess.ts';
import { soakLayout, SoakWorkload } from './soakWorkload.ts';

const KEDA_POLLING_MS = 30_000;
const HPA_SYNC_MS = 15_000;
const MINUTE_MS = 60_000;
/** Per call, as KEDA bounds its calls to an external scaler. */
const CALL_DEADLINE_MS = 5_000;
const SCHEDULER_TICK_MS = 100;
const RSS_EVERY_MS = 5_000;
/** /metrics every 3 RSS readings: every 15 s, a common Prometheus scrape interval. */
const SCRAPE_EVERY_STEPS = 3;
const METRIC_PREFIX = 'kstreams_scaler_';
const REPO = path.resolve(import.meta.dirname, '..');
const WORK_DIR = path.join(REPO, '.cache', 'bench-soak');
const MiB = 1024 * 1024;
const STRATEGIES = ['offset', 'time', 'rate'] as const;

const say = (line: string): void => void process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------- options

function positiveInt(name: string, text: string, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be a whole number from 1 to ${max}, not "${text}"`);
  }
  return value;
}

function readOptions(): { triggers: number; minutes: number; built: boolean } {
  const { values } = parseArgs({
    options: { triggers: { type: 'string' }, minutes: { type: 'string' }, built: { type: 'boolean' } },
  });
  return {
    triggers: positiveInt('TRIGGERS', values.triggers ?? (process.env['TRIGGERS'] || '200'), 5_000),
    minutes: positiveInt('MINUTES', values.minutes ?? (process.env['MINUTES'] || '10'), 24 * 60),
    built: values.built ?? ['1', 'true', 'yes'].includes(process.env['BUILT'] ?? ''),
  };
}

// ---------------------------------------------------------------- the scaler process

/**
 * The compiled service as the container runs it (`node dist/main.js`, no type
 * stripping): src/ built with tsconfig.build.json into .cache/bench-soak/build/dist,
 * beside links to proto/ and web/, which it finds relative to itself.
 */
function buildScaler(): string {
  const root = path.join(WORK_DIR, 'build');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const tsc = spawnSync(
    process.execPath,
    [
      path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      path.join(root, 'dist'),
    ],
    { cwd: REPO, stdio: 'inherit', timeout: 300_000 },
  );
  if (tsc.status !== 0) throw new Error(`building src/ failed (tsc ${tsc.status ?? tsc.signal})`);
  symlinkSync(path.join(REPO, 'proto'), path.join(root, 'proto'));
  symlinkSync(path.join(REPO, 'web'), path.join(root, 'web'));
  return path.join(root, 'dist', 'main.js');
}

// ---------------------------------------------------------------- measuring the scaler

interface Row {
  readonly minute: number;
  readonly rssMiB: number;
  /** The lowest RSS seen over the minute (every 5 s). */
  readonly rssLowMiB: number;
  readonly promRssMiB: number | undefined;
  readonly heapUsedMiB: number | undefined;
  /** The lowest heap used over the minute's scrapes (every 15 s): the live set plus the least garbage. */
  readonly heapLowMiB: number | undefined;
  readonly heapTotalMiB: number | undefined;
  readonly externalMiB: number | undefined;
  readonly pollers: number | undefined;
  readonly fds: number;
  readonly cpuPercent: number;
  readonly loopLagP99Ms: number | undefined;
  readonly calls: number;
  readonly failed: number;
  readonly callP99Ms: number | undefined;
  readonly load1: number;
}

/** utime + stime in clock ticks (fields 14 and 15 of /proc/<pid>/stat); 100 ticks a second on Linux. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
const TICKS_PER_SECOND = 100;

function vmRssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Sums of every sample of each metric in a Prometheus text exposition, by name without the scaler's prefix. */
function parseExposition(text: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const name = match[1]!.startsWith(METRIC_PREFIX) ? match[1]!.slice(METRIC_PREFIX.length) : match[1]!;
    sums.set(name, (sums.get(name) ?? 0) + value);
  }
  return sums;
}

async function scrape(httpPort: number): Promise<Map<string, number>> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return res.ok ? parseExposition(await res.text()) : new Map();
  } catch {
    return new Map();
  }
}

function load1(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Reads the scaler's figures: RSS every 5 s, /metrics every 15 s (as Prometheus would scrape), a row a minute. */
class Probe {
  readonly #pid: number;
  readonly #httpPort: number;
  #lastTicks: number;
  #lastAt: number;
  #rssLow = Infinity;
  #heapLow = Infinity;

  constructor(pid: number, httpPort: number) {
    this.#pid = pid;
    this.#httpPort = httpPort;
    this.#lastTicks = cpuTicks(pid);
    this.#lastAt = performance.now();
  }

  /** Notes the RSS, and with `scrape` the heap used, for the minute's lows. */
  async observe(withScrape: boolean): Promise<void> {
    this.#rssLow = Math.min(this.#rssLow, vmRssMiB(this.#pid));
    if (!withScrape) return;
    const used = (await scrape(this.#httpPort)).get('nodejs_heap_size_used_bytes');
    if (used !== undefined) this.#heapLow = Math.min(this.#heapLow, used / MiB);
  }

  async row(minute: number, calls: CallWindow): Promise<Row> {
    const metrics = await scrape(this.#httpPort);
    const ticks = cpuTicks(this.#pid);
    const at = performance.now();
    const cpuPercent = ((ticks - this.#lastTicks) / TICKS_PER_SECOND / ((at - this.#lastAt) / 1000)) * 100;
    this.#lastTicks = ticks;
    this.#lastAt = at;
    const mib = (name: string): number | undefined => {
      const v = metrics.get(name);
      return v === undefined ? undefined : v / MiB;
    };
    const lag = metrics.get('nodejs_eventloop_lag_p99_seconds');
    const rssMiB = vmRssMiB(this.#pid);
    const heapUsedMiB = mib('nodejs_heap_size_used_bytes');
    const row: Row = {
      minute,
      rssMiB,
      rssLowMiB: Math.min(this.#rssLow, rssMiB),
      promRssMiB: mib('process_resident_memory_bytes'),
      heapUsedMiB,
      heapLowMiB: heapUsedMiB === undefined ? undefined : Math.min(this.#heapLow, heapUsedMiB),
      heapTotalMiB: mib('nodejs_heap_size_total_bytes'),
      externalMiB: mib('nodejs_external_memory_bytes'),
      pollers: metrics.get('pollers') ?? (metrics.size > 0 ? 0 : undefined),
      fds: readdirSync(`/proc/${this.#pid}/fd`).length,
      cpuPercent,
      loopLagP99Ms: lag === undefined ? undefined : lag * 1000,
      calls: calls.calls,
      failed: calls.failed,
      callP99Ms: calls.p99(),
      load1: load1(),
    };
    this.#rssLow = Infinity;
    this.#heapLow = Infinity;
    return row;
  }
}

const COLUMNS: ReadonlyArray<readonly [string, number, (r: Row) => string]> = [
  ['min', 4, (r) => String(r.minute)],
  ['RSS MiB', 8, (r) => r.rssMiB.toFixed(1)],
  ['RSS lo', 7, (r) => r.rssLowMiB.toFixed(1)],
  ['promRSS', 8, (r) => fixed(r.promRssMiB, 1)],
  ['heapUsed', 9, (r) => fixed(r.heapUsedMiB, 1)],
  ['heap lo', 8, (r) => fixed(r.heapLowMiB, 1)],
  ['heapTotal', 9, (r) => fixed(r.heapTotalMiB, 1)],
  ['external', 9, (r) => fixed(r.externalMiB, 1)],
  ['pollers', 7, (r) => fixed(r.pollers, 0)],
  ['fds', 5, (r) => String(r.fds)],
  ['CPU%', 6, (r) => r.cpuPercent.toFixed(1)],
  ['loopP99ms', 9, (r) => fixed(r.loopLagP99Ms, 1)],
  ['calls', 6, (r) => String(r.calls)],
  ['failed', 6, (r) => String(r.failed)],
  ['callP99ms', 9, (r) => fixed(r.callP99Ms, 1)],
  ['load1', 5, (r) => r.load1.toFixed(2)],
];

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? '-' : value.toFixed(digits);
}

function header(): string {
  return COLUMNS.map(([name, width]) => name.padStart(width)).join(' ');
}

function line(row: Row): string {
  return COLUMNS.map(([, width, cell]) => cell(row).padStart(width)).join(' ');
}

/** Least-squares slope of `y` over `x`, or undefined with fewer than two points. */
function slope(points: ReadonlyArray<readonly [number, number]>): number | undefined {
  if (points.length < 2) return undefined;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  return sxx === 0 ? undefined : sxy / sxx;
}

// ---------------------------------------------------------------- KEDA and the HPA

/** The calls of one minute: how many, how many failed and by which code, and their latencies. */
class CallWindow {
  calls = 0;
  failed = 0;
  readonly codes = new Map<string, number>();
  readonly #latencies: number[] = [];

  record(ms: number, err: unknown): void {
    this.calls++;
    this.#latencies.push(ms);
    if (err !== undefined) {
      this.failed++;
      const code = typeof (err as ServiceError).code === 'number' ? status[(err as ServiceError).code] : 'ERROR';
      const name = code ?? 'ERROR';
      this.codes.set(name, (this.codes.get(name) ?? 0) + 1);
    }
  }

  p99(): number | undefined {
    if (this.#latencies.length === 0) return undefined;
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
  }
}

interface SoakTrigger {
  readonly ref: ScaledObjectRef;
  metricName: string;
  nextKeda: number;
  nextHpa: number;
  kedaBusy: boolean;
  hpaBusy: boolean;
}

function unary<T>(
  start: (meta: Metadata, options: { deadline: number }, cb: (err: ServiceError | null, res: T) => void) => unknown,
): Promise<T> {
  return new Promise((resolve, reject) => {
    start(new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** Calls the scaler for every trigger as KEDA (every 30 s) and the HPA (every 15 s) do, until stopped. */
class KedaDriver {
  readonly #client: ScalerClient;
  readonly #triggers: readonly SoakTrigger[];
  readonly #inFlight = new Set<Promise<void>>();
  window = new CallWindow();
  /** Calls skipped because the same trigger's previous one had not answered yet. */
  overlaps = 0;
  readonly totalCodes = new Map<string, number>();

  constructor(client: ScalerClient, triggers: readonly SoakTrigger[]) {
    this.#client = client;
    this.#triggers = triggers;
  }

  /** Runs until `until` (epoch ms) or `signal`; returns once the calls still in flight have ended. */
  async run(until: number, signal: AbortSignal): Promise<void> {
    const n = this.#triggers.length;
    const start = Date.now();
    this.#triggers.forEach((t, i) => {
      t.nextKeda = start + (i / n) * KEDA_POLLING_MS;
      // The HPA syncs on its own clock: half an interval apart from KEDA's.
      t.nextHpa = start + (((i / n) * HPA_SYNC_MS + HPA_SYNC_MS / 2) % HPA_SYNC_MS);
    });
    while (!signal.aborted && Date.now() < until) {
      const now = Date.now();
      for (const t of this.#triggers) {
        if (now >= t.nextKeda) {
          t.nextKeda += KEDA_POLLING_MS;
          if (t.kedaBusy) this.overlaps++;
          else this.#track(this.#kedaPoll(t));
        }
        if (now >= t.nextHpa) {
          t.nextHpa += HPA_SYNC_MS;
          if (t.hpaBusy) this.overlaps++;
          else this.#track(this.#hpaSync(t));
        }
      }
      await sleep(SCHEDULER_TICK_MS, undefined, { signal }).catch(() => {});
    }
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Starts a new minute's window; returns the one that ended. */
  rotate(): CallWindow {
    const ended = this.window;
    this.window = new CallWindow();
    for (const [code, count] of ended.codes) this.totalCodes.set(code, (this.totalCodes.get(code) ?? 0) + count);
    return ended;
  }

  #track(call: Promise<void>): void {
    this.#inFlight.add(call);
    void call.finally(() => this.#inFlight.delete(call));
  }

  async #timed<T>(call: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    try {
      const res = await call();
      this.window.record(performance.now() - started, undefined);
      return res;
    } catch (err) {
      this.window.record(performance.now() - started, err);
      return undefined;
    }
  }

  async #kedaPoll(t: SoakTrigger): Promise<void> {
    t.kedaBusy = true;
    try {
      const raw = this.#client.raw;
      await this.#timed(() =>
        unary((m, o, cb) => raw.getMetrics({ scaledObjectRef: t.ref, metricName: t.metricName }, m, o, cb)),
      );
      await this.#timed(() => unary((m, o, cb) => raw.isActive(t.ref, m, o, cb)));
    } finally {
      t.kedaBusy = false;
    }
  }

  async #hpaSync(t: SoakTrigger): Promise<void> {
    t.hpaBusy = true;
    try {
      const raw = this.#client.raw;
      await this.#timed(() =>
        unary((m, o, cb) => raw.getMetrics({ scaledObjectRef: t.ref, metricName: t.metricName }, m, o, cb)),
      );
    } finally {
      t.hpaBusy = false;
    }
  }
}

/** The ScaledObjects' triggers: one per consumer group, the strategies in turn. */
function soakTriggers(
  layout: ReturnType<typeof soakLayout>,
  bootstrapServers: string,
  grpcPort: number,
): SoakTrigger[] {
  return layout.groups.map((group, i) => {
    const strategy = STRATEGIES[i % STRATEGIES.length]!;
    const metadata: Record<string, string> = {
      scalerAddress: `127.0.0.1:${grpcPort}`,
      bootstrapServers,
      consumerGroup: group.id,
      topic: group.topics.join(','),
      lagThreshold: String(50 + (i % 4) * 50),
      lagStrategy: strategy,
      ...(strategy === 'time' ? { timeLagThreshold: '30' } : {}),
      ...(strategy === 'rate' && i % 2 === 0 ? { replicaThroughput: '20' } : {}),
    };
    return {
      ref: ref(metadata, `soak-app-${i}`, 'bench'),
      metricName: '',
      nextKeda: 0,
      nextHpa: 0,
      kedaBusy: false,
      hpaBusy: false,
    };
  });
}

async function getMetricSpecs(client: ScalerClient, triggers: readonly SoakTrigger[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < triggers.length) {
      const t = triggers[next++]!;
      const res: GetMetricSpecResponse = await unary((m, o, cb) => client.raw.getMetricSpec(t.ref, m, o, cb));
      const spec = res.metricSpecs[0];
      if (!spec || res.metricSpecs.length !== 1) {
        throw new Error(`GetMetricSpec for ${t.ref.name} gave ${res.metricSpecs.length} specs`);
      }
      t.metricName = spec.metricName;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

// ---------------------------------------------------------------- the run

/** Counts of the scaler log's lines by level (pino: 40 warn, 50 error, 60 fatal). */
function logLevels(logFile: string): { warn: number; error: number; firstProblem: string | undefined } {
  let warn = 0;
  let error = 0;
  let firstProblem: string | undefined;
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return { warn, error, firstProblem };
  }
  for (const l of text.split('\n')) {
    if (l === '') continue;
    let level: number;
    try {
      level = (JSON.parse(l) as { level?: number }).level ?? 0;
    } catch {
      level = 50;
    }
    if (level >= 50) error++;
    else if (level >= 40) warn++;
    if (level >= 40 && firstProblem === undefined) firstProblem = l.slice(0, 300);
  }
  return { warn, error, firstProblem };
}

function summary(
  rows: readonly Row[],
  idle: Row,
  triggers: number,
  minutes: number,
  historyMs: number,
  driver: KedaDriver,
  workload: SoakWorkload,
  logFile: string,
): void {
  say('');
  say(`soak summary: ${triggers} triggers, ${rows.length - 1} of ${minutes} minute(s)`);
  say(header());
  say(line(idle).replace(/^\s*\d+/, (m) => 'idle'.padStart(m.length)));
  for (const row of rows) say(line(row));
  const last = rows[rows.length - 1]!;
  say('');
  const growth = (what: string, from: number): void => {
    const span = rows.filter((r) => r.minute >= from && r.minute > 0);
    const of = (pick: (r: Row) => number | undefined): string =>
      fixed(slope(span.filter((r) => pick(r) !== undefined).map((r) => [r.minute, pick(r)!] as const)), 2);
    say(
      `growth ${what} (minutes ${span.length > 1 ? `${span[0]!.minute}-${last.minute}` : 'too few'}): ` +
        `RSS ${of((r) => r.rssMiB)} MiB/min (lows ${of((r) => r.rssLowMiB)}), ` +
        `heap used ${of((r) => r.heapUsedMiB)} MiB/min (lows ${of((r) => r.heapLowMiB)})`,
    );
  };
  growth('over the second half', last.minute / 2);
  // Until every poller holds a full history, growth is expected; after it, a rise is a leak.
  const fullAt = Math.ceil(historyMs / MINUTE_MS) + 1;
  if (last.minute - fullAt >= 2) growth(`once the poll history (${historyMs / MINUTE_MS} min) is full`, fullAt);
  else
    say(
      `(the poll history, ${historyMs / MINUTE_MS} min, fills by minute ${fullAt}: run longer to see growth after it)`,
    );
  say(
    `RSS per trigger: ${(((last.rssMiB - idle.rssMiB) / triggers) * 1024).toFixed(1)} KiB above the idle scaler ` +
      `(${idle.rssMiB.toFixed(1)} MiB idle, ${last.rssMiB.toFixed(1)} MiB at the end; ${((last.rssMiB / triggers) * 1024).toFixed(1)} KiB per trigger in all)`,
  );
  const peak = Math.max(...rows.map((r) => r.rssMiB));
  say(`peak RSS ${peak.toFixed(1)} MiB; fds ${rows[0]!.fds} at minute 0, ${last.fds} at the end`);
  const codes = [...driver.totalCodes].map(([c, n]) => `${c} ${n}`).join(', ');
  say(`calls failed: ${codes || 'none'}; calls skipped because the previous one was still open: ${driver.overlaps}`);
  const w = workload.counts();
  say(
    `workload: ${w.produced} records produced (${w.produceErrors} failed sends), ${w.commits} offset commits (${w.commitErrors} failed)` +
      (w.lastError ? `; last error: ${w.lastError}` : ''),
  );
  const levels = logLevels(logFile);
  say(`scaler log ${logFile}: ${levels.warn} warn, ${levels.error} error line(s)`);
  if (levels.firstProblem) say(`  first: ${levels.firstProblem}`);
  say(
    'note: each poller keeps SCALER_HISTORY of polls (15 min by default) and each trigger an hour of figures for ' +
      'the status page (small), so memory rises until the history is full without any leak.',
  );
}

async function main(): Promise<number> {
  const { triggers, minutes, built } = readOptions();
  const version = kafkaVersionFromEnv().text;
  const abort = new AbortController();
  let phase: 'setup' | 'run' | 'teardown' = 'setup';
  const onSignal = (signal: NodeJS.Signals): void => {
    if (phase !== 'run' || abort.signal.aborted) {
      // The exit hooks of the harness and of the scaler process SIGKILL them by PID.
      process.stderr.write(`${signal}: exiting now\n`);
      process.exit(130);
    }
    process.stderr.write(`${signal}: stopping after this step (again to exit at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  say(
    `soak: ${triggers} triggers for ${minutes} minute(s) on Kafka ${version}; load average ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  mkdirSync(WORK_DIR, { recursive: true });
  const logFile = path.join(WORK_DIR, 'scaler.log');
  const scalerMain = built ? buildScaler() : path.join(REPO, 'src', 'main.ts');
  // SCALER_* variables given to the benchmark reach the scaler (for experiments); none: the shipped defaults.
  const settings = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[0].startsWith('SCALER_') &&
        e[1] !== undefined &&
        !['SCALER_HOST', 'SCALER_GRPC_PORT', 'SCALER_HTTP_PORT'].includes(e[0]),
    ),
  );
  const historyText = settings['SCALER_HISTORY'];
  const historyMs = historyText === undefined ? VARIABLES.SCALER_HISTORY.fallback : parseDurationMs(historyText);
  if (historyMs === undefined) throw new Error(`SCALER_HISTORY "${historyText}" is not a duration`);
  const described = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
  say(
    `scaler settings: ${described.length > 0 ? `${described.join(' ')}, otherwise the shipped defaults` : 'the shipped defaults'}`,
  );

  let kafka: LocalKafka | undefined;
  let workload: SoakWorkload | undefined;
  let scaler: ScalerProcess | undefined;
  let client: ScalerClient | undefined;
  try {
    kafka = await startKafka({ log: say });
    const layout = soakLayout(triggers);
    workload = await SoakWorkload.start(kafka.bootstrapServers, layout, say);
    // The shipped shutdown timeout too, not the demo's shorter one.
    const shutdown = { SCALER_SHUTDOWN_TIMEOUT: `${VARIABLES.SCALER_SHUTDOWN_TIMEOUT.fallback}ms` };
    scaler = await startScalerProcess({ main: scalerMain, logFile, env: { ...shutdown, ...settings } });
    const pid = scaler.pid!;
    say(
      `scaler pid ${pid} (node ${path.relative(REPO, scalerMain)}): gRPC 127.0.0.1:${scaler.grpcPort}, HTTP 127.0.0.1:${scaler.httpPort}, log ${logFile}`,
    );
    const probe = new Probe(pid, scaler.httpPort);
    await sleep(2_000);
    const idle = await probe.row(0, new CallWindow());

    client = scalerClient(scaler.grpcPort);
    const soak = soakTriggers(layout, kafka.bootstrapServers, scaler.grpcPort);
    await getMetricSpecs(client, soak);
    say(
      `${soak.length} triggers (${STRATEGIES.join('/')}) on ${layout.groups.length} groups over ${layout.topics.length} topics; ` +
        `GetMetricSpec done; GetMetrics+IsActive every ${KEDA_POLLING_MS / 1000} s, GetMetrics every ${HPA_SYNC_MS / 1000} s`,
    );

    phase = 'run';
    const driver = new KedaDriver(client, soak);
    const rows: Row[] = [await probe.row(0, driver.rotate())];
    say(header());
    say(line(rows[0]!));
    const started = Date.now();
    const driving = driver.run(started + minutes * MINUTE_MS + 1_000, abort.signal);
    for (let minute = 1; minute <= minutes && !abort.signal.aborted; minute++) {
      // RSS every 5 s, /metrics every 15 s, until the minute is over.
      for (let step = 1; step < MINUTE_MS / RSS_EVERY_MS && !abort.signal.aborted; step++) {
        const at = started + (minute - 1) * MINUTE_MS + step * RSS_EVERY_MS;
        await sleep(Math.max(0, at - Date.now()), undefined, { signal: abort.signal }).catch(() => {});
        if (!abort.signal.aborted && scaler.running) await probe.observe(step % SCRAPE_EVERY_STEPS === 0);
      }
      await sleep(Math.max(0, started + minute * MINUTE_MS - Date.now()), undefined, { signal: abort.signal }).catch(
        () => {},
      );
      if (abort.signal.aborted) break;
      if (!scaler.running) throw new Error(`the scaler exited during the soak; see ${logFile}`);
      const row = await probe.row(minute, driver.rotate());
      rows.push(row);
      say(line(row));
    }
    abort.abort();
    await driving;
    phase = 'teardown';
    summary(rows, idle, triggers, minutes, historyMs, driver, workload, logFile);
    return rows.length - 1 < minutes ? 130 : 0;
  } finally {
    phase = 'teardown';
    abort.abort();
    client?.close();
    await scaler?.stop();
    await workload?.stop();
    await kafka?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench-soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
