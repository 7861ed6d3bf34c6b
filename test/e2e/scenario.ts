/**
 * What every end-to-end scenario does with the shared cluster and broker:
 *
 * - the scaler: the project's manifests applied with kubectl as users apply
 *   them (`kubectl apply -k deploy/`, or an overlay), then the Deployment run
 *   as a local process (tools/k8s/localScaler.ts);
 * - the workload: a Deployment at 0 replicas in the scenario's namespace
 *   (its pods never run: no kubelet), watched by a ReplicaTimeline;
 * - the ScaledObject: a file of deploy/examples as users write it, with only
 *   names, addresses and KEDA's intervals changed (`exampleScaledObject`);
 * - Kafka: a topic, records, and a consumer group's committed offsets.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Admin, Kafka, logLevel, type Message } from 'kafkajs';
import type { ScalerProcess } from '../../demo/scalerProcess.ts';
import { eventually } from '../../tools/eventually.ts';
import { type ExampleChanges, scaledObjectFromExample, workloadObjects } from '../../tools/k8s/examples.ts';
import type { LocalCluster } from '../../tools/k8s/localCluster.ts';
import { deployScaler } from '../../tools/k8s/localScaler.ts';
import type { K8sObject } from '../../tools/k8s/manifests.ts';
import { ReplicaTimeline } from '../../tools/k8s/replicaTimeline.ts';
import { metricSamples } from '../support/metricsText.ts';
import { e2e, LOG_DIR } from './fixture.ts';

/** Prints a line under the running test (the replica timelines the run observed). */
export function report(line: string): void {
  process.stdout.write(`      ${line}\n`);
}

export interface ScenarioParts {
  readonly scaler: ScalerProcess & { readonly address: string };
  readonly timeline: ReplicaTimeline;
  readonly kafka: KafkaSide;
}

/**
 * Registers a scenario's mocha hooks: before it, the scaler (`kubectl apply -k deploy/`, or
 * the objects `scalerObjects` resolves), a topic whose group `name` committed at its start (so
 * what arrives is lag under either offsetResetPolicy), and the workload with its timeline;
 * after it, all of them stopped.
 */
export function scenario(options: {
  readonly namespace: string;
  readonly name: string;
  readonly topic: string;
  readonly partitions: number;
  /** The scaler's log is `.cache/e2e/<logName>.log`. */
  readonly logName: string;
  readonly scalerObjects?: () => Promise<readonly K8sObject[]>;
}): ScenarioParts {
  let scaler: ScenarioParts['scaler'] | undefined;
  let timeline: ReplicaTimeline | undefined;
  let kafka: KafkaSide | undefined;
  before(async function () {
    const { cluster, kafka: broker } = e2e();
    scaler = await deployScaler(cluster, {
      ...(options.scalerObjects ? { objects: await options.scalerObjects() } : {}),
      kafkaBootstrap: broker.bootstrapServers,
      logFile: path.join(LOG_DIR, `${options.logName}.log`),
    });
    kafka = new KafkaSide(broker.bootstrapServers);
    await kafka.connect();
    await kafka.topic(options.topic, options.partitions);
    await kafka.commit(options.name, options.topic, 'start');
    timeline = await workload(cluster, options.namespace, options.name);
  });
  after(async function () {
    timeline?.stop();
    try {
      // Whatever the test left (its ScaledObject after a failure): KEDA must stop calling a
      // scaler whose port a later scenario's may get.
      await e2e()
        .cluster.kubectl(['delete', 'namespace', options.namespace, '--wait=false', '--ignore-not-found'])
        .catch(() => undefined);
      await kafka?.close();
    } finally {
      await scaler?.stop();
    }
  });
  const ready = <T>(part: T | undefined): T => {
    if (part === undefined) throw new Error('the scenario is not set up');
    return part;
  };
  return {
    get scaler() {
      return ready(scaler);
    },
    get timeline() {
      return ready(timeline);
    },
    get kafka() {
      return ready(kafka);
    },
  };
}

/** Waits until the ScaledObject's conditions satisfy `accept`. */
export async function untilConditions(
  cluster: LocalCluster,
  namespace: string,
  name: string,
  accept: (c: Record<string, Condition>) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(() => conditions(cluster, namespace, name), accept, { timeoutMs, everyMs: 500, what });
}

/**
 * Waits until KEDA's first poll found nothing waiting: the ScaledObject Ready, the scaler asked
 * IsActive (and answered OK), and the Active condition not True.
 *
 * The Active condition alone is not enough: KEDA v2.21's reconciler copies the conditions (Active
 * Unknown) before it starts the scale loop and writes that copy back after, so it can overwrite the
 * False the loop's first poll just set; with a long pollingInterval, Active then stays Unknown
 * until the next poll, minutes later.
 */
export async function untilReadyAndInactive(
  cluster: LocalCluster,
  scaler: { readonly httpPort: number },
  namespace: string,
  name: string,
): Promise<void> {
  const isActive = 'kstreams_scaler_grpc_server_handled_total{grpc_method="IsActive",grpc_code="OK"}';
  await eventually(
    async () => (await scalerMetrics(scaler)).get(isActive) ?? 0,
    (calls) => calls >= 1,
    { timeoutMs: 60_000, everyMs: 500, what: "KEDA's first IsActive call answered" },
  );
  await untilConditions(
    cluster,
    namespace,
    name,
    (c) => c['Ready']?.status === 'True' && c['Active']?.status !== 'True',
    'the ScaledObject Ready and not active',
  );
}

/** The scaler's Prometheus metrics, `name{labels}` → value. */
async function scalerMetrics(scaler: { readonly httpPort: number }): Promise<Map<string, number>> {
  return metricSamples(await (await fetch(`http://127.0.0.1:${scaler.httpPort}/metrics`)).text());
}

/** A namespace and a Deployment at 0 replicas in it (its pods stay Pending), with a timeline of its replicas. */
export async function workload(cluster: LocalCluster, namespace: string, name: string): Promise<ReplicaTimeline> {
  await apply(cluster, ...workloadObjects(namespace, name));
  return new ReplicaTimeline(cluster, namespace, name);
}

/** deploy/examples' ScaledObject with the scenario's names, on the shared broker (tools/k8s/examples.ts). */
export function exampleScaledObject(file: string, changes: Omit<ExampleChanges, 'kafkaBootstrap'>): K8sObject {
  return scaledObjectFromExample(file, { ...changes, kafkaBootstrap: e2e().kafka.bootstrapServers });
}

export async function apply(cluster: LocalCluster, ...objects: K8sObject[]): Promise<void> {
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
}

/** The scaler's open streams by method, from its Prometheus metrics (kstreams_scaler_grpc_open_streams). */
export async function openStreams(scaler: { readonly httpPort: number }): Promise<Record<string, number>> {
  const open: Record<string, number> = {};
  for (const [series, value] of await scalerMetrics(scaler)) {
    const method = /^kstreams_scaler_grpc_open_streams\{grpc_method="(\w+)"\}$/.exec(series)?.[1];
    if (method !== undefined) open[method] = value;
  }
  return open;
}

/** The HPA KEDA made for a ScaledObject, as the API server returns it. */
export interface Hpa {
  readonly spec: {
    readonly metrics: ReadonlyArray<{
      readonly external?: {
        readonly metric: { readonly name: string };
        readonly target: { readonly type: string; readonly averageValue?: string; readonly value?: string };
      };
    }>;
  };
  readonly status?: {
    readonly currentMetrics?: ReadonlyArray<{
      readonly external?: {
        readonly metric: { readonly name: string };
        readonly current: { readonly averageValue?: string; readonly value?: string };
      };
    }>;
  };
}

export function hpa(cluster: LocalCluster, namespace: string, scaledObject: string): Promise<Hpa | undefined> {
  return cluster.get<Hpa>(
    `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/keda-hpa-${scaledObject}`,
  );
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
}

/** A ScaledObject's status conditions by type (Ready, Active, Fallback, …). */
export async function conditions(
  cluster: LocalCluster,
  namespace: string,
  name: string,
): Promise<Record<string, Condition>> {
  const so = await cluster.get<{ status?: { conditions?: Condition[] } }>(
    `/apis/keda.sh/v1alpha1/namespaces/${namespace}/scaledobjects/${name}`,
  );
  return Object.fromEntries((so?.status?.conditions ?? []).map((c) => [c.type, c]));
}

/** Kafka for a scenario: topics, records and a group's committed offsets. */
export class KafkaSide {
  readonly admin: Admin;
  readonly #client: Kafka;

  constructor(bootstrapServers: string) {
    this.#client = new Kafka({ clientId: 'e2e', brokers: bootstrapServers.split(','), logLevel: logLevel.NOTHING });
    this.admin = this.#client.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async topic(topic: string, partitions: number): Promise<void> {
    await this.admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    // Leaders are elected; the broker may still refuse ListOffsets for a moment.
    await eventually(
      () => this.admin.fetchTopicOffsets(topic),
      (offsets) => offsets.length === partitions,
      { timeoutMs: 30_000, everyMs: 250, what: `the offsets of new topic ${topic}` },
    );
  }

  /** Sends `count` records spread over the partitions; `timestamp` dates them (ms since epoch). */
  async produce(topic: string, count: number, timestamp?: number): Promise<void> {
    const producer = this.#client.producer();
    await producer.connect();
    try {
      for (let sent = 0; sent < count; sent += 1000) {
        const messages: Message[] = Array.from({ length: Math.min(1000, count - sent) }, (_, i) => ({
          key: String(sent + i),
          value: 'e2e',
          ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }),
        }));
        await producer.send({ topic, messages });
      }
    } finally {
      await producer.disconnect();
    }
  }

  /** Commits the group's offsets at the start (0) or the end of every partition of `topic`. */
  async commit(group: string, topic: string, where: 'start' | 'end'): Promise<void> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    await this.admin.setOffsets({
      groupId: group,
      topic,
      partitions: offsets.map((o) => ({ partition: o.partition, offset: where === 'start' ? '0' : o.high })),
    });
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }
}

/** A fresh folder for a scenario's files. */
export function scenarioDir(name: string): string {
  const dir = path.join(LOG_DIR, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
