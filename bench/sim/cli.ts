/**
 * `make sim`: replays every trace against every strategy setting, prints the
 * results and how the strategies fare against the baseline, and writes
 * results.json, results.md and one SVG per trace to the output directory.
 *
 *   node bench/sim/cli.ts [--trace NAME]... [--out DIR] [--jobs N] [--events] [--check FILE]
 *
 * --events also prints every scaling action of every run, and why.
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
import type { Point } from './runSim.ts';
import type { Score } from './score.ts';
import { chart } from './svg.ts';
import { TRACES, traceByName } from './traces.ts';
import type { Job } from './worker.ts';

const { values } = parseArgs({
  options: {
    trace: { type: 'string', multiple: true },
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

interface Outcome {
  readonly score: Score;
  readonly series: Point[];
  readonly events: Result['events'];
  readonly ms: number;
}

function runJob(job: Job): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: job });
    worker.once('message', (outcome: Outcome) => resolve(outcome));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`simulation ${job.trace}/${job.contender} exited with ${code}`));
    });
  });
}

/** Runs `work` with at most `limit` at a time, keeping the order of results. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

const started = performance.now();
// Longest first, so the day-long trace does not start last.
const all = traces.flatMap((t) => CONTENDERS.map((c) => ({ trace: t.name, contender: c.name, length: t.durationMs })));
const order = [...all].sort((a, b) => b.length - a.length);
const outcomes = await pool(order, jobs, ({ trace, contender }) => runJob({ trace, contender }));
const byKey = new Map(order.map((job, i) => [`${job.trace}/${job.contender}`, outcomes[i]!]));
const results: Result[] = all.map(({ trace, contender }) => {
  const outcome = byKey.get(`${trace}/${contender}`)!;
  return { score: outcome.score, events: outcome.events, ms: outcome.ms };
});
const elapsed = (performance.now() - started) / 1000;

const out = values.out;
mkdirSync(out, { recursive: true });
const text = report(traces, results, LATENCY_OBJECTIVE_SECONDS);
if (values.events) {
  for (const r of results) {
    process.stdout.write(`\n${r.score.trace} / ${r.score.contender}: ${r.events.length} scaling action(s)\n`);
    for (const e of r.events) process.stdout.write(`  ${e.atSeconds}s  ${e.from} → ${e.to}  ${e.by}: ${e.reason}\n`);
  }
}
process.stdout.write(
  `${text.console}\nsimulated ${results.length} runs in ${elapsed.toFixed(1)} s on ${jobs} thread(s)\n`,
);
writeFileSync(join(out, 'results.md'), text.markdown);
writeFileSync(
  join(out, 'results.json'),
  `${JSON.stringify({ objectiveSeconds: LATENCY_OBJECTIVE_SECONDS, contenders: CONTENDERS, results: results.map(({ ms: _, ...r }) => r) }, null, 2)}\n`,
);
for (const trace of traces) {
  const lines = CONTENDERS.map((c) => ({ name: c.name, series: byKey.get(`${trace.name}/${c.name}`)!.series }));
  writeFileSync(join(out, `${trace.name}.svg`), chart(trace.name, trace.description, lines, LATENCY_OBJECTIVE_SECONDS));
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
