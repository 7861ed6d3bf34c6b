/**
 * A real Kafka Streams application for tests and the demo: StreamsLagApp.java
 * (a key-changing groupBy, so it has a repartition topic and a changelog),
 * compiled with javac against kafka-streams from Maven Central into the
 * harness cache, and run as JVM processes that are stopped (SIGTERM closes
 * the app and leaves the group) or killed by PID, and reaped by the watchdog
 * if the starting process dies.
 *
 * startStreamsApp() returns once the instance is RUNNING; launchStreamsApp()
 * returns at once with a handle whose `ready` settles later, for callers that
 * start and stop instances while others run (the demo's KEDA loop, like pods).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HarnessError } from './harnessError.ts';
import { JvmProcess } from './jvmProcess.ts';
import { startWatchdog } from '../managedProcess.ts';
import { onProcessExit } from './processCleanup.ts';
import { DEFAULT_CACHE_DIR, resolveKafkaLibs } from './resolve.ts';
import { kafkaVersionFromEnv, parseKafkaVersion } from './versions.ts';

const SOURCE = path.join(import.meta.dirname, 'streams', 'StreamsLagApp.java');
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
}

/** An instance that may still be starting: launchStreamsApp()'s handle. */
export interface StreamsInstance extends StreamsApp {
  /** Whether the JVM process is alive. */
  readonly running: boolean;
  /**
   * Resolves when the app first reports RUNNING; rejects if the JVM exits
   * first or `readyTimeoutMs` passes (the JVM is then killed).
   */
  readonly ready: Promise<void>;
  /** Resolves when the JVM has exited, for whatever reason. */
  readonly exited: Promise<void>;
}

/** Compiles StreamsLagApp once per Kafka version and source; returns its classpath. */
export async function compileStreamsApp(versionText?: string, cacheDir = DEFAULT_CACHE_DIR): Promise<string> {
  const version = versionText ? parseKafkaVersion(versionText) : kafkaVersionFromEnv();
  const libs = await resolveKafkaLibs({ version, profile: 'streams', cacheDir });
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 8);
  const classes = path.join(cacheDir, `streams-app-${version.text}-${hash}`);
  if (!existsSync(path.join(classes, `${MAIN_CLASS}.class`))) {
    const staging = `${classes}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    await run('javac', ['-cp', path.join(libs, '*'), '-d', staging, SOURCE]);
    rmSync(classes, { recursive: true, force: true });
    renameSync(staging, classes);
  }
  return `${classes}${path.delimiter}${path.join(libs, '*')}`;
}

/** Starts an instance and waits until it is RUNNING; kills it if it does not get there. */
export async function startStreamsApp(options: StreamsAppOptions): Promise<StreamsApp> {
  const instance = await launchStreamsApp(options);
  await instance.ready;
  return instance;
}

/** Starts an instance and returns at once; `ready` tells when it is RUNNING. */
export async function launchStreamsApp(options: StreamsAppOptions): Promise<StreamsInstance> {
  const classpath = await compileStreamsApp(options.version);
  const root = mkdtempSync(path.join(os.tmpdir(), 'kstreams-app-'));
  mkdirSync(path.join(root, 'pids'));
  const jvm = new JvmProcess(
    `streams-app-${options.appId}`,
    [
      '-Xms64m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      classpath,
      MAIN_CLASS,
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
      ...Object.entries(options.properties ?? {}).map(([key, value]) => `--prop.${key}=${value}`),
    ],
    { pidDir: path.join(root, 'pids'), logFile: options.logFile ?? path.join(root, 'app.log') },
  );
  let state = 'CREATED';
  jvm.onLine((line) => {
    const match = /^STATE (\w+)/.exec(line);
    if (match) state = match[1]!;
  });
  const unregister = onProcessExit(() => {
    jvm.killNow();
    rmSync(root, { recursive: true, force: true });
  });
  startWatchdog(root, MAIN_CLASS);
  const exited = jvm.exited.then(() => {
    rmSync(root, { recursive: true, force: true });
    unregister();
  });
  const ready = jvm
    .waitFor(
      () => state === 'RUNNING',
      options.readyTimeoutMs ?? 60_000,
      (code, signal) =>
        `Kafka Streams app ${options.appId} exited before RUNNING (${signal ? `signal ${signal}` : `exit code ${code}`}); last log line: ${jvm.lastInterestingLine()}`,
    )
    .catch(async (err: unknown) => {
      await jvm.kill();
      throw err;
    });
  return {
    appId: options.appId,
    ready,
    exited,
    get pid() {
      return jvm.pid;
    },
    get running() {
      return jvm.running;
    },
    get state() {
      return state;
    },
    stop: async () => {
      await jvm.stop(15_000);
      await exited;
    },
    kill: async () => {
      await jvm.kill();
      await exited;
    },
  };
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (err) => reject(new HarnessError(`cannot run ${command}: ${err.message}`, { cause: err })));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new HarnessError(`${command} failed (exit ${code}): ${output.trim().split('\n')[0] ?? ''}`)),
    );
  });
}
