/**
 * RPC latency of one scaler process under load, measured with ghz (a gRPC
 * load generator, github.com/bojand/ghz, built by bench/ghz/build.sh into a
 * per-user cache), while its pollers keep polling.
 *
 *   make bench-rpc
 *   node bench/rpcLatency.ts --triggers 1000 --rps 5000 --duration 30s --nodes 1
 *
 * Setup: a local Kafka (`nodes` 1 or 3), `triggers` consumer groups on topics
 * of 12 partitions whose offsets keep moving (bench/soakWorkload.ts, one topic
 * per trigger group of ten), one scaler process (`node src/main.ts`, shipped
 * defaults but its ports and SCALER_MAX_POLLERS / SCALER_MAX_TRIGGERS raised
 * to fit) and one trigger per group, registered over gRPC (GetMetricSpec,
 * then GetMetrics until it answers: every poller has had its first cycle).
 *
 * Load: two ghz processes at once, each at half of `rps` over one
 * connection: GetMetrics and IsActive, each request taking the next of the
 * `triggers` refs in turn (ghz sends the elements of a JSON array round-robin
 * for unary calls). The first `warmup` of each is left out of its figures.
 * ghz's latencies are client-side, on the same 2 cores as the scaler; the
 * scaler's own view (kstreams_scaler_grpc_server_handling_seconds) is given
 * beside them as histogram buckets. /metrics is read only before and after
 * the load, so scraping does not disturb it.
 *
 * Floors (unless --no-floor): then the scaler is stopped and the same load is
 * sent, Kafka and its workload still running, to two servers that answer
 * with fixed replies and do nothing else: one on @grpc/grpc-js with the same
 * generated service (bench/rpcFloorServer.ts), one on Go's grpc
 * (bench/rpc-floor, built into the per-user cache). Their latencies are what
 * this machine and the load generator allow, whatever the server does.
 *
 * Everything it starts is stopped by PID, also on failure and Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startScalerProcess, type ScalerProcess } from '../demo/scalerProcess.ts';
import { parseDurationMs } from '../src/duration.ts';
import { startKafka } from '../tools/kafka/localKafka.ts';
import { ManagedProcess } from '../tools/managedProcess.ts';
import { ref, scalerClient } from '../tools/keda/scalerClient.ts';
import { register } from './kedaCalls.ts';
import { cpuTicks, type Exposition, loadAverage, quantileBucket, rssMiB, scrape } from './scalerProbe.ts';
import { soakLayout, SoakWorkload } from './soakWorkload.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const PROTO = path.join(REPO, 'proto', 'externalscaler.proto');
const P = 'kstreams_scaler_';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function buildGhz(): string {
  const result = spawnSync('bash', [path.join(REPO, 'bench', 'ghz', 'build.sh')], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`ghz could not be built: ${(result.stderr || result.stdout).trim().split('\n').pop()}`);
  }
  return result.stdout.trim().split('\n').pop()!;
}

/** What ghz's JSON report holds that is used here (latencies in nanoseconds). */
interface GhzReport {
  readonly count: number;
  readonly total: number;
  readonly rps: number;
  readonly average: number;
  readonly slowest: number;
  readonly latencyDistribution: ReadonlyArray<{ percentage: number; latency: number }> | null;
  readonly statusCodeDistribution: Readonly<Record<string, number>> | null;
  readonly errorDistribution: Readonly<Record<string, number>> | null;
}

interface Load {
  readonly method: 'GetMetrics' | 'IsActive';
  readonly dataFile: string;
  readonly reportFile: string;
}

/** One ghz process; `report` settles once it has ended. */
function startGhz(
  binary: string,
  port: number,
  load: Load,
  rps: number,
  durationMs: number,
  skipFirst: number,
): { readonly ghz: ManagedProcess; readonly report: Promise<GhzReport> } {
  const ghz = new ManagedProcess(
    `ghz ${load.method}`,
    binary,
    [
      '--insecure',
      '--proto',
      PROTO,
      '--call',
      `externalscaler.ExternalScaler.${load.method}`,
      '--data-file',
      load.dataFile,
      '--rps',
      String(rps),
      '--concurrency',
      '50',
      '--connections',
      '1',
      '--duration',
      `${Math.round(durationMs / 1000)}s`,
      '--skipFirst',
      String(skipFirst),
      '--timeout',
      '5s',
      '--format',
      'json',
      '--output',
      load.reportFile,
      `127.0.0.1:${port}`,
    ],
    { logFile: `${load.reportFile}.log` },
  );
  // The last line is read once all of the output has come in ('exited' may come before it).
  const report = Promise.all([ghz.exited, ghz.closed]).then(([code]) => {
    if (code !== 0) throw new Error(`ghz ${load.method} exited ${code}: ${ghz.lastInterestingLine()}`);
    return JSON.parse(readFileSync(load.reportFile, 'utf8')) as GhzReport;
  });
  return { ghz, report };
}

const ms = (ns: number | undefined): string => (ns === undefined ? '—' : (ns / 1e6).toFixed(2));
const percentile = (r: GhzReport, p: number): number | undefined =>
  r.latencyDistribution?.find((d) => d.percentage === p)?.latency;
const bucketMs = (s: number | undefined): string =>
  s === undefined ? '—' : s === Infinity ? '> 2500' : `≤ ${+(s * 1000).toFixed(1)}`;

function buildFloor(): string {
  const result = spawnSync('bash', [path.join(REPO, 'bench', 'rpc-floor', 'build.sh')], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`rpc-floor could not be built: ${(result.stderr || result.stdout).trim().split('\n').pop()}`);
  }
  return result.stdout.trim().split('\n').pop()!;
}

/** Starts a floor server (it prints "PORT <n>", and exits when its stdin closes). */
async function floorServer(command: string, args: string[]): Promise<{ port: number; server: ManagedProcess }> {
  const server = new ManagedProcess(path.basename(command), command, args, { holdStdin: true });
  let port = 0;
  const printed = (line: string): boolean => {
    port = Number(/^PORT (\d+)$/.exec(line)?.[1] ?? 0);
    return port > 0;
  };
  await server
    .waitFor(printed, 30_000, (code) => `${command} exited ${code}: ${server.tail.join('\n')}`)
    .catch(async (err: unknown) => {
      await server.kill();
      throw err;
    });
  return { port, server };
}

interface Measured {
  readonly reports: ReadonlyArray<{ readonly method: Load['method']; readonly report: GhzReport }>;
  /** Requests of each ghz left out of its figures (the warm-up); counted in the achieved RPS. */
  readonly skip: number;
  readonly half: number;
  /** Both ghz processes' CPU over the measured part of the load, % of one core. */
  readonly ghzCpu: number;
}

/** Both loads at once against `port`, each at half of `rps`. */
async function measureLoad(
  ghz: string,
  port: number,
  loads: readonly Load[],
  rps: number,
  warmupMs: number,
  durationMs: number,
): Promise<Measured> {
  const half = Math.round(rps / 2);
  const skip = Math.round((half * warmupMs) / 1000);
  const running = loads.map((load) => startGhz(ghz, port, load, half, warmupMs + durationMs, skip));
  const reported = Promise.all(running.map(({ report }) => report));
  // Awaited below; until then a failure must not end the process as an unhandled rejection.
  reported.catch(() => {});
  try {
    // ghz's own CPU, over the measured part of the load: on 2 shared cores the load generator competes too.
    const ghzPids = running.flatMap(({ ghz }) => (ghz.pid === undefined ? [] : [ghz.pid]));
    const ghzTicks = (): number => ghzPids.reduce((sum, p) => sum + cpuTicks(p), 0);
    await sleep(warmupMs);
    const from = { ticks: ghzTicks(), at: performance.now() };
    await sleep(Math.max(1_000, durationMs - 2_000));
    const ghzCpu = ((ghzTicks() - from.ticks) / 100 / ((performance.now() - from.at) / 1000)) * 100;
    const reports = await reported;
    return { reports: reports.map((report, i) => ({ method: loads[i]!.method, report })), skip, half, ghzCpu };
  } finally {
    await Promise.all(running.map(({ ghz }) => ghz.kill()));
  }
}

function tableRows(server: string, m: Measured, serverSide: (method: Load['method']) => string): string[] {
  return m.reports.map(({ method, report: r }) => {
    const errors = Object.entries(r.statusCodeDistribution ?? {})
      .filter(([code]) => code !== 'OK')
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    for (const [why, n] of Object.entries(r.errorDistribution ?? {})) {
      say(`  ${server} ${method}: ${n} × ${why.slice(0, 120)}`);
    }
    return `| ${server} | ${method} | ${m.half} | ${((r.count + m.skip) / (r.total / 1e9)).toFixed(0)} | ${r.count} | ${errors || '0'} | ${ms(percentile(r, 50))} | ${ms(percentile(r, 90))} | ${ms(percentile(r, 99))} | ${ms(r.slowest)} | ${serverSide(method)} | ≤ 5 ms |`;
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      triggers: { type: 'string', default: '1000' },
      rps: { type: 'string', default: '5000' },
      duration: { type: 'string', default: '30s' },
      warmup: { type: 'string', default: '5s' },
      nodes: { type: 'string', default: '1' },
      floor: { type: 'boolean', default: true },
    },
  });
  const triggers = Number(values.triggers);
  const rps = Number(values.rps);
  const durationMs = parseDurationMs(values.duration) ?? 30_000;
  const warmupMs = parseDurationMs(values.warmup) ?? 5_000;
  const nodes = values.nodes === '3' ? 3 : 1;
  const ghz = buildGhz();
  const loadAtStart = loadAverage();
  say(
    `bench-rpc: ${triggers} triggers, ${rps} RPC/s for ${durationMs / 1000} s (+${warmupMs / 1000} s warm-up) with ${ghz}; ${os.cpus().length} cores, load ${loadAtStart}`,
  );

  const kafka = await startKafka({ nodes, log: (line) => say(`  [kafka] ${line}`) });
  let scaler: ScalerProcess | undefined;
  let workload: SoakWorkload | undefined;
  const rows: string[] = [];
  let summary: string | undefined;
  try {
    const base = soakLayout(triggers);
    const layout = { ...base, groups: base.groups.map((g) => ({ ...g, topics: [g.topics[0]!] })) };
    // Seeding right after the topics are created can meet a partition its leader does not serve yet:
    // started again (createTopics leaves existing topics alone; a second seed only adds records).
    for (let tries = 1; !workload; tries++) {
      try {
        workload = await SoakWorkload.start(kafka.bootstrapServers, layout, (line) => say(`  ${line}`));
      } catch (err) {
        if (tries >= 3) throw err;
        say(`  setting up the workload failed (${err instanceof Error ? err.message : String(err)}); again`);
        await sleep(2_000);
      }
    }
    scaler = await startScalerProcess({
      logFile: path.join(kafka.root, 'scaler.log'),
      env: {
        SCALER_LOG_LEVEL: 'warn',
        SCALER_MAX_POLLERS: String(triggers + 500),
        SCALER_MAX_TRIGGERS: String(triggers + 500),
      },
    });
    const pid = scaler.pid!;
    const client = scalerClient(scaler.grpcPort);
    const refs = layout.groups.map((g) =>
      ref(
        {
          scalerAddress: 'scaler:9090',
          bootstrapServers: kafka.bootstrapServers,
          consumerGroup: g.id,
          topic: g.topics.join(','),
          lagThreshold: '100',
        },
        `so-${g.index}`,
        'bench',
      ),
    );
    const started = performance.now();
    const { names } = await register(client, refs, 300_000);
    client.close();
    say(`  ${triggers} triggers registered and answered in ${((performance.now() - started) / 1000).toFixed(0)} s`);

    const loads: Load[] = [
      {
        method: 'GetMetrics',
        dataFile: path.join(kafka.root, 'getmetrics.json'),
        reportFile: path.join(kafka.root, 'getmetrics-report.json'),
      },
      {
        method: 'IsActive',
        dataFile: path.join(kafka.root, 'isactive.json'),
        reportFile: path.join(kafka.root, 'isactive-report.json'),
      },
    ];
    writeFileSync(
      loads[0]!.dataFile,
      JSON.stringify(refs.map((r, i) => ({ scaledObjectRef: r, metricName: names[i] }))),
    );
    writeFileSync(loads[1]!.dataFile, JSON.stringify(refs));
    const load = (port: number): Promise<Measured> => measureLoad(ghz, port, loads, rps, warmupMs, durationMs);

    const before: Exposition = await scrape(scaler.httpPort);
    const ticks = cpuTicks(pid);
    const t = performance.now();
    const measured = await load(scaler.grpcPort);
    const cpu = ((cpuTicks(pid) - ticks) / 100 / ((performance.now() - t) / 1000)) * 100;
    const after = await scrape(scaler.httpPort);
    const pollers = after.sum(`${P}pollers`) ?? 0;
    const poll = `${P}poll_duration_seconds`;
    const dCount = (after.sum(`${poll}_count`) ?? 0) - (before.sum(`${poll}_count`) ?? 0);
    const dSum = (after.sum(`${poll}_sum`) ?? 0) - (before.sum(`${poll}_sum`) ?? 0);
    const loop = after.sum(`${P}nodejs_eventloop_lag_p99_seconds`);
    const pollErrors = (after.sum(`${P}poll_errors_total`) ?? 0) - (before.sum(`${P}poll_errors_total`) ?? 0);
    summary = [
      `pollers ${pollers}; during the load: ${pollers > 0 ? (dCount / pollers).toFixed(0) : '0'} cycles, mean cycle ${dCount > 0 ? (dSum / dCount).toFixed(2) : '—'} s, ${pollErrors} poll errors`,
      `scaler CPU ${cpu.toFixed(0)} % of one core (both ghz processes: ${measured.ghzCpu.toFixed(0)} %), RSS ${rssMiB(pid).toFixed(0)} MiB, event-loop p99 ${loop === undefined ? '—' : (loop * 1000).toFixed(1)} ms (over the load)`,
    ].join('\n');
    const handled = `${P}grpc_server_handling_seconds`;
    rows.push(
      ...tableRows('kstreams-scaler', measured, (method) => {
        const label = `grpc_method="${method}"`;
        const b = before.buckets(handled, label);
        const a = after.buckets(handled, label);
        return `${bucketMs(quantileBucket(b, a, 0.5))} / ${bucketMs(quantileBucket(b, a, 0.99))}`;
      }),
    );

    // The same load against servers that answer at once, the scaler stopped and Kafka and its
    // workload still running: what this machine and the load generator leave of the target,
    // whatever the server does.
    if (values.floor) {
      await scaler.stop();
      for (const [label, command, args] of [
        ['grpc-js, fixed replies', process.execPath, [path.join(REPO, 'bench', 'rpcFloorServer.ts')]],
        ['Go grpc, fixed replies', buildFloor(), []],
      ] as const) {
        const { port, server } = await floorServer(command, [...args]);
        try {
          rows.push(...tableRows(`floor: ${label}`, await load(port), () => '—'));
        } finally {
          await server.kill();
        }
      }
    }
  } finally {
    await scaler?.stop();
    await workload?.stop();
    await kafka.stop();
  }
  say(
    `\nbench-rpc: ${triggers} triggers (${triggers} consumer groups, ${Math.max(2, Math.ceil(triggers / 10))} topics x 12 partitions, ${nodes} broker(s)), ${rps} RPC/s mixed for ${durationMs / 1000} s after ${warmupMs / 1000} s of warm-up`,
  );
  say(`machine: ${os.cpus().length} cores; load average ${loadAtStart} at the start, ${loadAverage()} at the end`);
  say(summary ?? '');
  say('');
  say(
    '| server | method | asked RPS | achieved RPS | calls | errors | p50 ms | p90 ms | p99 ms | slowest ms | server-side p50 / p99 bucket ms | target p99 |',
  );
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) say(row);
  return 0;
}

process.exitCode = await main().catch((err: unknown) => {
  say(`bench-rpc failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
});
