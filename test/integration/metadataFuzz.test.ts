/**
 * Seeded metadata fuzzing of a running scaler over real gRPC (see
 * test/support/metadataFuzz.ts): maps built from the trigger schema's keys
 * and hostile values go through GetMetricSpec, GetMetrics and IsActive
 * against the in-process scaler and the run's broker. Every call answers
 * within MAX_CALL_MS with a status KEDA can act on (never INTERNAL or
 * UNKNOWN), INVALID_ARGUMENT says why in a few KB at most, and once the
 * pollers have idled out the scaler holds no more memory than a bound.
 *
 * The maps go twice, in `before` (the second time measured for memory);
 * each property is its own test over both runs, so one run shows every kind
 * of failure. FUZZ_SEED and FUZZ_MAPS change the run;
 * `make bench-fuzz` runs the full 10,000 maps.
 */
import assert from 'node:assert/strict';
import { eventually } from '../../tools/eventually.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testBootstrap } from '../support/kafka.ts';
import {
  collectGarbage,
  formatFailure,
  FuzzReport,
  fuzzMaps,
  fuzzSeed,
  MAX_CALL_MS,
  MAX_DETAILS,
  memoryMb,
  prepareTargets,
  type ProblemKind,
  runFuzz,
  warmUp,
} from '../support/metadataFuzz.ts';

const SEED = fuzzSeed();
/** Sized to take well under a minute on two cores. */
const MAPS = fuzzMaps(2_000);
const CONCURRENCY = 8;
const IDLE_TIMEOUT_MS = 2_000;
/**
 * After the run and the idle sweep, the JavaScript heap and external memory
 * (what the scaler can still reach) may exceed their start by this much.
 */
const REACHABLE_BOUND_MB = 40;
/**
 * And RSS by this much over a second run of the same maps. The client and the
 * server share this process, and glibc keeps much of the freed native memory
 * of the fuzzer's megabyte-sized messages (refused by the server's 256 KiB
 * limit, but built by the client) in its arenas instead of returning it to
 * the system: a first run grew RSS by 160 to 260 MB, depending on what the
 * process ran before. A second run reuses that memory (8 MB more, measured);
 * what it adds is what the scaler keeps.
 */
const RSS_BOUND_MB = 100;

const PROPERTIES: ReadonlyArray<{ readonly title: string; readonly kind: ProblemKind }> = [
  {
    title:
      'answers every call with OK, INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNAVAILABLE or RESOURCE_EXHAUSTED',
    kind: 'status',
  },
  { title: `answers every call within ${MAX_CALL_MS} ms`, kind: 'slow' },
  { title: 'gives every INVALID_ARGUMENT details', kind: 'empty-details' },
  { title: `keeps INVALID_ARGUMENT details to ${MAX_DETAILS} characters at most`, kind: 'long-details' },
];

/** The idle timeout, a sweep (every second at this timeout), and a poll in flight that must end first. */
async function untilPollersIdle(app: TestApp): Promise<void> {
  await eventually(
    () => app.registry.pollers().length,
    (n) => n === 0,
    { timeoutMs: IDLE_TIMEOUT_MS + 15_000, everyMs: 250, what: 'every poller stopped after the idle timeout' },
  );
}

describe(`metadata fuzz: ${MAPS} maps of seed ${SEED} (FUZZ_SEED, FUZZ_MAPS)`, function () {
  this.timeout(300_000);
  let app: TestApp | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const first = new FuzzReport(SEED);
  const report = new FuzzReport(SEED);
  let baseline = { rss: 0, heapUsed: 0, external: 0 };
  let peakRss = 0;

  before(async () => {
    const targets = await prepareTargets(testBootstrap());
    app = await startTestApp({ SCALER_POLLER_IDLE_TIMEOUT: `${IDLE_TIMEOUT_MS}ms` });
    await warmUp(app.grpcPort, targets);
    const { grpcPort: port, logs } = app;
    const fuzz = (into: FuzzReport) =>
      runFuzz({ seed: SEED, maps: MAPS, concurrency: CONCURRENCY, targets, port, logs, report: into });
    // The first run, unmeasured: the arenas grow to what the messages need (see RSS_BOUND_MB).
    await fuzz(first);
    await untilPollersIdle(app);
    await collectGarbage();
    baseline = memoryMb();
    peakRss = baseline.rss;
    sampler = setInterval(() => (peakRss = Math.max(peakRss, memoryMb().rss)), 250);
    const started = performance.now();
    await fuzz(report);
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `\n    ${report.format().replace(/\n/g, '\n    ')}\n    ${MAPS} maps in ${seconds.toFixed(1)} s at ${CONCURRENCY} at a time\n`,
    );
  });

  after(async () => {
    clearInterval(sampler);
    await app?.stop();
  });

  for (const { title, kind } of PROPERTIES) {
    it(title, () => {
      const failures = [...first.failures, ...report.failures].filter((f) => f.kind === kind);
      assert.equal(first.maps, MAPS, 'every map was sent the first time');
      assert.equal(report.maps, MAPS, 'every map was sent the second time');
      assert.equal(failures.length, 0, `distinct failures:\n${failures.map(formatFailure).join('\n')}`);
    });
  }

  it(`keeps no more than ${REACHABLE_BOUND_MB} MB of heap and ${RSS_BOUND_MB} MB of RSS once pollers idled out`, async () => {
    await untilPollersIdle(app!);
    report.drainLogs(app!.logs);
    await collectGarbage();
    const after = memoryMb();
    process.stdout.write(
      `    RSS ${baseline.rss} MB before, ${peakRss} MB at peak, ${after.rss} MB after; heap ${baseline.heapUsed} → ${after.heapUsed} MB, external ${baseline.external} → ${after.external} MB\n`,
    );
    const reachable = after.heapUsed + after.external - (baseline.heapUsed + baseline.external);
    assert.ok(reachable <= REACHABLE_BOUND_MB, `heap and external memory grew by ${reachable} MB`);
    assert.ok(
      after.rss <= baseline.rss + RSS_BOUND_MB,
      `RSS ${after.rss} MB after the run, over ${baseline.rss} + ${RSS_BOUND_MB} MB (peak ${peakRss} MB; heap ${baseline.heapUsed} → ${after.heapUsed} MB, external ${baseline.external} → ${after.external} MB)`,
    );
  });
});
