/**
 * The Java test applications of tools/kafka/streams (StreamsLagApp,
 * MultiPipelineApp, PlainConsumerApp): compiled together with javac against
 * kafka-streams from Maven Central into one harness cache folder per Kafka
 * version and set of sources, and run as JVM processes, each in its own
 * temporary folder, that are stopped (SIGTERM runs the app's shutdown hook),
 * killed, paused (SIGSTOP) and resumed (SIGCONT) by PID, and reaped by the
 * watchdog if the starting process dies.
 *
 * streamsApp.ts, multiPipelineApp.ts and plainConsumerApp.ts hold each app's
 * options and readiness; launchJavaApp() is what they share.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { HarnessError, JAVA } from './harnessError.ts';
import { ManagedProcess, run, temporaryFolder } from '../managedProcess.ts';
import { DEFAULT_CACHE_DIR, resolveKafkaLibs } from './resolve.ts';
import { kafkaVersionFromEnv, parseKafkaVersion } from './versions.ts';

const SOURCE_DIR = path.join(import.meta.dirname, 'streams');

/** A running (or starting) JVM of one of the apps. */
export interface JavaApp {
  readonly pid: number | undefined;
  /** Whether the JVM process is alive (paused or not). */
  readonly running: boolean;
  /** Whether pause() froze it and resume() has not continued it yet. */
  readonly paused: boolean;
  /** Resolves when the app is ready; rejects if the JVM exits first or the timeout passes (the JVM is then killed). */
  readonly ready: Promise<void>;
  /** Resolves when the JVM has exited, for whatever reason. */
  readonly exited: Promise<void>;
  /** Graceful stop (SIGTERM, SIGKILL after 15 s); a paused JVM is resumed first. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash (paused or not): its group members stay until their session times out. */
  kill(): Promise<void>;
  /** SIGSTOP by PID: every thread freezes, heartbeats stop, as in a long GC pause or a frozen node. */
  pause(): void;
  /** SIGCONT by PID. */
  resume(): void;
}

export interface JavaAppLaunch {
  /** The class to run, e.g. "MultiPipelineApp". */
  readonly mainClass: string;
  /** Names the JVM in messages and its PID file, e.g. "streams-app-wc-1a2b". */
  readonly name: string;
  /** The app's arguments; `root` is its temporary folder (state directories go there). */
  readonly args: (root: string) => readonly string[];
  /** Called with every output line, before `isReady`. */
  readonly onLine?: (line: string) => void;
  /** Whether the app is ready, asked after every output line. */
  readonly isReady: (line: string) => boolean;
  /** What failed, for messages: "Kafka Streams app wc-1a2b exited before RUNNING". */
  readonly notReady: string;
  /** Kafka version of the client jars; KAFKA_VERSION or the harness default otherwise. */
  readonly version?: string;
  readonly readyTimeoutMs?: number;
  /** Where the JVM's output goes; by default a file in its temporary folder, deleted with it. */
  readonly logFile?: string;
}

/**
 * Compiles every app of tools/kafka/streams once per Kafka version and set of
 * sources (a hash of their names and contents); returns the classpath.
 */
export async function compileJavaApps(versionText?: string, cacheDir = DEFAULT_CACHE_DIR): Promise<string> {
  const version = versionText ? parseKafkaVersion(versionText) : kafkaVersionFromEnv();
  const libs = await resolveKafkaLibs({ version, profile: 'streams', cacheDir });
  const sources = readdirSync(SOURCE_DIR)
    .filter((f) => f.endsWith('.java'))
    .sort();
  const hash = createHash('sha256');
  for (const source of sources) hash.update(`${source}\0`).update(readFileSync(path.join(SOURCE_DIR, source)));
  const classes = path.join(cacheDir, `streams-app-${version.text}-${hash.digest('hex').slice(0, 8)}`);
  // Instances launched together compile once: each would otherwise empty the others' staging folder.
  let compiling = compilations.get(classes);
  if (compiling === undefined) {
    compiling = compileInto(classes, sources, libs).finally(() => compilations.delete(classes));
    compilations.set(classes, compiling);
  }
  await compiling;
  return `${classes}${path.delimiter}${path.join(libs, '*')}`;
}

/** Compilations in flight in this process, by their classes folder. */
const compilations = new Map<string, Promise<void>>();

/** Compiles `sources` into `classes` unless a complete compilation is there; another process may race it. */
async function compileInto(classes: string, sources: readonly string[], libs: string): Promise<void> {
  const compiled = (dir: string): boolean =>
    sources.every((s) => existsSync(path.join(dir, s.replace(/\.java$/, '.class'))));
  if (compiled(classes)) return;
  const staging = `${classes}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(staging, { recursive: true });
  try {
    const javac = await run(
      'javac',
      ['-cp', path.join(libs, '*'), '-d', staging, ...sources.map((s) => path.join(SOURCE_DIR, s))],
      JAVA,
    );
    if (javac.code !== 0) throw new HarnessError(`javac failed (exit ${javac.code}): ${javac.lastLine}`);
    // Another process may have finished first: its complete folder stands.
    if (compiled(classes)) return;
    rmSync(classes, { recursive: true, force: true });
    renameSync(staging, classes);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Starts a JVM of one of the apps and returns at once; `ready` tells when it is ready. */
export async function launchJavaApp(launch: JavaAppLaunch): Promise<JavaApp> {
  const classpath = await compileJavaApps(launch.version);
  const folder = temporaryFolder('kstreams-app-');
  const root = folder.path;
  const jvm = new ManagedProcess(
    launch.name,
    'java',
    [
      '-Xms64m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      classpath,
      launch.mainClass,
      ...launch.args(root),
    ],
    { ...JAVA, logFile: launch.logFile ?? path.join(root, 'app.log'), graceMs: 15_000 },
  );
  if (launch.onLine) jvm.onLine(launch.onLine);
  // Its log is in the folder: removed once the last output is written, not at exit.
  const exited = jvm.closed.then(() => folder.remove());
  const ready = jvm
    .waitFor(
      launch.isReady,
      launch.readyTimeoutMs ?? 60_000,
      (code, signal) =>
        `${launch.notReady} (${signal ? `signal ${signal}` : `exit code ${code}`}); last log line: ${jvm.lastInterestingLine()}`,
    )
    .catch(async (err: unknown) => {
      await jvm.kill();
      throw err;
    });
  return {
    ready,
    exited,
    get pid() {
      return jvm.pid;
    },
    get running() {
      return jvm.running;
    },
    get paused() {
      return jvm.paused;
    },
    stop: async () => {
      await jvm.stop();
      await exited;
    },
    kill: async () => {
      await jvm.kill();
      await exited;
    },
    pause: () => jvm.pause(),
    resume: () => jvm.resume(),
  };
}

/**
 * The app's handle with `more` on top (getters stay getters), for an app's
 * own handle: what its output tells (a state, an assignment) besides the JVM.
 */
export function withJavaApp<T extends object>(app: JavaApp, more: T): JavaApp & T {
  return Object.defineProperties(Object.create(app) as JavaApp & T, Object.getOwnPropertyDescriptors(more));
}

/** `--prop.<key>=<value>` arguments, which the apps pass on to Kafka as they are. */
export function propertyArgs(properties: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(properties ?? {}).map(([key, value]) => `--prop.${key}=${value}`);
}
