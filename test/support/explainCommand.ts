/**
 * `kstreams-scaler explain` as an operator runs it: bin/kstreams-scaler.js
 * in its own process, with none of the test run's own SCALER_ variables.
 * Every process started is tracked until it ends, so a test can kill what a
 * failure left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../../bin/kstreams-scaler.js');

export interface ExplainOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class ExplainCommand {
  readonly #children = new Set<ChildProcess>();

  /** Runs the command with `args` to its end. */
  run(args: readonly string[]): Promise<ExplainOutcome> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCALER_')));
    const child = spawn(process.execPath, [BIN, 'explain', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) =>
      child.once('close', (code) => {
        this.#children.delete(child);
        resolve({ code, stdout, stderr });
      }),
    );
  }

  /** Kills every command still running. */
  killAll(): void {
    for (const child of this.#children) child.kill('SIGKILL');
  }
}
