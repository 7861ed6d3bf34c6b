/**
 * Runs (trace, strategy, phase set) simulations off the main thread, one
 * after another as the main thread hands them over, so `make sim` uses every
 * core without starting a thread per run.
 */
import { parentPort } from 'node:worker_threads';
import { CONTENDERS, LATENCY_OBJECTIVE_SECONDS } from './contenders.ts';
import { PHASES, runSim } from './runSim.ts';
import { score } from './score.ts';
import { traceByName } from './traces.ts';

export interface Job {
  readonly trace: string;
  readonly contender: string;
  /** Index into PHASES. */
  readonly phase: number;
}

parentPort!.on('message', (job: Job) => {
  void (async () => {
    const trace = traceByName(job.trace);
    const contender = CONTENDERS.find((c) => c.name === job.contender);
    if (!contender) throw new Error(`unknown contender "${job.contender}"`);
    const phases = PHASES[job.phase];
    if (!phases) throw new Error(`unknown phase set ${job.phase}`);
    const started = performance.now();
    const run = await runSim(trace, contender, { phases });
    parentPort!.postMessage({
      score: score(run, trace, LATENCY_OBJECTIVE_SECONDS),
      series: run.series,
      events: run.scaleEvents.map((e) => ({
        atSeconds: e.atSeconds,
        from: e.from,
        to: e.to,
        by: e.by,
        reason: e.reason,
      })),
      ms: Math.round(performance.now() - started),
    });
  })();
});
