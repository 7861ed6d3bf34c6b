/**
 * Resolves the jars of a Kafka broker (or a Kafka Streams application) from
 * Maven Central into a git-ignored cache, `.cache/kafka/<profile>-<version>/`.
 *
 * Maven downloads into its usual local repository and copies the runtime
 * classpath into a temporary folder that is renamed into place only when
 * complete, so an interrupted run never leaves a half-filled cache behind.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { run } from '../managedProcess.ts';
import { HarnessError, harnessError } from './harnessError.ts';
import type { KafkaVersion } from './versions.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const DEFAULT_CACHE_DIR = path.join(REPO_ROOT, '.cache', 'kafka');
const POM = path.join(import.meta.dirname, 'pom.xml');
const COMPLETE_MARKER = '.complete';
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies';

/** `broker`: kafka_2.13 and its logging binding; `streams`: kafka-streams and slf4j-simple. */
export type LibsProfile = 'broker' | 'streams';

export interface ResolveOptions {
  readonly version: KafkaVersion;
  readonly profile?: LibsProfile;
  readonly cacheDir?: string;
  /** A Maven settings.xml (mirrors, proxies); Maven's own default otherwise. */
  readonly mavenSettings?: string;
  /** Maven's local repository; ~/.m2/repository otherwise. */
  readonly mavenRepoLocal?: string;
  /** Upper bound for the Maven run. */
  readonly timeoutMs?: number;
}

/** Returns the folder that holds the jars, resolving them first if needed. */
export async function resolveKafkaLibs(options: ResolveOptions): Promise<string> {
  const profile = options.profile ?? 'broker';
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const target = path.join(cacheDir, `${profile}-${options.version.text}`);
  if (existsSync(path.join(target, COMPLETE_MARKER))) return target;

  mkdirSync(cacheDir, { recursive: true });
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await runMaven(mavenArguments(options, profile, staging), options.version, options.timeoutMs ?? 600_000);
    if (!readdirSync(staging).some((f) => f.endsWith('.jar'))) {
      throw new HarnessError(`Maven resolved no jars for Kafka ${options.version.text} (${profile})`);
    }
    writeFileSync(path.join(staging, COMPLETE_MARKER), new Date().toISOString());
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

function mavenArguments(options: ResolveOptions, profile: LibsProfile, outputDir: string): string[] {
  const { version } = options;
  const profiles = profile === 'streams' ? ['streams'] : ['broker', version.major === 3 ? 'kafka3' : 'kafka4'];
  const args = ['-B', '-q', '-f', POM, `-P${profiles.join(',')}`, `-Dkafka.version=${version.text}`];
  if (version.log4j2) args.push(`-Dlog4j2.version=${version.log4j2}`);
  if (options.mavenSettings) args.push('-s', options.mavenSettings);
  if (options.mavenRepoLocal) args.push(`-Dmaven.repo.local=${options.mavenRepoLocal}`);
  args.push(DEPENDENCY_PLUGIN, '-DincludeScope=runtime', `-DoutputDirectory=${outputDir}`);
  return args;
}

async function runMaven(args: string[], version: KafkaVersion, timeoutMs: number): Promise<void> {
  const maven = await run('mvn', args, {
    name: `Maven resolving Kafka ${version.text}`,
    timeoutMs,
    error: harnessError,
    needs: 'the harness needs Apache Maven 3.8 or newer and Java 17',
  });
  if (maven.code !== 0) throw new HarnessError(describeMavenFailure(maven.stdout + maven.stderr, version.text));
}

/**
 * Turns Maven's output into one sentence. Pure, so the wording is unit-tested.
 */
export function describeMavenFailure(output: string, version: string): string {
  const plain = stripVTControlCharacters(output);
  // The first miss says "Could not find artifact X"; Maven's cached miss says "X was not found in".
  const missing =
    /Could not find artifact (org\.apache\.kafka:\S+)/.exec(plain) ??
    /(org\.apache\.kafka:\S+) was not found in/.exec(plain);
  if (missing) {
    return `Kafka ${version} is not on Maven Central (${missing[1]} not found); pick a released version, e.g. KAFKA_VERSION=3.9.1`;
  }
  const transfer =
    /(?:Could not transfer artifact|transfer failed for|Could not resolve host|UnknownHostException|Connection refused|Network is unreachable|Connect to [^\s]+ failed|timed out)[^\n]*/.exec(
      plain,
    );
  if (transfer) {
    const where = /(https?:\/\/[^\s):]+(?::\d+)?)/.exec(transfer[0])?.[1] ?? 'the Maven repository';
    return `cannot download Kafka ${version}: Maven repository unreachable (${where}); check the network or the Maven mirror settings`;
  }
  const firstError = plain
    .split('\n')
    .filter((line) => line.startsWith('[ERROR]'))
    .map((line) => line.replace(/^(\[ERROR\]\s*)+/, '').trim())
    .find((line) => line.length > 0);
  return `Maven failed to resolve Kafka ${version}: ${firstError ?? 'no error message (run mvn with -X to see why)'}`;
}
