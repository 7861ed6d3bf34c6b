/**
 * Prometheus metrics on the HTTP port's /metrics. Counters and histograms are
 * updated where things happen (gRPC calls, polls, Kafka requests); the
 * per-trigger, per-cluster and stream gauges are read at scrape time from the
 * scaler's own state, so they can never drift from what it serves.
 *
 * Labels stay bounded: per trigger (namespace, ScaledObject, consumer group,
 * metric name) only for triggers KEDA asked about within the poller idle
 * timeout; per cluster (a profile name or the bootstrap list); per gRPC
 * method and status; per Kafka API. No partition labels.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { statusName } from '../errors.ts';
import type { TriggerFigures } from '../observe/figures.ts';
import type { Poller } from '../poller/poller.ts';
import type { TriggerStatus } from '../scaler/scalerService.ts';

const PREFIX = 'kstreams_scaler_';
const TRIGGER_LABELS = ['namespace', 'scaledobject', 'consumer_group', 'metric'] as const;

export interface MetricsSources {
  /** Every trigger's latest decision. */
  readonly statuses: () => readonly TriggerStatus[];
  /** Every live poller. */
  readonly pollers: () => readonly Poller[];
  /** Open stream calls (StreamIsActive, StreamMetricSpec) by method. */
  readonly openStreams: () => Readonly<Record<string, number>>;
  /** Triggers not evaluated for this long are dropped from the metrics. */
  readonly triggerIdleMs: number;
  readonly now?: () => number;
}

type TriggerGauge = Gauge<(typeof TRIGGER_LABELS)[number]>;

export class ScalerMetrics {
  readonly registry = new Registry();
  readonly #rpcHandled: Counter<'grpc_method' | 'grpc_code'>;
  readonly #rpcSeconds: Histogram<'grpc_method' | 'grpc_code'>;
  readonly #pollSeconds: Histogram<'cluster'>;
  readonly #pollErrors: Counter<'cluster' | 'reason'>;
  readonly #kafkaRequests: Counter<'cluster' | 'api'>;
  readonly #sources: MetricsSources;
  /** The label values each cluster's series were given, so they can be removed with the cluster. */
  readonly #clusterLabels = new Map<string, { reasons: Set<string>; apis: Set<string> }>();
  /** What one scrape reads, taken once at its start (the gauges' collect() run one by one). */
  #snapshot: { statuses: readonly TriggerStatus[]; pollers: readonly Poller[] } | undefined;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const now = sources.now ?? Date.now;
    this.#sources = sources;
    const snapshot = (): { statuses: readonly TriggerStatus[]; pollers: readonly Poller[] } =>
      this.#snapshot ?? { statuses: sources.statuses(), pollers: sources.pollers() };
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });

    this.#rpcHandled = new Counter({
      name: `${PREFIX}grpc_server_handled_total`,
      help: 'gRPC calls completed, by method and status code (a stream counts when it ends).',
      labelNames: ['grpc_method', 'grpc_code'],
      registers,
    });
    this.#rpcSeconds = new Histogram({
      name: `${PREFIX}grpc_server_handling_seconds`,
      help: 'Time to answer a unary gRPC call, by method and status code.',
      labelNames: ['grpc_method', 'grpc_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    new Gauge({
      name: `${PREFIX}grpc_open_streams`,
      help: 'Open StreamIsActive and StreamMetricSpec calls (external-push triggers), by method.',
      labelNames: ['grpc_method'],
      registers,
      collect() {
        for (const [method, open] of Object.entries(sources.openStreams())) this.set({ grpc_method: method }, open);
      },
    });

    this.#pollSeconds = new Histogram({
      name: `${PREFIX}poll_duration_seconds`,
      help: "Time one poll of a consumer group's offsets took, by cluster (failed polls included).",
      labelNames: ['cluster'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#pollErrors = new Counter({
      name: `${PREFIX}poll_errors_total`,
      help: 'Polls that failed, by cluster and reason.',
      labelNames: ['cluster', 'reason'],
      registers,
    });
    this.#kafkaRequests = new Counter({
      name: `${PREFIX}kafka_requests_total`,
      help: 'Requests sent to Kafka brokers, by cluster and Kafka API.',
      labelNames: ['cluster', 'api'],
      registers,
    });
    new Gauge({
      name: `${PREFIX}snapshot_age_seconds`,
      help: "Age of the oldest latest snapshot among a cluster's pollers (what an answer would be based on).",
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset();
        const oldest = new Map<string, number>();
        for (const poller of snapshot().pollers) {
          const latest = poller.state().latest;
          if (!latest) continue;
          const age = (now() - latest.at) / 1000;
          oldest.set(poller.key.cluster, Math.max(oldest.get(poller.key.cluster) ?? 0, age));
        }
        for (const [cluster, age] of oldest) this.set({ cluster }, age);
      },
    });
    new Gauge({
      name: `${PREFIX}pollers`,
      help: 'Live pollers (one per cluster, consumer group and topic set), by cluster.',
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const poller of snapshot().pollers)
          counts.set(poller.key.cluster, (counts.get(poller.key.cluster) ?? 0) + 1);
        for (const [cluster, count] of counts) this.set({ cluster }, count);
      },
    });

    const perTrigger: Array<[string, string, (f: TriggerFigures) => number | undefined]> = [
      ['lag_records', 'Records behind, as the trigger counts them (sum over its partitions).', (f) => f.lag],
      ['time_lag_seconds', 'Age of the oldest unprocessed record (time strategy).', (f) => f.timeLagSeconds],
      [
        'arrival_rate_records_per_second',
        'Records per second arriving on the trigger partitions.',
        (f) => f.arrivalRate,
      ],
      ['drain_rate_records_per_second', 'Records per second the group commits.', (f) => f.drainRate],
      [
        'recommended_replicas',
        'Replicas the decision asks the HPA for (metric value / target, rounded up).',
        (f) => f.replicas,
      ],
      ['active', '1 if the trigger is active (the workload should run), else 0.', (f) => (f.active ? 1 : 0)],
      [
        'stalled_partitions',
        'Partitions whose committed offset stopped moving while records wait.',
        (f) => f.stalledPartitions,
      ],
    ];
    for (const [name, help, pick] of perTrigger) {
      new Gauge({
        name: `${PREFIX}trigger_${name}`,
        help,
        labelNames: TRIGGER_LABELS,
        registers,
        collect(this: TriggerGauge) {
          this.reset();
          const cutoff = now() - sources.triggerIdleMs;
          for (const status of snapshot().statuses) {
            if (status.askedAt < cutoff) continue;
            const value = pick(status.figures);
            if (value !== undefined && Number.isFinite(value)) this.set(triggerLabels(status), value);
          }
        },
      });
    }
  }

  /** A gRPC call ended (unary: answered; stream: closed) with `code` after `seconds`. */
  rpc(method: string, code: number, seconds?: number): void {
    const labels = { grpc_method: method, grpc_code: statusName(code) };
    this.#rpcHandled.inc(labels);
    if (seconds !== undefined) this.#rpcSeconds.observe(labels, seconds);
  }

  /** A poll of `cluster` ended after `seconds`; `reason` is the error code if it failed. */
  poll(cluster: string, seconds: number, reason?: string): void {
    this.#pollSeconds.observe({ cluster }, seconds);
    if (reason !== undefined) {
      this.#pollErrors.inc({ cluster, reason });
      this.#labelsOf(cluster).reasons.add(reason);
    }
  }

  kafkaRequest(cluster: string, api: string): void {
    this.#kafkaRequests.inc({ cluster, api });
    this.#labelsOf(cluster).apis.add(api);
  }

  /** Drops every series of a cluster nothing reads any more, so cluster labels stay bounded. */
  forgetCluster(cluster: string): void {
    const labels = this.#clusterLabels.get(cluster);
    this.#clusterLabels.delete(cluster);
    this.#pollSeconds.remove({ cluster });
    for (const reason of labels?.reasons ?? []) this.#pollErrors.remove({ cluster, reason });
    for (const api of labels?.apis ?? []) this.#kafkaRequests.remove({ cluster, api });
  }

  #labelsOf(cluster: string): { reasons: Set<string>; apis: Set<string> } {
    let labels = this.#clusterLabels.get(cluster);
    if (!labels) this.#clusterLabels.set(cluster, (labels = { reasons: new Set(), apis: new Set() }));
    return labels;
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    this.#snapshot = { statuses: this.#sources.statuses(), pollers: this.#sources.pollers() };
    try {
      return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    } finally {
      this.#snapshot = undefined;
    }
  }
}

function triggerLabels(status: TriggerStatus): Record<(typeof TRIGGER_LABELS)[number], string> {
  const [namespace = '', name = ''] = status.trigger.scaledObject.split('/');
  return {
    namespace,
    scaledobject: name,
    consumer_group: status.trigger.pollerKey.groupId,
    metric: status.trigger.metricName,
  };
}
