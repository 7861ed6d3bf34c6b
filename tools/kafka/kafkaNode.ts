/**
 * One KRaft node (broker + controller) of the harness as a child JVM: start it,
 * wait until it really serves, stop it gracefully or kill it with SIGKILL.
 * Like every child of the harness (tools/managedProcess.ts), it is killed
 * with the process that started it, whatever ends that one.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_GRACE_MS, ManagedProcess } from '../managedProcess.ts';
import { HarnessError, JAVA } from './harnessError.ts';
import { LOOPBACK } from './ports.ts';
import type { NodeAddress } from './brokerConfig.ts';

/** Logged by KafkaRaftServer once the node serves clients (3.x and 4.x alike). */
const STARTED_LINE = 'Kafka Server started';

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
  readonly #launch: JavaLaunch;
  readonly #failureLogFile: string;
  #process: ManagedProcess | undefined;

  /**
   * @param failureLogFile where the node's log is copied when it fails to
   *   start, since `root` is deleted when the cluster is torn down.
   */
  constructor(address: NodeAddress, root: string, launch: JavaLaunch, failureLogFile: string) {
    this.address = address;
    this.configFile = path.join(root, `node-${address.id}.properties`);
    this.logFile = path.join(root, `node-${address.id}.log`);
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
    return this.#process?.pid;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  /** Starts the JVM and resolves once the node logs that it serves clients. */
  async start(readyTimeoutMs: number): Promise<void> {
    if (this.running) throw new HarnessError(`node ${this.id} is already running (pid ${this.pid})`);
    const { jvmOptions, loggingFlag, classpath } = this.#launch;
    const jvm = new ManagedProcess(
      `node-${this.id}`,
      'java',
      [...jvmOptions, loggingFlag, '-cp', classpath, 'kafka.Kafka', this.configFile],
      { ...JAVA, logFile: this.logFile },
    );
    this.#process = jvm;
    try {
      await jvm.waitFor(
        (line) => line.includes(STARTED_LINE),
        readyTimeoutMs,
        (code, signal) => this.#describeEarlyExit(jvm, code, signal),
      );
    } catch (err) {
      await jvm.kill();
      // kill() waits for the exit only; the log is complete once the output has closed.
      await jvm.closed;
      try {
        copyFileSync(this.logFile, this.#failureLogFile);
      } catch {
        // The message already carries the last log line.
      }
      throw err instanceof HarnessError
        ? new HarnessError(`${err.message.replace(/^kafka harness: /, '')} (full log: ${this.#failureLogFile})`)
        : err;
    }
  }

  /** Graceful stop (SIGTERM runs Kafka's shutdown hook), SIGKILL after `graceMs`. */
  stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    return this.#process?.stop(graceMs) ?? Promise.resolve();
  }

  /** Crash the node (SIGKILL), as a fault test wants it. */
  kill(): Promise<void> {
    return this.#process?.kill() ?? Promise.resolve();
  }

  #describeEarlyExit(jvm: ManagedProcess, code: number | null, signal: string | null): string {
    const bind = jvm.tail.map((l) => /failed to bind to ([\d.]+:\d+)/i.exec(l)).find((m) => m);
    if (bind) return `port ${bind[1]} is already in use; node ${this.id} could not listen on it`;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    return `node ${this.id} stopped before it was ready (${how}); last log line: ${jvm.lastInterestingLine()}`;
  }
}
