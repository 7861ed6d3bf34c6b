/**
 * Every child process of the harnesses, the demo and the benchmarks (a Kafka
 * node, a Kafka Streams app, a process of the local Kubernetes cluster, the
 * scaler, a load generator, a build):
 *
 * - started in its own process group, so a terminal's Ctrl-C (sent to the
 *   whole foreground group) does not stop it behind the parent's back;
 * - its output copied to a log file (or kept in memory, see run()), its last
 *   lines kept for messages and scanned line by line;
 * - stopped with SIGTERM (a graceful stop; SIGKILL after a grace period) or
 *   killed with SIGKILL, paused and resumed with SIGSTOP and SIGCONT, always
 *   by process group (a stopped process still dies of SIGKILL; stop() resumes
 *   it first, so it can run its shutdown hooks);
 * - killed when the parent goes: by the exit hook on a normal exit, on
 *   SIGINT, SIGTERM or SIGHUP, and by the parent's watchdog (watchdog.ts) if
 *   it dies of SIGKILL or a crash, cases its own handlers never see.
 *
 * A parent has one watchdog, whatever it starts: the first process or
 * temporaryFolder() starts it, and each registers itself in the watchdog's
 * folder (`<tmp>/kstreams-watch-<parent pid>-*`): `p<pid>` holds the
 * process's start time (so a reused PID is never killed) and its process
 * group, `d<name>` a folder to delete. A process stays registered until its
 * output closes, not merely until it exits: what it left running in its
 * group (`sleep 9 &`) holds the output open, and is killed with the group.
 *
 * The exit hook: on every exit (normal end, process.exit) the synchronous
 * cleanups run. On SIGINT/SIGTERM/SIGHUP, Node's default is to die without
 * running exit handlers, so this module listens for them; if nobody else
 * does, it exits with the conventional 128+N status after cleaning up. A
 * program with its own signal handling (the demo) keeps it: it must call
 * process.exit or let the loop drain, and the exit hook still runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

const TAIL_LINES = 40;
/** How long stop() waits after SIGTERM before SIGKILL unless told otherwise. */
export const DEFAULT_GRACE_MS = 20_000;
const WATCHDOG = path.join(import.meta.dirname, 'watchdog.ts');
const WATCH_PREFIX = 'kstreams-watch-';

export interface ProcessOptions {
  /** Where its output is appended; kept only in `tail` when absent. */
  readonly logFile?: string;
  /** Environment of the child; the parent's when absent. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to its stdin, which is then closed; stdin is /dev/null when absent. */
  readonly input?: string;
  /** Holds its stdin open until it ends, for children that exit when it closes. */
  readonly holdStdin?: boolean;
  /** How long stop() waits after SIGTERM before SIGKILL; 20 s by default. */
  readonly graceMs?: number;
  /** Makes the errors it reports (cannot start, not ready, timed out); a plain Error by default. */
  readonly error?: (message: string, cause?: unknown) => Error;
  /** What to say when the command is not found, after "<command> is not on PATH; ". */
  readonly needs?: string;
  /** Called with every output line. */
  readonly onLine?: (line: string) => void;
  /**
   * Called with the output as it comes, decoded as UTF-8 (a character split
   * across reads is held back until it is whole); run() keeps stdout and stderr with it.
   */
  readonly onOutput?: (text: string, from: 'stdout' | 'stderr') => void;
}

export class ManagedProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  readonly #closed: Promise<void>;
  readonly #tail: string[] = [];
  readonly #listeners = new Set<(line: string) => void>();
  #outputClosed = false;
  readonly #error: (message: string, cause?: unknown) => Error;
  readonly #graceMs: number;
  #startError: Error | undefined;
  #paused = false;

  /** @param name used in messages, e.g. "node-1" */
  constructor(name: string, command: string, args: readonly string[], options: ProcessOptions = {}) {
    this.name = name;
    this.#error = options.error ?? ((message, cause) => new Error(message, { cause }));
    this.#graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    if (options.onLine) this.#listeners.add(options.onLine);
    const piped = options.input !== undefined || options.holdStdin === true;
    const child = spawn(command, args, {
      stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
      env: options.env ?? process.env,
    });
    this.#child = child;
    const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
    log?.on('error', () => {});
    child.stdin?.on('error', () => {});
    if (options.input !== undefined) child.stdin?.end(options.input);
    // A binary that cannot be started (missing, not executable) never exits: it failed.
    const failed = new Promise<void>((resolve) =>
      child.once('error', (err: NodeJS.ErrnoException) => {
        this.#startError =
          err.code === 'ENOENT'
            ? this.#error(`${command} is not on PATH; ${options.needs ?? 'it must be installed'}`, err)
            : this.#error(`cannot start ${name}: ${err.message}`, err);
        this.#tail.push(this.#startError.message);
        resolve();
      }),
    );
    this.#exited = Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
      failed.then(() => null),
    ]);
    // 'close' comes after the last output ('exit' may come before it): only then is the log complete.
    this.#closed = Promise.race([new Promise<void>((resolve) => child.once('close', () => resolve())), failed]).then(
      () => {
        this.#outputClosed = true;
        return new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
      },
    );
    let unregister: () => void;
    try {
      unregister = register(this, child.pid);
    } catch (err) {
      this.killNow();
      throw err;
    }
    // Not on exit: what it left in its group still runs, and is killed with the group until the output closes.
    void this.#closed.then(unregister);
    for (const [from, stream] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      // One decoder a stream: a chunk may end inside a multi-byte character.
      const decoder = new StringDecoder('utf8');
      let pending = '';
      const take = (text: string): void => {
        if (text === '') return;
        options.onOutput?.(text, from);
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          this.#tail.push(line);
          if (this.#tail.length > TAIL_LINES) this.#tail.shift();
          for (const listener of this.#listeners) listener(line);
        }
      };
      stream?.on('data', (chunk: Buffer) => {
        log?.write(chunk);
        take(decoder.write(chunk));
      });
      // An incomplete character at the very end comes out as U+FFFD.
      stream?.on('end', () => take(decoder.end()));
    }
  }

  get pid(): number | undefined {
    return this.running ? this.#child.pid : undefined;
  }

  /** Resolves with the exit code (null after a signal or a failure to start) once the process has exited. */
  get exited(): Promise<number | null> {
    return this.#exited;
  }

  /** Resolves once it has exited and all of its output has been read (and written to the log). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  get running(): boolean {
    return this.#startError === undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Why it could not be started (not found, not executable), once that is known. */
  get startError(): Error | undefined {
    return this.#startError;
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

  /** The error this process reports `message` with (a HarnessError for the Kafka harness, ...). */
  error(message: string, cause?: unknown): Error {
    return this.#error(message, cause);
  }

  /**
   * Resolves once a line satisfies `ready`; rejects if the process fails to
   * start, exits first (with `describeExit`'s message), or `timeoutMs` passes.
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
          this.#error(
            `${this.name} did not become ready within ${timeoutMs / 1000} s; last log line: ${this.lastInterestingLine()}`,
          ),
        );
      }, timeoutMs);
      this.#listeners.add(listener);
      void this.#exited.then(() => {
        done();
        reject(this.#startError ?? this.#error(describeExit(this.#child.exitCode, this.#child.signalCode)));
      });
    });
  }

  /**
   * Sends `signal` to its process group while the child runs or its output
   * is still open: a process it left in its group (`sleep 9 &`) holds the
   * output open, and the group's id cannot be reused while it does.
   */
  signal(signal: NodeJS.Signals): void {
    if (this.#child.pid === undefined || this.#startError !== undefined || this.#outputClosed) return;
    try {
      process.kill(-this.#child.pid, signal);
    } catch {
      // Gone in the meantime.
    }
  }

  /** Whether pause() stopped the process and resume() has not continued it yet. */
  get paused(): boolean {
    return this.#paused && this.running;
  }

  /** SIGSTOP: the process freezes (no threads run, no heartbeats) until resume(). */
  pause(): void {
    this.signal('SIGSTOP');
    this.#paused = this.running;
  }

  /** SIGCONT: a paused process carries on where it stopped. */
  resume(): void {
    this.signal('SIGCONT');
    this.#paused = false;
  }

  /**
   * Graceful stop (SIGTERM runs a JVM's shutdown hooks), SIGKILL after
   * `graceMs`; resumes a paused process first. Both go to its process group,
   * so what it left running there (holding its output open) ends too, once
   * the output closed; or `graceMs` after the SIGKILL, if something outside
   * the group holds it.
   */
  async stop(graceMs = this.#graceMs): Promise<void> {
    if (this.#outputClosed) return;
    // A stopped process would hold SIGTERM until continued.
    if (this.#paused) this.resume();
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([this.#closed, new Promise<void>((resolve) => (bound = setTimeout(resolve, 2 * graceMs)))]);
    clearTimeout(bound);
    clearTimeout(timer);
  }

  /** SIGKILL, as a crash. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.#exited;
  }

  /** Synchronous last resort for exit handlers. */
  killNow(): void {
    this.signal('SIGKILL');
  }

  /** The last error-looking output line (else the last line), for messages. */
  lastInterestingLine(): string {
    const errors = this.#tail.filter((l) => /ERROR|Exception|Error:|^E\d{4} |"level":"error"/.test(l));
    return (errors[errors.length - 1] ?? this.#tail[this.#tail.length - 1] ?? '(no output)').trim();
  }
}

export interface RunOptions extends Omit<ProcessOptions, 'logFile' | 'onOutput' | 'holdStdin' | 'graceMs'> {
  /** Names it in messages; the command's file name by default. */
  readonly name?: string;
  /** SIGKILL and an error after this long. */
  readonly timeoutMs?: number;
  /** SIGKILL when it aborts; resolves with what it printed so far. */
  readonly signal?: AbortSignal;
}

export interface RunResult {
  /** The exit code; null when a signal ended it. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The last error-looking line of its output (else the last line), for messages. */
  readonly lastLine: string;
}

/** Characters of stdout (or of stderr) run() keeps, at most; a command that prints more is stopped. */
export const MAX_RUN_OUTPUT = 32 * 1024 * 1024;

/**
 * Runs a command to its end as a managed process (own group, killed with the
 * parent), its output kept in memory (at most MAX_RUN_OUTPUT a stream).
 * Rejects if it cannot be started, overruns `timeoutMs` or prints too much; a
 * non-zero exit is the caller's to judge.
 */
export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const out = { stdout: '', stderr: '' };
  const { name = path.basename(command), timeoutMs, signal, ...rest } = options;
  let tooLong = false;
  const child: ManagedProcess = new ManagedProcess(name, command, args, {
    ...rest,
    onOutput: (text, from) => {
      if (tooLong) return;
      out[from] += text;
      if (out[from].length > MAX_RUN_OUTPUT) {
        tooLong = true;
        child.killNow();
      }
    },
  });
  let timedOut = false;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.killNow();
        }, timeoutMs);
  const abort = (): void => child.killNow();
  signal?.addEventListener('abort', abort);
  if (signal?.aborted === true) abort();
  const code = await child.exited;
  await child.closed;
  clearTimeout(timer);
  signal?.removeEventListener('abort', abort);
  if (child.startError) throw child.startError;
  if (timedOut) throw child.error(`${name} did not finish within ${timeoutMs! / 1000} s`);
  if (tooLong)
    throw child.error(`${name} printed more than ${MAX_RUN_OUTPUT} characters on one stream; it was stopped`);
  return { code, ...out, lastLine: child.lastInterestingLine() };
}

/**
 * A new folder under the system's temporary folder, deleted by remove(), on
 * this process's exit, and by its watchdog if this process dies.
 */
export function temporaryFolder(prefix: string): { readonly path: string; readonly remove: () => void } {
  const folder = mkdtempSync(path.join(os.tmpdir(), prefix));
  const entry = path.join(watchFolder(), `d${path.basename(folder)}`);
  writeFileSync(entry, folder);
  const remove = (): void => {
    rmSync(folder, { recursive: true, force: true });
    rmSync(entry, { force: true });
    folders.delete(remove);
  };
  folders.add(remove);
  return { path: folder, remove };
}

/** Whether `pid` is a live process (a zombie, dead but not yet reaped by its parent, counts as gone). */
export function processAlive(pid: number): boolean {
  return processStartTime(pid) !== undefined;
}

/**
 * The fields of /proc/<pid>/stat from field 3 (the state) on, for a live
 * process (or a zombie too, with `zombies`); undefined if it is gone. The line
 * is "pid (comm) state ppid pgrp ...", and comm may hold spaces and ')': it
 * ends at the last ')'.
 */
function statFields(pid: number | string, zombies = false): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' && !zombies ? undefined : fields;
  } catch {
    return undefined;
  }
}

/** When a live process started (field 22 of /proc/<pid>/stat, in clock ticks since boot); undefined if it is gone. */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** The process groups that have a live member (zombies do not count), by /proc. */
export function liveProcessGroups(): Set<number> {
  const groups = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return groups;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const group = statFields(entry)?.[2];
    if (group !== undefined) groups.add(Number(group));
  }
  return groups;
}

/**
 * The PIDs of the processes that `parentPid` runs through this module now, by
 * its watchdog's folder (one that has exited is listed until its output closes).
 */
export function managedProcessesOf(parentPid: number): number[] {
  return readdirSync(os.tmpdir())
    .filter((name) => name.startsWith(`${WATCH_PREFIX}${parentPid}-`))
    .flatMap((name) => readdirSync(path.join(os.tmpdir(), name)))
    .filter((entry) => entry.startsWith('p'))
    .map((entry) => Number(entry.slice(1)));
}

// ---------------------------------------------------------------- the parent's registry

const live = new Set<ManagedProcess>();
const folders = new Set<() => void>();
let watchdogFolder: string | undefined;
let hookInstalled = false;
const SIGNALS: ReadonlyArray<readonly [NodeJS.Signals, number]> = [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
];

/** The watchdog's folder; the first call starts this process's one watchdog. */
function watchFolder(): string {
  if (watchdogFolder === undefined) {
    installExitHook();
    watchdogFolder = mkdtempSync(path.join(os.tmpdir(), `${WATCH_PREFIX}${process.pid}-`));
    spawn(process.execPath, [WATCHDOG, String(process.pid), watchdogFolder], {
      detached: true,
      stdio: 'ignore',
    })
      .on('error', (err) => process.stderr.write(`cannot start the watchdog: ${err.message}\n`))
      .unref();
  }
  return watchdogFolder;
}

/** Tracks a started process until its output closes; returns the function that forgets it. */
function register(child: ManagedProcess, pid: number | undefined): () => void {
  // A child that has already exited is a zombie until this process reaps it (not before this returns): its
  // start time and group are still there, and what it left in its group must still be killed.
  const fields = pid === undefined ? undefined : statFields(pid, true);
  const started = fields?.[19];
  const group = fields?.[2];
  if (pid === undefined || started === undefined || group === undefined) return () => {};
  const entry = path.join(watchFolder(), `p${pid}`);
  // "<start time> <process group>", for the watchdog.
  writeFileSync(entry, `${started} ${group}`);
  live.add(child);
  return () => {
    live.delete(child);
    rmSync(entry, { force: true });
  };
}

function runExitCleanups(): void {
  let complete = true;
  for (const step of [...[...live].map((p) => () => p.killNow()), ...folders]) {
    try {
      step();
    } catch {
      // Keep cleaning up the rest; the watchdog finishes what failed.
      complete = false;
    }
  }
  // The watchdog stands down only when nothing is left for it.
  if (complete && watchdogFolder !== undefined) rmSync(watchdogFolder, { recursive: true, force: true });
}

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', runExitCleanups);
  for (const [signal, number] of SIGNALS) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      // process.exit() emits 'exit' at once, whose listener above runs the cleanups.
      process.exit(128 + number);
    });
  }
}
