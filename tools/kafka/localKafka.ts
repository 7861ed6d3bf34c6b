/**
 * Real Apache Kafka for tests, the demo and benchmarks, assembled from Maven
 * Central jars (no Docker): one combined broker+controller node on 127.0.0.1,
 * or a 3-node static quorum for fault tests.
 *
 *   const kafka = await startKafka();            // KAFKA_VERSION or the default
 *   kafka.bootstrapServers                       // "127.0.0.1:41234"
 *   kafka.listenerBootstrap('SCRAM')             // an extra listener's, see `listeners`
 *   await kafka.killNode(2); await kafka.startNode(2);
 *   await kafka.stop();                          // kills the JVMs, deletes the data
 *
 * Everything lives in one temporary folder. Whatever happens to the caller
 * (a failed test, Ctrl-C, SIGKILL), the nodes are stopped by PID and the
 * folder deleted: by stop(), by the exit hook, or by the detached watchdog.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  brokerProperties,
  type ExtraListener,
  listenersProblem,
  loggingProperties,
  type NodeAddress,
} from './brokerConfig.ts';
import { HarnessError, JAVA } from './harnessError.ts';
import { type JavaLaunch, KafkaNode } from './kafkaNode.ts';
import { assertPortFree, freePorts, LOOPBACK } from './ports.ts';
import { run, temporaryFolder } from '../managedProcess.ts';
import { DEFAULT_CACHE_DIR, resolveKafkaLibs } from './resolve.ts';
import { kafkaVersionFromEnv, type KafkaVersion, parseKafkaVersion } from './versions.ts';

export interface StartKafkaOptions {
  /** "4.4.0", "3.9.1", ...; KAFKA_VERSION or the default otherwise. */
  readonly version?: string;
  /** 1 (default) or 3 nodes. */
  readonly nodes?: 1 | 3;
  /** Client ports, one per node; free ports are picked otherwise. */
  readonly clientPorts?: readonly number[];
  /** Per-node broker properties added to or overriding the defaults. */
  readonly brokerProperties?: (nodeId: number) => Readonly<Record<string, string>>;
  /**
   * Client listeners besides PLAINTEXT (which brokers and the controller keep
   * using among themselves), each on a free port of 127.0.0.1 per node. Their
   * security settings go in `brokerProperties`; secureListeners.ts writes both.
   */
  readonly listeners?: readonly ExtraListener[];
  /** Extra arguments for `kafka-storage format` (e.g. --add-scram). */
  readonly formatArguments?: readonly string[];
  readonly jvmOptions?: readonly string[];
  /** Log every completed request (kafka.request.logger at DEBUG) to the nodes' logs, for counting. */
  readonly requestLog?: boolean;
  readonly readyTimeoutMs?: number;
  readonly cacheDir?: string;
  readonly mavenSettings?: string;
  readonly mavenRepoLocal?: string;
  /** Progress lines ("resolving...", "starting node 1..."). Silent by default. */
  readonly log?: (line: string) => void;
}

export interface LocalKafka {
  readonly version: string;
  readonly clusterId: string;
  /** Comma-separated host:port list of every node's client listener. */
  readonly bootstrapServers: string;
  /** The same for one of the extra `listeners`, by name. */
  listenerBootstrap(name: string): string;
  readonly nodes: readonly KafkaNode[];
  /** The temporary folder with configs, data and logs; deleted by stop(). */
  readonly root: string;
  /** Graceful stop of one node (SIGTERM). */
  stopNode(id: number): Promise<void>;
  /** Crash one node (SIGKILL). */
  killNode(id: number): Promise<void>;
  /** (Re)start a stopped or killed node on its old data and ports. */
  startNode(id: number): Promise<void>;
  /** Stops every node and deletes the folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Small heap and a quick JIT: the harness serves tests on a 2-core machine. */
export const DEFAULT_JVM_OPTIONS: readonly string[] = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
];

const DEFAULT_READY_TIMEOUT_MS = 120_000;

export async function startKafka(options: StartKafkaOptions = {}): Promise<LocalKafka> {
  const version = options.version ? parseKafkaVersion(options.version) : kafkaVersionFromEnv();
  const count = options.nodes ?? 1;
  if (count !== 1 && count !== 3) throw new HarnessError(`nodes must be 1 or 3, not ${String(count)}`);
  const log = options.log ?? (() => {});
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;

  const listeners = options.listeners ?? [];
  const listenerProblem = listenersProblem(listeners);
  if (listenerProblem) throw new HarnessError(listenerProblem);
  const addresses = await allocateAddresses(count, options.clientPorts, listeners);
  log(`resolving Kafka ${version.text} from Maven Central (cached in ${cacheDir})`);
  const libs = await resolveKafkaLibs({
    version,
    cacheDir,
    ...(options.mavenSettings ? { mavenSettings: options.mavenSettings } : {}),
    ...(options.mavenRepoLocal ? { mavenRepoLocal: options.mavenRepoLocal } : {}),
  });

  const folder = temporaryFolder('kstreams-kafka-');
  const root = folder.path;
  const launch = javaLaunch(
    version,
    libs,
    root,
    options.jvmOptions ?? DEFAULT_JVM_OPTIONS,
    options.requestLog ?? false,
  );
  const nodes = addresses.map((a) => new KafkaNode(a, root, launch, path.join(cacheDir, `failed-node-${a.id}.log`)));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // The data is thrown away, so there is nothing to shut down gracefully.
    await Promise.all(nodes.map((n) => n.kill()));
    folder.remove();
  };

  const clusterId = newClusterId();
  try {
    for (const node of nodes) {
      writeFileSync(
        node.configFile,
        brokerProperties({
          node: node.address,
          quorum: addresses,
          dataDir: path.join(root, `data-${node.id}`),
          listeners,
          major: version.major,
          ...(options.brokerProperties ? { overrides: options.brokerProperties(node.id) } : {}),
        }),
      );
    }
    log(`formatting ${count} KRaft node(s) in ${root}`);
    await Promise.all(nodes.map((n) => formatStorage(launch, clusterId, n.configFile, options.formatArguments ?? [])));
    log(`starting ${count} node(s) of Kafka ${version.text}`);
    await Promise.all(nodes.map((n) => n.start(readyTimeoutMs)));
    const bootstrapServers = nodes.map((n) => n.bootstrap).join(',');
    await waitForBrokers(bootstrapServers, count, readyTimeoutMs);
    log(`Kafka ${version.text} ready at ${bootstrapServers}`);

    const byId = (id: number): KafkaNode => {
      const node = nodes.find((n) => n.id === id);
      if (!node) throw new HarnessError(`no node ${id}; nodes are ${nodes.map((n) => n.id).join(', ')}`);
      return node;
    };
    const listenerBootstrap = (name: string): string => {
      if (!listeners.some((l) => l.name === name)) {
        throw new HarnessError(
          `no listener ${name}; listeners are ${listeners.map((l) => l.name).join(', ') || 'none'}`,
        );
      }
      return addresses.map((a) => `${LOOPBACK}:${a.listenerPorts![name]!}`).join(',');
    };
    return {
      version: version.text,
      clusterId,
      bootstrapServers,
      listenerBootstrap,
      nodes,
      root,
      stopNode: (id) => byId(id).stop(),
      killNode: (id) => byId(id).kill(),
      startNode: (id) => byId(id).start(readyTimeoutMs),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function allocateAddresses(
  count: number,
  clientPorts: readonly number[] | undefined,
  listeners: readonly ExtraListener[],
): Promise<NodeAddress[]> {
  if (clientPorts && clientPorts.length !== count) {
    throw new HarnessError(`${clientPorts.length} client port(s) given for ${count} node(s)`);
  }
  for (const port of clientPorts ?? []) await assertPortFree(port);
  const perNode = (clientPorts ? 1 : 2) + listeners.length;
  const picked = await freePorts(perNode * count);
  return Array.from({ length: count }, (_, i) => {
    const own = picked.slice(perNode * i, perNode * (i + 1));
    const [clientPort, controllerPort] = clientPorts ? [clientPorts[i]!, own.shift()!] : [own.shift()!, own.shift()!];
    return {
      id: i + 1,
      clientPort,
      controllerPort,
      listenerPorts: Object.fromEntries(listeners.map((l, j) => [l.name, own[j]!])),
    };
  });
}

function javaLaunch(
  version: KafkaVersion,
  libs: string,
  root: string,
  jvmOptions: readonly string[],
  requestLog: boolean,
): JavaLaunch {
  const classpath = path.join(libs, '*');
  const file = path.join(root, version.major === 3 ? 'log4j.properties' : 'log4j2.properties');
  writeFileSync(file, loggingProperties(version.major, requestLog));
  const loggingFlag = version.major === 3 ? `-Dlog4j.configuration=file:${file}` : `-Dlog4j2.configurationFile=${file}`;
  return { classpath, loggingFlag, jvmOptions };
}

/** A Kafka Uuid: 16 random bytes, URL-safe base64 without padding, not starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function formatStorage(
  launch: JavaLaunch,
  clusterId: string,
  configFile: string,
  extra: readonly string[],
): Promise<void> {
  const { jvmOptions, loggingFlag, classpath } = launch;
  const args = ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', configFile, ...extra];
  const result = await run('java', [...jvmOptions, loggingFlag, ...args], { ...JAVA, name: 'kafka-storage format' });
  if (result.code !== 0) {
    throw new HarnessError(`kafka-storage format failed (exit ${result.code}): ${result.lastLine}`);
  }
}

/** Waits until every node is a registered broker, as clients see it. */
async function waitForBrokers(bootstrapServers: string, count: number, timeoutMs: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'kafka-harness',
    brokers: bootstrapServers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  try {
    while (Date.now() < deadline) {
      try {
        await admin.connect();
        seen = (await admin.describeCluster()).brokers.length;
        if (seen >= count) return;
      } catch {
        // Not yet: metadata is still settling.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new HarnessError(`only ${seen} of ${count} brokers registered within ${timeoutMs / 1000} s`);
  } finally {
    await admin.disconnect();
  }
}
