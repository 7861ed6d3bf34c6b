/**
 * Kafka goes away and comes back. While it is down, GetMetrics and IsActive
 * answer UNAVAILABLE naming the cluster (never a value, so never a fake 0
 * that scales the workload away) within SCALER_MAX_STALENESS, GetMetricSpec
 * keeps answering (so KEDA's fallback can engage), and answers recover once
 * the broker is back.
 */
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { type LocalKafka, startKafka } from '../../tools/kafka/localKafka.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { eventually } from '../../tools/eventually.ts';
import { commitOffsets, createTopic, produceToPartitions, testKafkaClient } from '../support/kafka.ts';
import { kedaPoll } from '../../tools/keda/kedaPoll.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';

describe('Kafka stops and returns', function () {
  this.timeout(180_000);
  let kafka: LocalKafka;
  let app: TestApp | undefined;
  let client: ScalerClient | undefined;

  before(async () => {
    kafka = await startKafka();
  });

  after(async () => {
    client?.close();
    await app?.stop();
    await kafka.stop();
  });

  it('answers UNAVAILABLE within SCALER_MAX_STALENESS while Kafka is down, and recovers', async () => {
    const seed = testKafkaClient(kafka.bootstrapServers);
    const admin = seed.admin();
    const producer = seed.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    await createTopic(admin, 'payments', 2);
    await produceToPartitions(producer, 'payments', { 0: 12, 1: 3 });
    await commitOffsets('payments-app', 'payments', { 0: 0, 1: 0 }, kafka.bootstrapServers);
    await Promise.all([admin.disconnect(), producer.disconnect()]);

    const maxStalenessMs = 3_000;
    app = await startTestApp({
      SCALER_MAX_STALENESS: `${maxStalenessMs}ms`,
      SCALER_KAFKA_TIMEOUT: '1s',
      SCALER_POLL_INTERVAL: '250ms',
    });
    client = scalerClient(app.grpcPort);
    const so = ref({ bootstrapServers: kafka.bootstrapServers, consumerGroup: 'payments-app', topic: 'payments' });
    const healthy = await eventually(
      () => kedaPoll(client!, so),
      (p) => p.metricValue === 15,
      { timeoutMs: 15_000, what: 'lag 15' },
    );
    assert.equal(healthy.active, true);

    const node = kafka.nodes[0]!;
    const stoppedAt = Date.now();
    await kafka.killNode(node.id);

    // Until the error shows, any answer must still be the real value; after, only UNAVAILABLE.
    const values: number[] = [];
    const failure = await eventually(
      async () => {
        try {
          const { metricValues } = await client!.getMetrics(so, healthy.metricName);
          values.push(metricValues[0]!.metricValueFloat);
          return undefined;
        } catch (err) {
          return err as Error & { code: number; details: string };
        }
      },
      (err) => err !== undefined,
      { timeoutMs: maxStalenessMs + 5_000, everyMs: 50, what: 'UNAVAILABLE after the broker stopped' },
    );
    const elapsed = Date.now() - stoppedAt;
    assert.equal(failure!.code, status.UNAVAILABLE);
    assert.match(failure!.details, new RegExp(`kafka cluster ${kafka.bootstrapServers.replace(/\./g, '\\.')}`));
    assert.ok(
      values.every((v) => v === 15),
      `values served before the error: ${values.join(', ')}`,
    );
    assert.ok(
      elapsed <= maxStalenessMs + 2_000,
      `UNAVAILABLE after ${elapsed}ms, limit ${maxStalenessMs}ms (+2s for the request itself)`,
    );

    await assert.rejects(client.isActive(so), { code: status.UNAVAILABLE });
    const spec = await client.getMetricSpec(so);
    assert.equal(spec.metricSpecs[0]!.metricName, healthy.metricName, 'GetMetricSpec still answers');

    await kafka.startNode(node.id);
    const recovered = await eventually(
      () => kedaPoll(client!, so),
      (p) => p.metricValue === 15,
      {
        timeoutMs: 60_000,
        everyMs: 250,
        what: 'recovery after the broker returned',
      },
    );
    assert.equal(recovered.active, true);
  });
});
