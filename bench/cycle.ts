/**
 * Cycle time and memory of one scaler process at 2,000 consumer groups over
 * 20,000 partitions on a local 3-node Kafka.
 *
 *   make bench-cycle
 *   node bench/cycle.ts --groups 2000 --partitions 10 --minutes 4 --sample 15s
 *
 * Setup: `groups` topics of `partitions` partitions each (replication factor
 * 1, spread over the 3 brokers), a few records in every partition, and one
 * consumer group per topic whose offsets are committed in bulk as admin tools
 * do (OffsetCommit with generation -1, no member): a quarter caught up, the
 * rest a few records behind or not moving. While the run lasts, a producer
 * adds one record per partition to a rotating slice of the topics every
 * second, so end offsets keep moving.
 *
 * One scaler process (`node src/main.ts`, shipped defaults but its ports and
 * SCALER_MAX_POLLERS / SCALER_MAX_TRIGGERS raised to fit) gets one trigger per
 * group: GetMetricSpec and GetMetrics once each over gRPC, retried until every
 * trigger has been answered. Then it is called as KEDA's operator and the HPA
 * call it (GetMetrics + IsActive every 30 s, GetMetrics every 15 s per trigger,
 * spread over the interval), and every `sample` the benchmark reads the
 * scaler's /metrics and /proc/<pid>:
 *
 *   cycle     mean duration of the read cycles that ended in the interval
 *             (kstreams_scaler_poll_duration_seconds: every poller observes
 *             its cycle's duration, so sum/count is the mean cycle), and the
 *             smallest histogram bucket that holds all of them
 *   period    interval / cycles run in it (cycles = observations / pollers):
 *             how often each group's offsets were actually read
 *   RSS, heap used, event-loop p99 (prom-client's, reset at every scrape), CPU
 *
 * Memory growth per partition and minute is an estimate: the least-squares
 * slope of RSS (and of heap used) over the samples, divided by the
 * partitions. Growth is expected while each poller's history fills
 * (SCALER_HISTORY, 15 minutes by default).
 *
 * Everything it starts is stopped by PID, also on failure and Ctrl-C.
 */
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startScalerProcess, type ScalerProcess } from '../demo/scalerProcess.ts';
import { parseDurationMs } from '../src/duration.ts';
import { createInternalCluster, type InternalCluster, READ_COMMITTED } from '../src/kafka/kafkajsInternals.ts';
import { startKafka, type LocalKafka } from '../tools/kafka/localKafka.ts';
import { ref, scalerClient } from '../tools/keda/scalerClient.ts';
import { kedaLoop, pool, register } from './kedaCalls.ts';
import { cpuTicks, type Exposition, loadAverage, median, rssMiB, scrape, slope, slowestBucket } from './scalerProbe.ts';

const SEED_PER_PARTITION = 10;
const P = 'kstreams_scaler_';
/** Brokers of this size hold ~7,000 partitions each comfortably; the harness's default heap is 512 MiB. */
const KAFKA_JVM = ['-Xms256m', '-Xmx1g', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

const say = (line: string): void => void process.stdout.write(`${line}\n`);

interface Layout {
  readonly topics: readonly string[];
  readonly partitions: number;
  /** Group i reads topics[i]. */
  readonly groups: readonly string[];
}

function layout(groups: number, partitions: number): Layout {
  const width = String(groups - 1).length;
  const name = (prefix: string, i: number): string => `${prefix}${String(i).padStart(width, '0')}`;
  return {
    topics: Array.from({ length: groups }, (_, i) => name('cycle-t', i)),
    partitions,
    groups: Array.from({ length: groups }, (_, i) => name('cycle-g', i)),
  };
}

interface CommitBroker {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime?: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  }): Promise<unknown>;
}

/** Committed offset of group i, partition p, with every partition at `end` records. */
function committedOffset(i: number, p: number, end: number): number {
  switch (i % 4) {
    case 0:
      return end; // caught up
    case 1:
      return end - 3; // a few behind
    case 2:
      return end - (5 + p); // a few more behind, uneven
    default:
      return Math.floor(end / 2); // half way: stands still
  }
}

/** Creates the topics, seeds them and commits every group's offsets. Returns a producer for the run. */
async function setUp(kafka: LocalKafka, l: Layout): Promise<{ producer: Producer; cluster: InternalCluster }> {
  const client = new Kafka({
    clientId: 'kstreams-cycle-bench',
    brokers: kafka.bootstrapServers.split(','),
    logLevel: logLevel.NOTHING,
    requestTimeout: 120_000,
  });
  const admin = client.admin();
  await admin.connect();
  let t = performance.now();
  try {
    for (let k = 0; k < l.topics.length; k += 100) {
      await admin.createTopics({
        topics: l.topics
          .slice(k, k + 100)
          .map((topic) => ({ topic, numPartitions: l.partitions, replicationFactor: 1 })),
        waitForLeaders: false,
        timeout: 120_000,
      });
    }
    // Every partition has a leader the brokers know of before anything is produced.
    for (let k = 0; k < l.topics.length; k += 250) {
      const batch = l.topics.slice(k, k + 250);
      for (let tries = 0; ; tries++) {
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: batch });
          if (topics.every((t) => t.partitions.length === l.partitions && t.partitions.every((p) => p.leader >= 0)))
            break;
        } catch (err) {
          if (tries > 240) throw err;
        }
        if (tries > 240) throw new Error(`topics ${batch[0]}… have no leaders after 120 s`);
        await sleep(500);
      }
    }
  } finally {
    await admin.disconnect();
  }
  say(
    `  created ${l.topics.length} topics x ${l.partitions} partitions in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );

  const producer = client.producer({ allowAutoTopicCreation: false });
  const cluster = createInternalCluster(client, {
    metadataMaxAge: 300_000,
    isolationLevel: READ_COMMITTED,
    instrumentationEmitter: null,
  });
  await producer.connect();
  await cluster.connect();
  t = performance.now();
  for (let k = 0; k < l.topics.length; k += 100) {
    const batch = {
      topicMessages: l.topics.slice(k, k + 100).map((topic) => ({
        topic,
        messages: Array.from({ length: l.partitions * SEED_PER_PARTITION }, (_, i) => ({
          partition: i % l.partitions,
          value: 'seed',
        })),
      })),
    };
    // New partitions may not be served by their leader yet: retried (a retry may write a batch twice,
    // leaving a caught-up group a few records behind; the figures do not depend on it).
    for (let tries = 0; ; tries++) {
      try {
        await producer.sendBatch(batch);
        break;
      } catch (err) {
        if (tries >= 30) throw err;
        await sleep(1_000);
      }
    }
  }
  say(`  seeded ${SEED_PER_PARTITION} records per partition in ${((performance.now() - t) / 1000).toFixed(0)} s`);

  t = performance.now();
  const finder = cluster as unknown as {
    findGroupCoordinator(request: { groupId: string; coordinatorType: number }): Promise<CommitBroker>;
  };
  // The first FindCoordinator creates __consumer_offsets: retried while it loads.
  for (let tries = 0; ; tries++) {
    try {
      await finder.findGroupCoordinator({ groupId: l.groups[0]!, coordinatorType: 0 });
      break;
    } catch (err) {
      if (tries > 80) throw err;
      await sleep(250);
    }
  }
  await pool(l.groups, 48, async (groupId, i) => {
    // Right after __consumer_offsets is created its partitions may still be loading or moving: retried.
    for (let tries = 0; ; tries++) {
      try {
        const coordinator = await finder.findGroupCoordinator({ groupId, coordinatorType: 0 });
        await coordinator.offsetCommit({
          groupId,
          groupGenerationId: -1,
          memberId: '',
          retentionTime: -1,
          topics: [
            {
              topic: l.topics[i]!,
              partitions: Array.from({ length: l.partitions }, (_, partition) => ({
                partition,
                offset: String(committedOffset(i, partition, SEED_PER_PARTITION)),
              })),
            },
          ],
        });
        return;
      } catch (err) {
        if (tries >= 40) throw err;
        await sleep(500);
      }
    }
  });
  say(`  committed offsets of ${l.groups.length} groups in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  return { producer, cluster };
}

/** One record per partition of `perSecond` topics every second, rotating over the topics. */
function keepProducing(producer: Producer, l: Layout, perSecond: number): { stop(): Promise<void>; errors(): number } {
  let offset = 0;
  let errors = 0;
  let inFlight: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (inFlight || perSecond === 0) return;
    const topics = Array.from({ length: perSecond }, (_, k) => l.topics[(offset + k) % l.topics.length]!);
    offset = (offset + perSecond) % l.topics.length;
    inFlight = producer
      .sendBatch({
        topicMessages: topics.map((topic) => ({
          topic,
          messages: Array.from({ length: l.partitions }, (_, partition) => ({ partition, value: String(Date.now()) })),
        })),
      })
      .catch(() => errors++)
      .finally(() => (inFlight = undefined));
  }, 1_000);
  return {
    stop: async () => {
      clearInterval(timer);
      await inFlight;
    },
    errors: () => errors,
  };
}

interface Sample {
  readonly atMin: number;
  readonly cycles: number;
  readonly meanCycleS: number | undefined;
  readonly slowestLeS: number | undefined;
  readonly periodS: number | undefined;
  readonly pollErrors: number;
  readonly rss: number;
  readonly heapUsed: number | undefined;
  /** Memory outside the V8 heap that V8 accounts for: array buffers (the poll history's columns), Buffers. */
  readonly external: number | undefined;
  readonly loopP99Ms: number | undefined;
  readonly cpu: number;
}

const fmt = (n: number | undefined, digits = 1): string =>
  n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      groups: { type: 'string', default: '2000' },
      partitions: { type: 'string', default: '10' },
      minutes: { type: 'string', default: '4' },
      sample: { type: 'string', default: '15s' },
      'produce-topics': { type: 'string', default: '50' },
      /** The scaler's V8 old-space limit in MiB (NODE_OPTIONS=--max-old-space-size, as the Deployment sets it); default: V8's own. */
      'old-space': { type: 'string' },
    },
  });
  const oldSpace = values['old-space'] === undefined ? undefined : Number(values['old-space']);
  const groups = Number(values.groups);
  const partitions = Number(values.partitions);
  const minutes = Number(values.minutes);
  const sampleMs = parseDurationMs(values.sample) ?? 15_000;
  const producePerSecond = Number(values['produce-topics']);
  const l = layout(groups, partitions);
  const totalPartitions = groups * partitions;
  const loadAtStart = loadAverage();
  say(
    `bench-cycle: ${groups} groups x ${partitions} partitions (${totalPartitions} partitions) on 3 brokers; ${os.cpus().length} cores, load ${loadAtStart}` +
      (oldSpace === undefined ? '' : `; scaler old space ${oldSpace} MiB`),
  );

  const kafka = await startKafka({
    nodes: 3,
    jvmOptions: KAFKA_JVM,
    brokerProperties: () => ({ 'min.insync.replicas': '1' }),
    log: (line) => say(`  [kafka] ${line}`),
  });
  let scaler: ScalerProcess | undefined;
  let cleanupKafka: (() => Promise<void>) | undefined;
  const samples: Sample[] = [];
  let rpc: { calls: number; errors: number; reasons: Map<string, number> } | undefined;
  let registration: string | undefined;
  let kafkaRss: string | undefined;
  let produceErrors: number | undefined;
  try {
    const { producer, cluster } = await setUp(kafka, l);
    cleanupKafka = async () => {
      await Promise.allSettled([producer.disconnect(), cluster.disconnect()]);
    };
    const production = keepProducing(producer, l, producePerSecond);

    scaler = await startScalerProcess({
      logFile: path.join(kafka.root, 'scaler.log'),
      env: {
        SCALER_LOG_LEVEL: 'warn',
        SCALER_MAX_POLLERS: String(groups + 500),
        SCALER_MAX_TRIGGERS: String(groups + 500),
        ...(oldSpace === undefined ? {} : { NODE_OPTIONS: `--max-old-space-size=${oldSpace}` }),
      },
    });
    const pid = scaler.pid!;
    say(`  scaler pid ${pid}, RSS ${rssMiB(pid).toFixed(0)} MiB before any trigger; log ${scaler.logFile}`);
    const client = scalerClient(scaler.grpcPort);
    const refs = l.groups.map((g, i) =>
      ref(
        {
          scalerAddress: 'scaler:9090',
          bootstrapServers: kafka.bootstrapServers,
          consumerGroup: g,
          topic: l.topics[i]!,
          lagThreshold: '100',
        },
        `so-${i}`,
        'bench',
      ),
    );
    let t = performance.now();
    const { names, firstErrors } = await register(client, refs, 300_000);
    registration = `${groups} triggers registered and answered in ${((performance.now() - t) / 1000).toFixed(0)} s`;
    say(`  ${registration}`);
    for (const [why, n] of firstErrors) say(`    ${n} answers before the first cycle: ${why}`);

    const abort = new AbortController();
    const driving = kedaLoop(client, refs, names, abort.signal);
    let before: Exposition = await scrape(scaler.httpPort);
    let ticks = cpuTicks(pid);
    t = performance.now();
    const startedAt = t;
    say(
      '  | min | cycles | mean cycle s | slowest ≤ s | period s | poll errors | RSS MiB | heap used MiB | external MiB | event-loop p99 ms | CPU % |',
    );
    while (performance.now() - startedAt < minutes * 60_000) {
      await sleep(sampleMs);
      const after = await scrape(scaler.httpPort);
      const now = performance.now();
      const nowTicks = cpuTicks(pid);
      const pollers = after.sum(`${P}pollers`) ?? 0;
      const name = `${P}poll_duration_seconds`;
      const dCount = (after.sum(`${name}_count`) ?? 0) - (before.sum(`${name}_count`) ?? 0);
      const dSum = (after.sum(`${name}_sum`) ?? 0) - (before.sum(`${name}_sum`) ?? 0);
      const cycles = pollers > 0 ? dCount / pollers : 0;
      const heap = after.sum(`${P}nodejs_heap_size_used_bytes`);
      const external = after.sum(`${P}nodejs_external_memory_bytes`);
      const loop = after.sum(`${P}nodejs_eventloop_lag_p99_seconds`);
      const sample: Sample = {
        atMin: (now - startedAt) / 60_000,
        cycles,
        meanCycleS: dCount > 0 ? dSum / dCount : undefined,
        slowestLeS: slowestBucket(before.buckets(name), after.buckets(name)),
        periodS: cycles > 0 ? (now - t) / 1000 / cycles : undefined,
        pollErrors: (after.sum(`${P}poll_errors_total`) ?? 0) - (before.sum(`${P}poll_errors_total`) ?? 0),
        rss: rssMiB(pid),
        heapUsed: heap === undefined ? undefined : heap / 2 ** 20,
        external: external === undefined ? undefined : external / 2 ** 20,
        loopP99Ms: loop === undefined ? undefined : loop * 1000,
        cpu: ((nowTicks - ticks) / 100 / ((now - t) / 1000)) * 100,
      };
      samples.push(sample);
      say(
        `  | ${fmt(sample.atMin)} | ${fmt(sample.cycles)} | ${fmt(sample.meanCycleS, 2)} | ${fmt(sample.slowestLeS)} | ${fmt(sample.periodS, 2)} | ${sample.pollErrors} | ${fmt(sample.rss, 0)} | ${fmt(sample.heapUsed, 0)} | ${fmt(sample.external, 0)} | ${fmt(sample.loopP99Ms)} | ${fmt(sample.cpu)} |`,
      );
      before = after;
      ticks = nowTicks;
      t = now;
    }
    abort.abort();
    rpc = await driving;
    client.close();
    await production.stop();
    produceErrors = production.errors();
    kafkaRss = kafka.nodes
      .map((n) => {
        try {
          return n.pid === undefined ? '?' : rssMiB(n.pid).toFixed(0);
        } catch {
          return '?';
        }
      })
      .join(' / ');
  } finally {
    await scaler?.stop();
    await cleanupKafka?.();
    await kafka.stop();
  }

  if (samples.length === 0) throw new Error('no sample taken');
  // The first sample still holds the start; growth is fitted from the first minute on.
  const steady = samples.filter((s) => s.atMin >= 1);
  const fit = steady.length >= 2 ? steady : samples;
  const rssSlope = slope(fit.map((s) => [s.atMin, s.rss]));
  const heapSlope = slope(fit.filter((s) => s.heapUsed !== undefined).map((s) => [s.atMin, s.heapUsed!]));
  const perPartition = (mibPerMin: number): string => `${fmt((mibPerMin * 2 ** 20) / totalPartitions, 0)} B`;
  const means = samples.flatMap((s) => (s.meanCycleS === undefined ? [] : [s.meanCycleS]));
  const periods = samples.flatMap((s) => (s.periodS === undefined ? [] : [s.periodS]));
  const loops = samples.flatMap((s) => (s.loopP99Ms === undefined ? [] : [s.loopP99Ms]));
  const slowest = Math.max(...samples.map((s) => s.slowestLeS ?? 0));
  const last = samples.at(-1)!;
  const historyMin = 15;
  const projected = last.rss + rssSlope * Math.max(0, historyMin - last.atMin);

  say(
    `\nbench-cycle: ${groups} consumer groups, ${totalPartitions} partitions (${groups} topics x ${partitions}) on 3 brokers, ${minutes} min sampled every ${sampleMs / 1000} s`,
  );
  say(`machine: ${os.cpus().length} cores; load average ${loadAtStart} at the start, ${loadAverage()} at the end`);
  say(
    `${registration}; KEDA-paced RPCs during the samples: ${rpc?.calls ?? 0} (${rpc?.errors ?? 0} failed); producer errors ${produceErrors}; Kafka node RSS MiB ${kafkaRss}`,
  );
  for (const [why, n] of rpc?.reasons ?? []) say(`  ${n} failed calls: ${why}`);
  say('');
  say('| figure | measured | target |');
  say('| --- | --- | --- |');
  say(
    `| cycle duration, median of the ${means.length} interval means (min–max) | ${fmt(median(means), 2)} s (${fmt(Math.min(...means), 2)}–${fmt(Math.max(...means), 2)}) | ≤ 2 s |`,
  );
  say(`| slowest cycle (histogram bucket holding it) | ≤ ${fmt(slowest, 1)} s | — |`);
  say(
    `| effective period between reads of a group, median (max) | ${fmt(median(periods), 2)} s (${fmt(Math.max(...periods), 2)}) | 2 s (SCALER_POLL_INTERVAL) |`,
  );
  say(`| poll errors during the samples | ${samples.reduce((s, x) => s + x.pollErrors, 0)} | 0 |`);
  say(
    `| scaler RSS: first sample → last | ${fmt(samples[0]!.rss, 0)} → ${fmt(last.rss, 0)} MiB (max ${fmt(Math.max(...samples.map((s) => s.rss)), 0)}) | ≤ 300 MiB steady |`,
  );
  say(`| heap used: first sample → last | ${fmt(samples[0]!.heapUsed, 0)} → ${fmt(last.heapUsed, 0)} MiB | — |`);
  say(
    `| external (array buffers, Buffers): first sample → last | ${fmt(samples[0]!.external, 0)} → ${fmt(last.external, 0)} MiB | — |`,
  );
  say(
    `| event-loop p99, median of the samples (max) | ${fmt(loops.length ? median(loops) : undefined)} ms (${fmt(loops.length ? Math.max(...loops) : undefined)}) | — |`,
  );
  say(`| scaler CPU, median of the samples | ${fmt(median(samples.map((s) => s.cpu)))} % | — |`);
  say(
    `| RSS growth (estimate: least-squares slope from minute 1) | ${fmt(rssSlope, 2)} MiB/min = ${perPartition(rssSlope)} per partition per minute | — |`,
  );
  say(
    `| heap growth (estimate, same fit) | ${fmt(heapSlope, 2)} MiB/min = ${perPartition(heapSlope)} per partition per minute | — |`,
  );
  say(
    `| RSS at ${historyMin} min if that slope held until the history is full (estimate) | ${fmt(projected, 0)} MiB | ≤ 300 MiB steady |`,
  );
  return 0;
}

process.exitCode = await main().catch((err: unknown) => {
  say(`bench-cycle failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
});
