/**
 * The data path at scale, side by side with KEDA's own `kafka` scaler, on one
 * local 3-node Kafka cluster whose request logger counts every completed
 * request on the broker (bench/requestLog.ts).
 *
 *   make bench-scale                                   # every scenario
 *   node bench/scale.ts --scenarios 1,100 --window 30s --no-keda
 *
 * Per scenario (1, 100 and 1,000 triggers on distinct groups, and 100 groups
 * on one topic): the groups and their topics are set up with offsets that keep
 * moving (bench/soakWorkload.ts); a fresh scaler process (`node src/main.ts`,
 * shipped defaults but its ports) is called as KEDA and the HPA call it
 * (GetMetricSpec once, then GetMetrics + IsActive every 30 s and GetMetrics
 * every 15 s per trigger, spread over the interval); at the same time KEDA's
 * kafka scaler (bench/keda-kafka, built from github.com/kedacore/keda/v2
 * v2.21.0) serves the same triggers at the same rates. After a warm-up, the
 * requests each sends during the window are counted on the broker by client
 * id, with the scaler's CPU, RSS and event-loop lag p99.
 *
 * Everything it starts is stopped by PID, also on failure and Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startScalerProcess, type ScalerProcess } from '../demo/scalerProcess.ts';
import { parseDurationMs } from '../src/duration.ts';
import { startKafka } from '../tools/kafka/localKafka.ts';
import { ManagedProcess } from '../tools/managedProcess.ts';
import { ref, type ScalerClient, scalerClient } from '../tools/keda/scalerClient.ts';
import { RequestLogWindow, requestsOf } from './requestLog.ts';
import { type SoakLayout, soakLayout, SoakWorkload } from './soakWorkload.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const KEDA_POLLING_MS = 30_000;
const HPA_SYNC_MS = 15_000;
const KEDA_CLIENT = 'keda-kafka-bench';
const SCALER_CLIENT = 'kstreams-scaler';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

interface Scenario {
  readonly name: string;
  readonly layout: SoakLayout;
}

function scenarios(names: readonly string[]): Scenario[] {
  return names.map((name) => {
    if (name === '100-one-topic') {
      const layout = soakLayout(100);
      return {
        name: '100 groups on one topic',
        layout: { topics: ['scale-one'], groups: layout.groups.map((g) => ({ ...g, topics: ['scale-one'] })) },
      };
    }
    const n = Number(name);
    if (!Number.isInteger(n) || n < 1) throw new Error(`unknown scenario "${name}": a trigger count or 100-one-topic`);
    const layout = soakLayout(n);
    // One topic per trigger group of ten, every group on one topic: the shape KEDA's kafka scaler takes.
    return {
      name: `${n} trigger(s), distinct groups`,
      layout: { ...layout, groups: layout.groups.map((g) => ({ ...g, topics: [g.topics[0]!] })) },
    };
  });
}

/** Calls the scaler as KEDA's operator and the HPA do, until `signal` aborts. */
async function callLoop(
  client: ScalerClient,
  refs: ReturnType<typeof ref>[],
  signal: AbortSignal,
): Promise<{ calls: number; errors: number }> {
  let calls = 0;
  let errors = 0;
  const reasons = new Map<string, number>();
  const names = new Map<number, string>();
  const call = (p: Promise<unknown>): void => {
    calls++;
    p.catch((err: unknown) => {
      errors++;
      const why = String((err as { details?: string }).details ?? err).slice(0, 100);
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    });
  };
  for (const [i, r] of refs.entries()) {
    try {
      names.set(i, (await client.getMetricSpec(r)).metricSpecs[0]!.metricName);
    } catch {
      errors++;
    }
  }
  const started = Date.now();
  const nextPoll = refs.map((_, i) => started + (i * KEDA_POLLING_MS) / refs.length);
  const nextHpa = refs.map((_, i) => started + (i * HPA_SYNC_MS) / refs.length);
  while (!signal.aborted) {
    const now = Date.now();
    for (const [i, r] of refs.entries()) {
      const name = names.get(i);
      if (name === undefined) continue;
      if (now >= nextPoll[i]!) {
        nextPoll[i]! += KEDA_POLLING_MS;
        call(client.getMetrics(r, name));
        call(client.isActive(r));
      }
      if (now >= nextHpa[i]!) {
        nextHpa[i]! += HPA_SYNC_MS;
        call(client.getMetrics(r, name));
      }
    }
    await sleep(100);
  }
  for (const [why, n] of reasons) say(`  ${n} failed calls: ${why}`);
  return { calls, errors };
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

async function eventLoopP99Ms(port: number): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('kstreams_scaler_nodejs_eventloop_lag_p99_seconds '));
  return line === undefined ? undefined : Number(line.split(' ')[1]) * 1000;
}

function buildKedaDriver(): string | undefined {
  const result = spawnSync('bash', [path.join(REPO, 'bench', 'keda-kafka', 'build.sh')], { encoding: 'utf8' });
  if (result.status !== 0) {
    say(`KEDA's kafka scaler could not be built: ${(result.stderr || result.stdout).trim().split('\n').pop()}`);
    return undefined;
  }
  return result.stdout.trim().split('\n').pop();
}

/** Closing a thousand sarama clients can take a while: SIGKILL 15 s after SIGTERM. */
function startKedaDriver(
  binary: string,
  bootstrap: string,
  layout: SoakLayout,
  durationMs: number,
  logFile: string,
): ManagedProcess {
  return new ManagedProcess(
    'keda-kafka',
    binary,
    [
      '-bootstrap',
      bootstrap,
      '-groups',
      layout.groups.map((g) => g.id).join(','),
      '-topics',
      layout.groups.map((g) => g.topics[0]!).join(','),
      '-lag-threshold',
      '100',
      '-duration',
      `${Math.round(durationMs / 1000)}s`,
      '-client-id',
      KEDA_CLIENT,
    ],
    { logFile, graceMs: 15_000 },
  );
}

interface Row {
  readonly scenario: string;
  readonly scaler: number;
  readonly keda: number | undefined;
  readonly scalerByApi: string;
  readonly cpu: number;
  readonly rss: number;
  readonly loopP99: number | undefined;
  readonly calls: number;
  readonly errors: number;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string', default: '1,100,1000,100-one-topic' },
      window: { type: 'string', default: '30s' },
      warmup: { type: 'string', default: '20s' },
      'no-keda': { type: 'boolean', default: false },
    },
  });
  const windowMs = parseDurationMs(values.window) ?? 30_000;
  const warmupMs = parseDurationMs(values.warmup) ?? 20_000;
  const list = scenarios(values.scenarios.split(','));
  const kedaBinary = values['no-keda'] ? undefined : buildKedaDriver();
  say(
    `kstreams-scaler vs KEDA's kafka scaler: ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const kafka = await startKafka({ nodes: 3, requestLog: true, log: (l) => say(`  [kafka] ${l}`) });
  let scaler: ScalerProcess | undefined;
  let keda: ManagedProcess | undefined;
  const rows: Row[] = [];
  try {
    const window = new RequestLogWindow(kafka.nodes.map((n) => n.logFile));
    for (const scenario of list) {
      say(
        `\n${scenario.name}: setting up ${scenario.layout.groups.length} groups on ${scenario.layout.topics.length} topic(s)`,
      );
      const workload = await SoakWorkload.start(
        kafka.bootstrapServers,
        { ...scenario.layout, topics: [...new Set(scenario.layout.groups.flatMap((g) => g.topics))] },
        say,
      );
      scaler = await startScalerProcess({
        logFile: path.join(kafka.root, `scaler-${rows.length}.log`),
        env: { SCALER_LOG_LEVEL: 'warn', SCALER_MAX_POLLERS: '5000' },
      });
      const client = scalerClient(scaler.grpcPort);
      const abort = new AbortController();
      const refs = scenario.layout.groups.map((g) =>
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
      const driving = callLoop(client, refs, abort.signal);
      const kedaLog = path.join(kafka.root, `keda-${rows.length}.log`);
      keda = kedaBinary
        ? startKedaDriver(kedaBinary, kafka.bootstrapServers, scenario.layout, warmupMs + windowMs + 5_000, kedaLog)
        : undefined;
      await sleep(warmupMs);
      const pid = scaler.pid!;
      window.mark();
      const ticks = cpuTicks(pid);
      const started = performance.now();
      await sleep(windowMs);
      const counts = window.counts();
      const cpu = ((cpuTicks(pid) - ticks) / 100 / ((performance.now() - started) / 1000)) * 100;
      const loopP99 = await eventLoopP99Ms(scaler.httpPort);
      const rss = rssMiB(pid);
      abort.abort();
      const { calls, errors } = await driving;
      const ours = requestsOf(counts, SCALER_CLIENT);
      const theirs = keda ? requestsOf(counts, KEDA_CLIENT).total : undefined;
      rows.push({
        scenario: scenario.name,
        scaler: ours.total,
        keda: theirs,
        scalerByApi: [...ours.byApi]
          .sort()
          .map(([api, n]) => `${api} ${n}`)
          .join(', '),
        cpu,
        rss,
        loopP99,
        calls,
        errors,
      });
      say(`  ${JSON.stringify(rows.at(-1))}`);
      client.close();
      await keda?.stop();
      await scaler.stop();
      scaler = undefined;
      await workload.stop();
    }
  } finally {
    await keda?.kill();
    await scaler?.stop();
    await kafka.stop();
  }
  say(
    `\nKafka requests in ${windowMs / 1000} s, counted on the broker (load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}):\n`,
  );
  say(
    '| scenario | kstreams-scaler | KEDA kafka scaler | ratio | scaler CPU % | scaler RSS MiB | event-loop p99 ms | RPCs (errors) | scaler requests by API |',
  );
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const ratio = r.keda === undefined || r.scaler === 0 ? '—' : `${(r.keda / r.scaler).toFixed(1)}× fewer`;
    say(
      `| ${r.scenario} | ${r.scaler} | ${r.keda ?? '—'} | ${ratio} | ${r.cpu.toFixed(1)} | ${r.rss} | ${r.loopP99?.toFixed(1) ?? '—'} | ${r.calls} (${r.errors}) | ${r.scalerByApi} |`,
    );
  }
  return 0;
}

process.exitCode = await main().catch((err: unknown) => {
  say(`bench-scale failed: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
});
