/**
 * /metrics on a real app against the real broker: the per-trigger figures
 * match the lag the broker holds, every gRPC call is counted by method and
 * status, and polls and Kafka requests are counted per cluster.
 */
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { IsActiveResponse } from '../../src/generated/externalscaler.ts';
import { eventually } from '../../tools/eventually.ts';
import { kedaPoll } from '../../tools/keda/kedaPoll.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import {
  commitOffsets,
  createTopic,
  produceToPartitions,
  testBootstrap,
  testKafkaClient,
  uniqueName,
} from '../support/kafka.ts';
import { metricSamples } from '../support/metricsText.ts';

describe('Prometheus metrics of a running scaler', function () {
  this.timeout(60_000);
  let app: TestApp;
  let client: ScalerClient;

  before(async () => {
    app = await startTestApp();
    client = scalerClient(app.grpcPort);
  });

  after(async () => {
    client?.close();
    await app?.stop();
  });

  async function scrape(): Promise<{ text: string; values: Map<string, number>; contentType: string | null }> {
    const res = await fetch(`http://127.0.0.1:${app.httpPort}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    return { text, values: metricSamples(text), contentType: res.headers.get('content-type') };
  }

  it('per trigger: lag, replicas and activity as served; per method and code; per cluster', async () => {
    const topic = uniqueName('metrics');
    const group = uniqueName('metrics-app');
    const seed = testKafkaClient();
    const admin = seed.admin();
    const producer = seed.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    await createTopic(admin, topic, 3);
    await produceToPartitions(producer, topic, { 0: 40, 1: 25, 2: 10 });
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await commitOffsets(group, topic, { 0: 10, 1: 5, 2: 10 });

    const so = ref(
      { bootstrapServers: testBootstrap(), consumerGroup: group, topic, lagThreshold: '20' },
      'orders-streams',
      'shop',
    );
    const poll = await eventually(
      () => kedaPoll(client, so),
      (p) => p.metricValue === 50,
      { timeoutMs: 15_000, what: 'lag 30 + 20 + 0 = 50' },
    );
    assert.equal(poll.active, true);
    await assert.rejects(client.getMetricSpec(ref({ consumerGroup: group })), { code: status.INVALID_ARGUMENT });

    const stream = client.raw.streamIsActive(so);
    stream.on('error', () => {});
    await new Promise<IsActiveResponse>((resolve) => stream.once('data', resolve));

    const { text, values, contentType } = await scrape();
    assert.match(contentType ?? '', /^text\/plain/);
    const labels = `namespace="shop",scaledobject="orders-streams",consumer_group="${group}"`;
    const trigger = (name: string): number | undefined =>
      [...values.entries()].find(([k]) => k.startsWith(`kstreams_scaler_trigger_${name}{${labels},metric="`))?.[1];
    assert.equal(trigger('lag_records'), 50);
    assert.equal(trigger('recommended_replicas'), 3, 'ceil(50 / 20), within the 3 partitions');
    assert.equal(trigger('active'), 1);
    assert.equal(trigger('stalled_partitions'), 0);

    const handled = (method: string, code: string): number =>
      values.get(`kstreams_scaler_grpc_server_handled_total{grpc_method="${method}",grpc_code="${code}"}`) ?? 0;
    assert.ok(handled('GetMetrics', 'OK') >= 1);
    assert.ok(handled('IsActive', 'OK') >= 1);
    assert.ok(handled('GetMetricSpec', 'OK') >= 1);
    assert.equal(handled('GetMetricSpec', 'INVALID_ARGUMENT'), 1);
    assert.equal(values.get('kstreams_scaler_grpc_open_streams{grpc_method="StreamIsActive"}'), 1);

    const cluster = testBootstrap().toLowerCase();
    assert.ok((values.get(`kstreams_scaler_poll_duration_seconds_count{cluster="${cluster}"}`) ?? 0) >= 1);
    assert.ok((values.get(`kstreams_scaler_kafka_requests_total{cluster="${cluster}",api="OffsetFetch"}`) ?? 0) >= 1);
    assert.ok((values.get(`kstreams_scaler_kafka_requests_total{cluster="${cluster}",api="ListOffsets"}`) ?? 0) >= 1);
    const age = values.get(`kstreams_scaler_snapshot_age_seconds{cluster="${cluster}"}`);
    assert.ok(age !== undefined && age >= 0 && age < 5, `snapshot age ${age}`);
    assert.ok(!/partition="/.test(text), 'no partition labels');

    stream.cancel();
    await eventually(
      () => scrape(),
      (s) => s.values.get('kstreams_scaler_grpc_open_streams{grpc_method="StreamIsActive"}') === 0,
      { timeoutMs: 5_000, what: 'the stream closed' },
    );
  });
});
