/**
 * One JVM child process of the harness (a Kafka node, a Kafka Streams app):
 * started in its own process group with its output scanned line by line and
 * copied to a log file, its PID written to `<pidDir>/<name>` for the
 * watchdog, stopped with SIGTERM (a graceful stop; SIGKILL after a grace
 * period) or killed with SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from './harnessError.ts';

const TAIL_LINES = 40;

export class JvmProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  readonly #tail: string[] = [];
  readonly #listeners = new Set<(line: string) => void>();

  /**
   * @param name used for the PID file and messages, e.g. "node-1"
   * @param args everything after `java`
   */
  constructor(name: string, args: readonly string[], files: { readonly pidDir: string; readonly logFile: string }) {
    this.name = name;
    const log = createWriteStream(files.logFile, { flags: 'a' });
    const pidFile = path.join(files.pidDir, name);
    // Its own process group: a terminal's Ctrl-C goes to the whole foreground
    // group, and the JVMs must stop when and in the order the harness stops
    // them (by PID), not all at once behind its back.
    this.#child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const child = this.#child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    if (child.pid !== undefined) writeFileSync(pidFile, String(child.pid));
    void this.#exited.then(() => rmSync(pidFile, { force: true }));
    // 'close' comes after the last output ('exit' may come before it): only then is the log complete.
    log.on('error', () => {});
    child.once('close', () => log.end());
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          this.#tail.push(line);
          if (this.#tail.length > TAIL_LINES) this.#tail.shift();
          for (const listener of this.#listeners) listener(line);
        }
      });
    }
  }

  get pid(): number | undefined {
    return this.running ? this.#child.pid : undefined;
  }

  /** Resolves with the exit code (null after a signal) once the process has exited. */
  get exited(): Promise<number | null> {
    return this.#exited;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Calls `listener` with every output line from now on; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The last lines of output. */
  get tail(): readonly string[] {
    return this.#tail;
  }

  /**
   * Resolves once a line satisfies `ready`; rejects with a HarnessError if the
   * process fails to start, exits first, or `timeoutMs` passes.
   */
  waitFor(
    ready: (line: string) => boolean,
    timeoutMs: number,
    describeExit: (code: number | null, signal: string | null) => string,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener = (line: string): void => {
        if (ready(line)) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new HarnessError(
            `${this.name} did not become ready within ${timeoutMs / 1000} s; last log line: ${this.lastInterestingLine()}`,
          ),
        );
      }, timeoutMs);
      this.#listeners.add(listener);
      this.#child.once('error', (err: NodeJS.ErrnoException) => {
        done();
        reject(
          err.code === 'ENOENT'
            ? new HarnessError('java is not on PATH; the harness needs Java 17 or newer', { cause: err })
            : new HarnessError(`cannot start ${this.name}: ${err.message}`, { cause: err }),
        );
      });
      this.#child.once('exit', (code, signal) => {
        done();
        reject(new HarnessError(describeExit(code, signal)));
      });
    });
  }

  /** Graceful stop (SIGTERM runs the JVM's shutdown hooks), SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** SIGKILL, as a crash. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** Synchronous last resort for process exit handlers. */
  killNow(): void {
    if (this.running) this.#child.kill('SIGKILL');
  }

  /** The last error-looking output line (else the last line), for messages. */
  lastInterestingLine(): string {
    const errors = this.#tail.filter((l) => /ERROR|Exception|Error:/.test(l));
    return (errors[errors.length - 1] ?? this.#tail[this.#tail.length - 1] ?? '(no output)').trim();
  }
}
