/**
 * The demo's workload: a Kafka Streams application (tools/kafka/streams/
 * StreamsLagApp.java) run as one JVM per replica, the way a Deployment runs
 * one pod per replica. scaleTo() acts at once and returns: it launches JVMs
 * that then take their time to start, join the group and report RUNNING, and
 * sends SIGTERM, by PID, to the surplus (those still starting first, as
 * Kubernetes removes pods that are not ready first), which then close and
 * leave the group. An instance that dies on its own is replaced at the next
 * scaleTo(), as a Deployment would. Each JVM logs to its own file.
 */
import path from 'node:path';
import { launchStreamsApp, type StreamsAppOptions, type StreamsInstance } from '../tools/kafka/streamsApp.ts';
import type { JvmCounts } from './table.ts';

export type WorkloadOptions = Omit<StreamsAppOptions, 'logFile'> & {
  /** JVM logs go to `<logDir>/streams-<n>.log`, n counting the instances started. */
  readonly logDir: string;
  /** Called with a line when something happens that the table does not show (an instance failed). */
  readonly notice?: (line: string) => void;
};

type Status = 'starting' | 'running' | 'stopping';

interface Member {
  readonly n: number;
  status: Status;
  /** Set once the JVM is spawned. */
  instance?: StreamsInstance;
  /** Settles when the JVM has exited (or failed to spawn). */
  gone: Promise<void>;
}

export class StreamsWorkload {
  readonly #app: Omit<StreamsAppOptions, 'logFile'>;
  readonly #logDir: string;
  readonly #notice: (line: string) => void;
  readonly #members = new Set<Member>();
  readonly #pids: number[] = [];
  #started = 0;

  constructor(options: WorkloadOptions) {
    const { logDir, notice, ...app } = options;
    this.#app = app;
    this.#logDir = logDir;
    this.#notice = notice ?? (() => {});
  }

  /** Instances counted as replicas: starting or running, not stopping. */
  get replicas(): number {
    return [...this.#members].filter((m) => m.status !== 'stopping').length;
  }

  /** Every JVM still alive, in whatever state. */
  get alive(): number {
    return this.#members.size;
  }

  counts(): JvmCounts {
    const members = [...this.#members];
    const count = (status: Status): number => members.filter((m) => m.status === status).length;
    return { running: count('running'), starting: count('starting'), stopping: count('stopping') };
  }

  /** The PID of every JVM this workload started, in order. */
  get pids(): readonly number[] {
    return this.#pids;
  }

  /** Where instance `n` logs. */
  logFile(n: number): string {
    return path.join(this.#logDir, `streams-${n}.log`);
  }

  /** Starts or stops instances until `replicas` are starting or running; returns at once. */
  scaleTo(replicas: number): void {
    while (this.replicas < replicas) this.#launch();
    const surplus = this.replicas - replicas;
    if (surplus <= 0) return;
    // Not-ready ones first, then the newest.
    const order = [...this.#members]
      .filter((m) => m.status !== 'stopping')
      .sort((a, b) => Number(a.status === 'running') - Number(b.status === 'running') || b.n - a.n);
    for (const member of order.slice(0, surplus)) this.#stop(member);
  }

  /** Stops every instance (SIGTERM, SIGKILL after a grace period) and waits until all have exited. */
  async stopAll(): Promise<void> {
    for (const member of this.#members) this.#stop(member);
    await Promise.all([...this.#members].map((m) => m.gone));
  }

  #launch(): void {
    const n = ++this.#started;
    const notice = this.#notice;
    const member: Member = { n, status: 'starting', gone: Promise.resolve() };
    this.#members.add(member);
    const launched = launchStreamsApp({ ...this.#app, logFile: this.logFile(n) });
    member.gone = launched.then(
      async (instance) => {
        member.instance = instance;
        if (instance.pid !== undefined) this.#pids.push(instance.pid);
        // Told to stop while it was being spawned.
        if (member.status === 'stopping') void instance.stop();
        instance.ready.then(
          () => {
            if (member.status === 'starting') member.status = 'running';
          },
          (err: unknown) => {
            if (member.status !== 'stopping') notice(`instance ${n} did not start: ${message(err)}`);
          },
        );
        await instance.exited;
        if (member.status !== 'stopping') {
          notice(`instance ${n} (pid ${instance.pid ?? '?'}) exited on its own; see ${this.logFile(n)}`);
        }
      },
      (err: unknown) => notice(`instance ${n} could not be launched: ${message(err)}`),
    );
    void member.gone.finally(() => this.#members.delete(member));
  }

  #stop(member: Member): void {
    if (member.status === 'stopping') return;
    member.status = 'stopping';
    if (member.instance) void member.instance.stop();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
