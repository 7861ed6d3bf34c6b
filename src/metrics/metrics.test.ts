import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { Decision } from '../model/decision.ts';
import type { TriggerFigures } from '../observe/figures.ts';
import type { Poller } from '../poller/poller.ts';
import type { TriggerStatus } from '../scaler/scalerService.ts';
import { parseTrigger } from '../scaler/trigger.ts';
import { topicSample } from '../../test/support/samples.ts';
import { ScalerMetrics } from './metrics.ts';
import { metricSamples } from '../../test/support/metricsText.ts';

const NOW = 1_000_000;

function triggerStatus(name: string, group: string, figures: TriggerFigures, evaluatedAt = NOW): TriggerStatus {
  const trigger = parseTrigger({
    name,
    namespace: 'shop',
    scalerMetadata: { bootstrapServers: 'k:9092', consumerGroup: group, topic: 'orders' },
  });
  const decision = { metricValue: 0, target: 1, active: figures.active } as Decision;
  const sample = topicSample(NOW - 2_000, [[0n, 0n]]);
  return { id: name, trigger, decision, sampledAt: sample.at, sample, evaluatedAt, askedAt: evaluatedAt, figures };
}

function poller(cluster: string, latestAt: number | undefined): Poller {
  return {
    key: { cluster, groupId: 'g', topics: undefined },
    state: () => ({
      latest: latestAt === undefined ? undefined : topicSample(latestAt, [[0n, 0n]]),
      history: [],
      failure: undefined,
      polled: true,
    }),
  } as unknown as Poller;
}

/** The value of one series in the exposition text, by its name and exact label set. */
const value = (text: string, series: string): number | undefined => metricSamples(text).get(series);

describe('Prometheus metrics', () => {
  const busy: TriggerFigures = {
    lag: 1200,
    timeLagSeconds: 42.5,
    arrivalRate: 150,
    drainRate: 90,
    replicas: 4,
    active: true,
    stalledPartitions: 1,
  };
  const statuses = [
    triggerStatus('orders-streams', 'orders-app', busy),
    triggerStatus('idle', 'idle-app', { lag: 0, replicas: 0, active: false, stalledPartitions: 0 }),
    triggerStatus('gone', 'gone-app', busy, NOW - 11 * 60_000),
  ];
  const metrics = new ScalerMetrics({
    statuses: () => statuses,
    pollers: () => [
      poller('profile:prod', NOW - 3_000),
      poller('profile:prod', NOW - 1_000),
      poller('k:9092', undefined),
    ],
    openStreams: () => ({ StreamIsActive: 3, StreamMetricSpec: 1 }),
    triggerIdleMs: 10 * 60_000,
    now: () => NOW,
  });
  let text = '';

  before(async () => {
    metrics.rpc('GetMetrics', status.OK, 0.002);
    metrics.rpc('GetMetrics', status.OK, 0.004);
    metrics.rpc('GetMetrics', status.UNAVAILABLE, 0.001);
    metrics.rpc('StreamIsActive', status.OK);
    metrics.poll('profile:prod', 0.05);
    metrics.poll('profile:prod', 1.5, 'KAFKA_UNAVAILABLE');
    metrics.kafkaRequest('profile:prod', 'OffsetFetch');
    metrics.kafkaRequest('profile:prod', 'OffsetFetch');
    metrics.kafkaRequest('profile:prod', 'ListOffsets');
    text = (await metrics.scrape()).body;
  });

  const labels = 'namespace="shop",scaledobject="orders-streams",consumer_group="orders-app",metric=';
  const perTrigger: Array<[string, number]> = [
    ['kstreams_scaler_trigger_lag_records', 1200],
    ['kstreams_scaler_trigger_time_lag_seconds', 42.5],
    ['kstreams_scaler_trigger_arrival_rate_records_per_second', 150],
    ['kstreams_scaler_trigger_drain_rate_records_per_second', 90],
    ['kstreams_scaler_trigger_recommended_replicas', 4],
    ['kstreams_scaler_trigger_active', 1],
    ['kstreams_scaler_trigger_stalled_partitions', 1],
  ];
  for (const [name, expected] of perTrigger) {
    it(`per trigger: ${name}`, () => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}`));
      assert.ok(line, `no ${name} series for orders-streams in:\n${text}`);
      assert.equal(Number(line.split(' ').pop()), expected);
    });
  }

  it('per trigger: a figure the strategy does not measure has no series rather than a made-up 0', () => {
    assert.ok(!/kstreams_scaler_trigger_time_lag_seconds\{[^}]*scaledobject="idle"/.test(text));
    assert.ok(/kstreams_scaler_trigger_active\{[^}]*scaledobject="idle"[^}]*\} 0/.test(text));
  });

  it('per trigger: a trigger KEDA stopped asking about is dropped (bounded series)', () => {
    assert.ok(!text.includes('scaledobject="gone"'));
  });

  it('no partition labels anywhere', () => {
    assert.ok(!/partition="/.test(text));
  });

  it('per RPC method and code: a count and a latency histogram', () => {
    assert.equal(value(text, 'kstreams_scaler_grpc_server_handled_total{grpc_method="GetMetrics",grpc_code="OK"}'), 2);
    assert.equal(
      value(text, 'kstreams_scaler_grpc_server_handled_total{grpc_method="GetMetrics",grpc_code="UNAVAILABLE"}'),
      1,
    );
    assert.equal(
      value(text, 'kstreams_scaler_grpc_server_handling_seconds_count{grpc_method="GetMetrics",grpc_code="OK"}'),
      2,
    );
    assert.equal(
      value(
        text,
        'kstreams_scaler_grpc_server_handling_seconds_bucket{le="0.0025",grpc_method="GetMetrics",grpc_code="OK"}',
      ),
      1,
    );
    assert.equal(
      value(text, 'kstreams_scaler_grpc_server_handled_total{grpc_method="StreamIsActive",grpc_code="OK"}'),
      1,
    );
    assert.equal(value(text, 'kstreams_scaler_grpc_open_streams{grpc_method="StreamIsActive"}'), 3);
    assert.equal(value(text, 'kstreams_scaler_grpc_open_streams{grpc_method="StreamMetricSpec"}'), 1);
  });

  it('per cluster: poll duration, poll errors by reason, Kafka requests by API, snapshot age, pollers', () => {
    assert.equal(value(text, 'kstreams_scaler_poll_duration_seconds_count{cluster="profile:prod"}'), 2);
    assert.equal(
      value(text, 'kstreams_scaler_poll_errors_total{cluster="profile:prod",reason="KAFKA_UNAVAILABLE"}'),
      1,
    );
    assert.equal(value(text, 'kstreams_scaler_kafka_requests_total{cluster="profile:prod",api="OffsetFetch"}'), 2);
    assert.equal(value(text, 'kstreams_scaler_kafka_requests_total{cluster="profile:prod",api="ListOffsets"}'), 1);
    assert.equal(value(text, 'kstreams_scaler_snapshot_age_seconds{cluster="profile:prod"}'), 3, 'the oldest');
    assert.equal(value(text, 'kstreams_scaler_snapshot_age_seconds{cluster="k:9092"}'), undefined, 'no data, no age');
    assert.equal(value(text, 'kstreams_scaler_pollers{cluster="profile:prod"}'), 2);
  });

  it('process metrics, prefixed; the exposition content type', async () => {
    assert.ok(/^kstreams_scaler_process_cpu_seconds_total /m.test(text));
    assert.match((await metrics.scrape()).contentType, /^text\/plain; version=0\.0\.4/);
  });

  it("a cluster whose last poller went loses every series, another cluster's stay", async () => {
    const local = new ScalerMetrics({
      statuses: () => [],
      pollers: () => [],
      openStreams: () => ({}),
      triggerIdleMs: 600_000,
    });
    for (const cluster of ['gone:9092', 'kept:9092']) {
      local.poll(cluster, 0.1);
      local.poll(cluster, 2, 'KAFKA_UNAVAILABLE');
      local.kafkaRequest(cluster, 'Metadata');
    }
    local.forgetCluster('gone:9092');
    const after = (await local.scrape()).body;
    assert.equal(after.includes('gone:9092'), false, 'no series names the forgotten cluster');
    assert.equal(value(after, 'kstreams_scaler_kafka_requests_total{cluster="kept:9092",api="Metadata"}'), 1);
    assert.equal(value(after, 'kstreams_scaler_poll_errors_total{cluster="kept:9092",reason="KAFKA_UNAVAILABLE"}'), 1);
  });
});
