/**
 * A real Kafka Streams application for tests and the demo: StreamsLagApp.java
 * (a key-changing groupBy, so it has a repartition topic and a changelog),
 * run as JVM processes by javaApp.ts, which compiles it with the other apps
 * of tools/kafka/streams. Instances are stopped (SIGTERM closes the app and
 * leaves the group), killed, paused or resumed by PID, and reaped by the
 * watchdog if the starting process dies.
 *
 * startStreamsApp() returns once the instance is RUNNING; launchStreamsApp()
 * returns at once with a handle whose `ready` settles later, for callers that
 * start and stop instances while others run (the demo's KEDA loop, like pods).
 * launchStreamsMain() is the same for any Kafka Streams app that prints
 * "STATE <state>" lines (MultiPipelineApp, see multiPipelineApp.ts).
 */
import path from 'node:path';
import { compileJavaApps, type JavaApp, launchJavaApp, propertyArgs, withJavaApp } from './javaApp.ts';
import { DEFAULT_CACHE_DIR } from './resolve.ts';

const MAIN_CLASS = 'StreamsLagApp';

export interface StreamsAppOptions {
  readonly bootstrap: string;
  readonly appId: string;
  readonly input: string;
  readonly output: string;
  /** Milliseconds the downstream sub-topology sleeps per record. */
  readonly delayMs?: number;
  /** A word whose record blocks its stream thread for ten minutes (a poison pill). */
  readonly stallOn?: string;
  readonly threads?: number;
  readonly guarantee?: 'at_least_once' | 'exactly_once_v2';
  readonly commitMs?: number;
  /** Kafka Streams version; KAFKA_VERSION or the harness default otherwise. */
  readonly version?: string;
  readonly readyTimeoutMs?: number;
  /** More Kafka Streams (or client) configuration, e.g. `{ 'max.poll.records': '50' }`. */
  readonly properties?: Readonly<Record<string, string>>;
  /** Where the JVM's output goes; by default a file in its temporary folder, deleted with it. */
  readonly logFile?: string;
}

export interface StreamsApp {
  readonly appId: string;
  readonly pid: number | undefined;
  /** The app's last reported KafkaStreams state ("RUNNING", "REBALANCING", ...). */
  readonly state: string;
  /** Graceful stop: KafkaStreams.close() leaves the group. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash: the members stay until the session times out. */
  kill(): Promise<void>;
  /** SIGSTOP by PID: the whole JVM freezes (no processing, no heartbeats) until resume(). */
  pause(): void;
  /** SIGCONT by PID. */
  resume(): void;
}

/** An instance that may still be starting: launchStreamsApp()'s handle. */
export interface StreamsInstance extends StreamsApp {
  /** Whether the JVM process is alive (paused or not). */
  readonly running: boolean;
  /** Whether pause() froze it and resume() has not continued it yet. */
  readonly paused: boolean;
  /** The app's `topology.describe()`, as it printed it before starting; empty until then. */
  readonly topology: string;
  /** Its active tasks ("0_1", ...) as of its last RUNNING, for apps that print "TASKS" lines (MultiPipelineApp). */
  readonly tasks: readonly string[];
  /**
   * Resolves when the app first reports RUNNING; rejects if the JVM exits
   * first or `readyTimeoutMs` passes (the JVM is then killed).
   */
  readonly ready: Promise<void>;
  /** Resolves when the JVM has exited, for whatever reason. */
  readonly exited: Promise<void>;
}

/** Compiles StreamsLagApp (with the other apps of tools/kafka/streams); returns the classpath. */
export function compileStreamsApp(versionText?: string, cacheDir = DEFAULT_CACHE_DIR): Promise<string> {
  return compileJavaApps(versionText, cacheDir);
}

/** Starts an instance and waits until it is RUNNING; kills it if it does not get there. */
export async function startStreamsApp(options: StreamsAppOptions): Promise<StreamsApp> {
  const instance = await launchStreamsApp(options);
  await instance.ready;
  return instance;
}

/** Starts an instance and returns at once; `ready` tells when it is RUNNING. */
export function launchStreamsApp(options: StreamsAppOptions): Promise<StreamsInstance> {
  return launchStreamsMain(MAIN_CLASS, options, (root) => [
    `--bootstrap=${options.bootstrap}`,
    `--app-id=${options.appId}`,
    `--input=${options.input}`,
    `--output=${options.output}`,
    `--state-dir=${path.join(root, 'state')}`,
    `--delay-ms=${options.delayMs ?? 0}`,
    `--stall-on=${options.stallOn ?? ''}`,
    `--threads=${options.threads ?? 1}`,
    `--guarantee=${options.guarantee ?? 'at_least_once'}`,
    `--commit-ms=${options.commitMs ?? 1000}`,
    ...propertyArgs(options.properties),
  ]);
}

/** What every Kafka Streams app's launch takes besides its own arguments. */
export interface StreamsLaunchOptions {
  readonly appId: string;
  readonly version?: string;
  readonly readyTimeoutMs?: number;
  readonly logFile?: string;
}

/**
 * Starts a Kafka Streams app of tools/kafka/streams that prints its topology
 * and then "STATE <state>" lines; returns at once, `ready` tells when it is RUNNING.
 * @param args its arguments; `root` is its temporary folder (for --state-dir)
 */
export async function launchStreamsMain(
  mainClass: string,
  options: StreamsLaunchOptions,
  args: (root: string) => readonly string[],
): Promise<StreamsInstance> {
  let state = 'CREATED';
  let tasks: readonly string[] = [];
  const topology: string[] = [];
  let describing = false;
  const app: JavaApp = await launchJavaApp({
    mainClass,
    name: `streams-app-${options.appId}`,
    args,
    onLine: (line) => {
      const match = /^STATE (\w+)/.exec(line);
      if (match) state = match[1]!;
      const listed = /^TASKS ?(.*)$/.exec(line);
      if (listed) tasks = listed[1] ? listed[1].split(',') : [];
      // topology.describe() is "Topologies:" then indented lines, printed before the first state.
      if (state === 'CREATED' && line === 'Topologies:') describing = true;
      else if (describing && line !== '' && !/^\s/.test(line)) describing = false;
      if (describing) topology.push(line);
    },
    isReady: () => state === 'RUNNING',
    notReady: `Kafka Streams app ${options.appId} exited before RUNNING`,
    ...(options.version ? { version: options.version } : {}),
    ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  return withJavaApp(app, {
    appId: options.appId,
    get state() {
      return state;
    },
    get tasks() {
      return tasks;
    },
    get topology() {
      return topology.join('\n').trimEnd();
    },
  });
}
