/**
 * One KRaft node (broker + controller) of the harness as a child JVM: start it,
 * wait until it really serves, stop it gracefully or kill it with SIGKILL.
 * Every process is tracked by PID in `<root>/pids/` so the watchdog can reap it
 * if the parent dies without cleaning up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { HarnessError } from './harnessError.ts';
import { LOOPBACK } from './ports.ts';
import type { NodeAddress } from './brokerConfig.ts';

/** Logged by KafkaRaftServer once the node serves clients (3.x and 4.x alike). */
const STARTED_LINE = 'Kafka Server started';
const LOG_TAIL_LINES = 40;

export interface JavaLaunch {
  readonly classpath: string;
  /** -D flag pointing the logging backend at its configuration file. */
  readonly loggingFlag: string;
  readonly jvmOptions: readonly string[];
}

export class KafkaNode {
  readonly address: NodeAddress;
  readonly configFile: string;
  readonly logFile: string;
  readonly #pidFile: string;
  readonly #launch: JavaLaunch;
  readonly #failureLogFile: string;
  #child: ChildProcess | undefined;
  #exited: Promise<number | null> | undefined;
  #tail: string[] = [];

  /**
   * @param failureLogFile where the node's log is copied when it fails to
   *   start, since `root` is deleted when the cluster is torn down.
   */
  constructor(address: NodeAddress, root: string, launch: JavaLaunch, failureLogFile: string) {
    this.address = address;
    this.configFile = path.join(root, `node-${address.id}.properties`);
    this.logFile = path.join(root, `node-${address.id}.log`);
    this.#pidFile = path.join(root, 'pids', `node-${address.id}`);
    this.#launch = launch;
    this.#failureLogFile = failureLogFile;
  }

  get id(): number {
    return this.address.id;
  }

  get bootstrap(): string {
    return `${LOOPBACK}:${this.address.clientPort}`;
  }

  get pid(): number | undefined {
    return this.#child?.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Starts the JVM and resolves once the node logs that it serves clients. */
  async start(readyTimeoutMs: number): Promise<void> {
    if (this.running) throw new HarnessError(`node ${this.id} is already running (pid ${this.pid})`);
    this.#tail = [];
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(
      'java',
      [
        ...this.#launch.jvmOptions,
        this.#launch.loggingFlag,
        '-cp',
        this.#launch.classpath,
        'kafka.Kafka',
        this.configFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    if (child.pid !== undefined) writeFileSync(this.#pidFile, String(child.pid));
    void this.#exited.then(() => {
      rmSync(this.#pidFile, { force: true });
      log.end();
    });

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new HarnessError(
            `node ${this.id} did not become ready within ${readyTimeoutMs / 1000} s; last log line: ${this.#lastInterestingLine()}`,
          ),
        );
      }, readyTimeoutMs);
      child.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          err.code === 'ENOENT'
            ? new HarnessError('java is not on PATH; the harness needs Java 17 or newer', { cause: err })
            : new HarnessError(`cannot start node ${this.id}: ${err.message}`, { cause: err }),
        );
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new HarnessError(this.#describeEarlyExit(code, signal)));
      });
      this.#scanLines(child, log, (line) => {
        if (line.includes(STARTED_LINE)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      await ready;
    } catch (err) {
      await this.kill();
      try {
        copyFileSync(this.logFile, this.#failureLogFile);
      } catch {
        // The message already carries the last log line.
      }
      throw err;
    }
  }

  /** Graceful stop (SIGTERM runs Kafka's shutdown hook), SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Crash the node (SIGKILL), as a fault test wants it. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** Synchronous last resort for process exit handlers. */
  killNow(): void {
    if (this.running) this.#child?.kill('SIGKILL');
  }

  #scanLines(child: ChildProcess, log: WriteStream, onLine: (line: string) => void): void {
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          this.#tail.push(line);
          if (this.#tail.length > LOG_TAIL_LINES) this.#tail.shift();
          onLine(line);
        }
      });
    }
  }

  #describeEarlyExit(code: number | null, signal: NodeJS.Signals | null): string {
    const bind = this.#tail.map((l) => /failed to bind to ([\d.]+:\d+)/i.exec(l)).find((m) => m);
    if (bind) return `port ${bind[1]} is already in use; node ${this.id} could not listen on it`;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    return `node ${this.id} stopped before it was ready (${how}); last log line: ${this.#lastInterestingLine()}`;
  }

  #lastInterestingLine(): string {
    const errors = this.#tail.filter((l) => /ERROR|Exception|Error:/.test(l));
    const line = errors[errors.length - 1] ?? this.#tail[this.#tail.length - 1] ?? '(no output)';
    return `${line.trim()} (full log: ${this.#failureLogFile})`;
  }
}
