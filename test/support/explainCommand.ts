/**
 * `kstreams-scaler explain` as an operator runs it: bin/kstreams-scaler.js
 * in its own process, with none of the test run's own SCALER_ variables.
 * Every command started can be killed at once, so a test can kill what a
 * failure left running.
 */
import path from 'node:path';
import { run } from '../../tools/managedProcess.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/kstreams-scaler.js');

export interface ExplainOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class ExplainCommand {
  #abort = new AbortController();

  /** Runs the command with `args` to its end. */
  async run(args: readonly string[]): Promise<ExplainOutcome> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCALER_')));
    const { code, stdout, stderr } = await run(process.execPath, [BIN, 'explain', ...args], {
      env,
      signal: this.#abort.signal,
    });
    return { code, stdout, stderr };
  }

  /** Kills every command still running. */
  killAll(): void {
    this.#abort.abort();
    this.#abort = new AbortController();
  }
}
