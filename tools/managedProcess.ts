/**
 * One child process of a harness (a Kafka node, a Kafka Streams app, a
 * process of the local Kubernetes cluster): started in its own process group
 * with its output scanned line by line and copied to a log file, its PID
 * written to `<pidDir>/<name>` for the watchdog, stopped with SIGTERM (a
 * graceful stop; SIGKILL after a grace period) or killed with SIGKILL, and
 * paused and resumed with SIGSTOP and SIGCONT (a stopped process still dies
 * of SIGKILL; stop() resumes it first, so it can run its shutdown hooks).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const TAIL_LINES = 40;

export interface ProcessFiles {
  readonly pidDir: string;
  readonly logFile: string;
  /** Environment of the child; the parent's when absent. */
  readonly env?: NodeJS.ProcessEnv;
}

export class ManagedProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  readonly #tail: string[] = [];
  readonly #listeners = new Set<(line: string) => void>();

  readonly #fail: (message: string, cause?: unknown) => Error;
  #spawnError: Error | undefined;
  readonly #command: string;
  #paused = false;

  /**
   * @param name used for the PID file and messages, e.g. "node-1"
   * @param fail makes the error a failure to start is reported with
   */
  constructor(
    name: string,
    command: string,
    args: readonly string[],
    files: ProcessFiles,
    fail: (message: string, cause?: unknown) => Error,
  ) {
    this.name = name;
    this.#fail = fail;
    this.#command = command;
    const log = createWriteStream(files.logFile, { flags: 'a' });
    const pidFile = path.join(files.pidDir, name);
    // Its own process group: a terminal's Ctrl-C goes to the whole foreground
    // group, and the JVMs must stop when and in the order the harness stops
    // them (by PID), not all at once behind its back.
    this.#child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: files.env ?? process.env,
    });
    const child = this.#child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      // A binary that cannot be started (missing, not executable) never exits: it failed.
      child.once('error', (err) => {
        this.#spawnError = err;
        this.#tail.push(`cannot start ${command}: ${err.message}`);
        resolve(null);
      });
    });
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
    return this.#spawnError === undefined && this.#child.exitCode === null && this.#child.signalCode === null;
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
   * Resolves once a line satisfies `ready`; rejects with the error `fail` makes if the
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
          this.#fail(
            `${this.name} did not become ready within ${timeoutMs / 1000} s; last log line: ${this.lastInterestingLine()}`,
          ),
        );
      }, timeoutMs);
      this.#listeners.add(listener);
      this.#child.once('error', (err: NodeJS.ErrnoException) => {
        done();
        reject(
          err.code === 'ENOENT'
            ? this.#fail(`${this.#command} is not on PATH or does not exist`, err)
            : this.#fail(`cannot start ${this.name}: ${err.message}`, err),
        );
      });
      this.#child.once('exit', (code, signal) => {
        done();
        reject(this.#fail(describeExit(code, signal)));
      });
    });
  }

  /** Whether pause() stopped the process and resume() has not continued it yet. */
  get paused(): boolean {
    return this.#paused && this.running;
  }

  /** SIGSTOP: the process freezes (no threads run, no heartbeats) until resume(). */
  pause(): void {
    if (!this.running) return;
    this.#child.kill('SIGSTOP');
    this.#paused = true;
  }

  /** SIGCONT: a paused process carries on where it stopped. */
  resume(): void {
    if (!this.running) return;
    this.#child.kill('SIGCONT');
    this.#paused = false;
  }

  /** Graceful stop (SIGTERM runs the JVM's shutdown hooks), SIGKILL after `graceMs`; resumes a paused process first. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    // A stopped process would hold SIGTERM until continued.
    if (this.#paused) this.resume();
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
    const errors = this.#tail.filter((l) => /ERROR|Exception|Error:|^E\d{4} |"level":"error"/.test(l));
    return (errors[errors.length - 1] ?? this.#tail[this.#tail.length - 1] ?? '(no output)').trim();
  }
}

/**
 * Starts the detached reaper (watchdog.ts) for the processes whose PIDs are
 * kept in `<root>/pids/` and whose command lines contain `marker`: it kills
 * them if this process dies without stopping them.
 */
export function startWatchdog(root: string, marker: string): void {
  const child = spawn(
    process.execPath,
    [path.join(import.meta.dirname, 'watchdog.ts'), String(process.pid), root, marker],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  child.unref();
}

/** Whether `pid` is a live process (a zombie, dead but not yet reaped by its parent, counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    // /proc/<pid>/stat is "pid (comm) state ...".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
