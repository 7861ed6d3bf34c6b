/**
 * A real Kafka Streams application for tests and the demo: StreamsLagApp.java
 * (a key-changing groupBy, so it has a repartition topic and a changelog),
 * compiled with javac against kafka-streams from Maven Central into the
 * harness cache, and run as JVM processes that are stopped (SIGTERM closes
 * the app and leaves the group) or killed by PID, and reaped by the watchdog
 * if the starting process dies.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HarnessError } from './harnessError.ts';
import { JvmProcess } from './jvmProcess.ts';
import { startWatchdog } from './localKafka.ts';
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

export async function startStreamsApp(options: StreamsAppOptions): Promise<StreamsApp> {
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
    ],
    { pidDir: path.join(root, 'pids'), logFile: path.join(root, 'app.log') },
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
  const cleanup = (): void => {
    rmSync(root, { recursive: true, force: true });
    unregister();
  };
  try {
    await jvm.waitFor(
      () => state === 'RUNNING',
      options.readyTimeoutMs ?? 60_000,
      (code, signal) =>
        `Kafka Streams app ${options.appId} exited before RUNNING (${signal ? `signal ${signal}` : `exit code ${code}`}); last log line: ${jvm.lastInterestingLine()}`,
    );
  } catch (err) {
    await jvm.kill();
    cleanup();
    throw err;
  }
  return {
    appId: options.appId,
    get pid() {
      return jvm.pid;
    },
    get state() {
      return state;
    },
    stop: async () => {
      await jvm.stop(15_000);
      cleanup();
    },
    kill: async () => {
      await jvm.kill();
      cleanup();
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
