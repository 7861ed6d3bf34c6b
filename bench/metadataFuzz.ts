/**
 * The full metadata fuzz run (test/support/metadataFuzz.ts; `make test`
 * runs a subset in test/integration/metadataFuzz.test.ts): FUZZ_MAPS maps
 * (default 10,000) of FUZZ_SEED through GetMetricSpec, GetMetrics and
 * IsActive against an in-process scaler and a broker of its own. Prints the
 * counts by status, the slowest call, every distinct failure and RSS before,
 * at peak and after the pollers idled out; exits 1 if a call failed a check.
 *
 *   node bench/metadataFuzz.ts          (make bench-fuzz)
 *   FUZZ_SEED=7 FUZZ_MAPS=2000 node bench/metadataFuzz.ts
 */
import { eventually } from '../tools/eventually.ts';
import { startKafka } from '../tools/kafka/localKafka.ts';
import { startTestApp } from '../test/support/app.ts';
import {
  collectGarbage,
  FuzzReport,
  fuzzMaps,
  fuzzSeed,
  memoryMb,
  prepareTargets,
  runFuzz,
  warmUp,
} from '../test/support/metadataFuzz.ts';

const SEED = fuzzSeed();
const MAPS = fuzzMaps(10_000);
const CONCURRENCY = 8;
const IDLE_TIMEOUT_MS = 2_000;

const out = (line: string): boolean => process.stdout.write(`${line}\n`);

const kafka = await startKafka({ log: (line) => out(`[kafka] ${line}`) });
try {
  const targets = await prepareTargets(kafka.bootstrapServers);
  const app = await startTestApp({ SCALER_POLLER_IDLE_TIMEOUT: `${IDLE_TIMEOUT_MS}ms` });
  try {
    await warmUp(app.grpcPort, targets);
    await collectGarbage();
    const before = memoryMb();
    let peak = before.rss;
    const sampler = setInterval(() => (peak = Math.max(peak, memoryMb().rss)), 250);
    const report = new FuzzReport(SEED);
    const started = performance.now();
    out(`fuzzing ${MAPS} maps of seed ${SEED}, ${CONCURRENCY} at a time`);
    try {
      await runFuzz({
        seed: SEED,
        maps: MAPS,
        concurrency: CONCURRENCY,
        targets,
        port: app.grpcPort,
        logs: app.logs,
        report,
        progress: (done) => {
          if (done % 1_000 === 0) out(`  ${done} maps, ${Math.round((performance.now() - started) / 1000)} s`);
        },
      });
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    const pollers = app.registry.pollers().length;
    await eventually(
      () => app.registry.pollers().length,
      (n) => n === 0,
      { timeoutMs: IDLE_TIMEOUT_MS + 15_000, everyMs: 250, what: 'every poller stopped after the idle timeout' },
    );
    report.drainLogs(app.logs);
    await collectGarbage();
    const after = memoryMb();
    out(report.format());
    out(`${MAPS} maps in ${seconds.toFixed(1)} s; ${pollers} pollers at the end of the run, 0 after the idle timeout`);
    out(
      `RSS ${before.rss} MB before, ${peak} MB at peak, ${after.rss} MB after; heap ${before.heapUsed} → ${after.heapUsed} MB, external ${before.external} → ${after.external} MB`,
    );
    if (report.failures.length > 0) process.exitCode = 1;
  } finally {
    await app.stop();
  }
} finally {
  await kafka.stop();
}
