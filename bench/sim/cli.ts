/**
 * `make sim`: replays every trace against every strategy setting under every
 * phase set (runSim.ts PHASES), prints the results (medians and ranges over
 * the phase sets) and how the strategies fare against the baseline, the wall
 * time it took, and writes results.md, results.json (every run's scores, and
 * the scaling actions of the runs under the first phase set) and one SVG per
 * trace (the runs under the first phase set) to the output directory.
 *
 *   node bench/sim/cli.ts [--trace NAME]... [--phases N] [--out DIR] [--jobs N] [--events] [--check FILE]
 *
 * --phases N runs only the first N phase sets (a quicker look; --check then
 * fails). --events also prints every scaling action of every run, and why.
 * --check FILE fails (exit 1) when FILE (the committed results) differs from
 * what this run produced: the simulator is deterministic, so a difference
 * means a strategy or the model changed and the documented results are stale.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { CONTENDERS, LATENCY_OBJECTIVE_SECONDS } from './contenders.ts';
import { normalizeMarkdown, report, type Result } from './report.ts';
import { PHASES, type Point } from './runSim.ts';
import type { Score } from './score.ts';
import { chart } from './svg.ts';
import { TRACES, traceByName } from './traces.ts';
import type { Job } from './worker.ts';

const { values } = parseArgs({
  options: {
    trace: { type: 'string', multiple: true },
    phases: { type: 'string', default: String(PHASES.length) },
    out: { type: 'string', default: 'bench/sim/out' },
    jobs: { type: 'string', default: String(Math.max(1, availableParallelism())) },
    check: { type: 'string' },
    events: { type: 'boolean', default: false },
  },
});
const traces = values.trace?.map(traceByName) ?? TRACES;
const jobs = Number(values.jobs);
if (!Number.isInteger(jobs) || jobs < 1)
  throw new Error(`--jobs must be a whole number of at least 1, got "${values.jobs}"`);
const phaseCount = Number(values.phases);
if (!Number.isInteger(phaseCount) || phaseCount < 1 || phaseCount > PHASES.length)
  throw new Error(`--phases must be a whole number from 1 to ${PHASES.length}, got "${values.phases}"`);

interface Outcome {
  readonly score: Score;
  readonly series: Point[];
  readonly events: Result['events'];
  readonly ms: number;
}

/**
 * Runs `jobs` on `threads` worker threads, each taking the next job when it
 * finishes one; the outcomes in the order of `jobs`.
 */
async function runAll(jobs: readonly Job[], threads: number): Promise<Outcome[]> {
  const outcomes = new Array<Outcome>(jobs.length);
  let next = 0;
  const lane = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./worker.ts', import.meta.url));
      let current = -1;
      const give = (): void => {
        if (next >= jobs.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        current = next++;
        worker.postMessage(jobs[current]);
      };
      worker.on('message', (outcome: Outcome) => {
        outcomes[current] = outcome;
        give();
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (next < jobs.length || outcomes[current] === undefined) {
          const job = jobs[current];
          reject(new Error(`simulation ${job?.trace}/${job?.contender} (phase set ${job?.phase}) exited with ${code}`));
        }
      });
      give();
    });
  await Promise.all(Array.from({ length: Math.min(threads, jobs.length) }, lane));
  return outcomes;
}

const started = performance.now();
const phaseIndexes = PHASES.slice(0, phaseCount).map((_, i) => i);
const all: Job[] = traces.flatMap((t) =>
  CONTENDERS.flatMap((c) => phaseIndexes.map((phase) => ({ trace: t.name, contender: c.name, phase }))),
);
// Longest first, so the day-long trace does not start last.
const length = (job: Job): number => traceByName(job.trace).durationMs;
const order = [...all].sort((a, b) => length(b) - length(a));
const outcomes = await runAll(order, jobs);
const key = (job: Job): string => `${job.trace}/${job.contender}/${job.phase}`;
const byKey = new Map(order.map((job, i) => [key(job), outcomes[i]!]));
const results: Result[] = all.map((job) => {
  const outcome = byKey.get(key(job))!;
  return { score: outcome.score, phase: job.phase, events: outcome.events, ms: outcome.ms };
});
const elapsed = (performance.now() - started) / 1000;

const out = values.out;
mkdirSync(out, { recursive: true });
const text = report(traces, results, LATENCY_OBJECTIVE_SECONDS);
if (values.events) {
  for (const r of results) {
    process.stdout.write(
      `\n${r.score.trace} / ${r.score.contender} / phase set ${r.phase + 1}: ${r.events.length} scaling action(s)\n`,
    );
    for (const e of r.events) process.stdout.write(`  ${e.atSeconds}s  ${e.from} → ${e.to}  ${e.by}: ${e.reason}\n`);
  }
}
process.stdout.write(
  `${text.console}\nsimulated ${results.length} runs (${traces.length} trace(s) × ${CONTENDERS.length} settings × ${phaseCount} phase set(s)) in ${elapsed.toFixed(1)} s wall time on ${jobs} thread(s)\n`,
);
writeFileSync(join(out, 'results.md'), text.markdown);
writeFileSync(
  join(out, 'results.json'),
  `${JSON.stringify(
    {
      objectiveSeconds: LATENCY_OBJECTIVE_SECONDS,
      phases: PHASES.slice(0, phaseCount),
      contenders: CONTENDERS,
      results: results.map(({ ms: _, events, ...r }) => (r.phase === 0 ? { ...r, events } : r)),
    },
    null,
    2,
  )}\n`,
);
const first = PHASES[0]!;
const phaseNote = `one run: KEDA polls at ${first.kedaMs / 1000} s, the HPA syncs at ${first.hpaMs / 1000} s into their periods (phase set 1 of ${PHASES.length})`;
for (const trace of traces) {
  const lines = CONTENDERS.map((c) => ({
    name: c.name,
    series: byKey.get(key({ trace: trace.name, contender: c.name, phase: 0 }))!.series,
  }));
  writeFileSync(
    join(out, `${trace.name}.svg`),
    chart(trace.name, `${trace.description}; ${phaseNote}`, lines, LATENCY_OBJECTIVE_SECONDS),
  );
}
process.stdout.write(`wrote ${out}/results.md, results.json and ${traces.length} SVG file(s)\n`);
if (values.check !== undefined) {
  const committed = normalizeMarkdown(readFileSync(values.check, 'utf8')).split('\n');
  const produced = normalizeMarkdown(text.markdown).split('\n');
  const differing = produced.flatMap((line, i) => (line === committed[i] ? [] : [i]));
  if (differing.length > 0 || committed.length !== produced.length) {
    const first = differing[0] ?? Math.min(committed.length, produced.length);
    process.stderr.write(
      `${values.check} is stale (first difference at line ${first + 1}):\n  committed: ${committed[first] ?? '(none)'}\n  produced:  ${produced[first] ?? '(none)'}\nrun \`make sim-docs\` and commit docs/sim/\n`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write(`${values.check} matches this run\n`);
  }
}
if (results.some((r) => r.score.errors > 0)) {
  process.stderr.write('some scaler calls failed during the simulation: see the errors column\n');
  process.exitCode = 1;
}
