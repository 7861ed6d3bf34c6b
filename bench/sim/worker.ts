/**
 * Runs one (trace, strategy) simulation off the main thread, so `make sim`
 * uses every core.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CONTENDERS, LATENCY_OBJECTIVE_SECONDS } from './contenders.ts';
import { runSim } from './runSim.ts';
import { score } from './score.ts';
import { traceByName } from './traces.ts';

export interface Job {
  readonly trace: string;
  readonly contender: string;
}

const job = workerData as Job;
const trace = traceByName(job.trace);
const contender = CONTENDERS.find((c) => c.name === job.contender);
if (!contender) throw new Error(`unknown contender "${job.contender}"`);
const started = performance.now();
const run = await runSim(trace, contender);
parentPort!.postMessage({
  score: score(run, trace, LATENCY_OBJECTIVE_SECONDS),
  series: run.series,
  events: run.scaleEvents.map((e) => ({ atSeconds: e.atSeconds, from: e.from, to: e.to, by: e.by, reason: e.reason })),
  ms: Math.round(performance.now() - started),
});
