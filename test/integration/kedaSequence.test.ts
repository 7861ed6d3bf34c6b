/**
 * KEDA's call sequence against the scaler and a real broker: lag rises, is
 * capped at the partition count, falls, and the trigger goes inactive.
 * Tagged @compat: runs on 4.x and on 3.9.1.
 */
import assert from 'node:assert/strict';
import type { Admin, Producer } from 'kafkajs';
import { kafkaVersionFromEnv } from '../../tools/kafka/versions.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { eventually } from '../../tools/eventually.ts';
import {
  commitOffsets,
  createTopic,
  produceToPartitions,
  testBootstrap,
  testKafkaClient,
  uniqueName,
} from '../support/kafka.ts';
import { type KedaPoll, kedaPoll } from '../../tools/keda/kedaPoll.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';

describe(`KEDA call sequence on a real Kafka ${kafkaVersionFromEnv().text} broker @compat`, () => {
  let app: TestApp;
  let client: ScalerClient;
  let admin: Admin;
  let producer: Producer;

  beforeEach(async () => {
    app = await startTestApp();
    client = scalerClient(app.grpcPort);
    const kafka = testKafkaClient();
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    client.close();
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await app.stop();
  });

  const commitAt = (groupId: string, topic: string, offsets: Record<number, number>) =>
    commitOffsets(groupId, topic, offsets);

  it('scales 0 → 3 → 4 (capped at 4 partitions) → 0 as lag rises and falls', async () => {
    const topic = uniqueName('orders');
    const groupId = uniqueName('orders-app');
    await createTopic(admin, topic, 4);
    await commitAt(groupId, topic, { 0: 0, 1: 0, 2: 0, 3: 0 });
    const so = ref({
      scalerAddress: 'scaler:9090',
      bootstrapServers: testBootstrap(),
      consumerGroup: groupId,
      topic,
      lagThreshold: '10',
    });
    const until = (what: string, accept: (p: KedaPoll) => boolean) =>
      eventually(() => kedaPoll(client, so), accept, { timeoutMs: 15_000, what });

    const idle = await until('idle group', (p) => p.metricValue === 0);
    assert.deepEqual(
      { active: idle.active, replicas: idle.replicas, target: idle.target },
      { active: false, replicas: 0, target: 10 },
    );

    await produceToPartitions(producer, topic, { 0: 25, 1: 5 });
    const busy = await until('lag 30', (p) => p.metricValue === 30);
    assert.deepEqual({ active: busy.active, replicas: busy.replicas }, { active: true, replicas: 3 });

    await produceToPartitions(producer, topic, { 2: 1000 });
    const capped = await until('lag 1030, capped', (p) => p.active && p.replicas === 4);
    assert.equal(capped.metricValue, 40, '4 partitions × lagThreshold 10');

    await commitAt(groupId, topic, { 0: 25, 1: 5, 2: 1000 });
    const drained = await until('drained', (p) => p.metricValue === 0);
    assert.deepEqual({ active: drained.active, replicas: drained.replicas }, { active: false, replicas: 0 });
    assert.equal(drained.metricName, idle.metricName, 'the metric name is stable');
  });

  it('topic-less: counts only topics the group committed to; a group without commits counts nothing (kedacore/keda#8104)', async () => {
    const used = uniqueName('used');
    const unrelated = uniqueName('unrelated');
    const groupId = uniqueName('topicless-app');
    await createTopic(admin, used, 2);
    await createTopic(admin, unrelated, 2);
    await produceToPartitions(producer, used, { 0: 7, 1: 3 });
    await produceToPartitions(producer, unrelated, { 0: 500, 1: 500 });
    await commitAt(groupId, used, { 0: 2, 1: 0 });

    const withCommits = await eventually(
      () => kedaPoll(client, ref({ bootstrapServers: testBootstrap(), consumerGroup: groupId, lagThreshold: '100' })),
      (p) => p.metricValue === 8,
      { timeoutMs: 15_000, what: 'lag of the committed topic only' },
    );
    assert.equal(withCommits.active, true);

    const noCommits = await eventually(
      () => kedaPoll(client, ref({ bootstrapServers: testBootstrap(), consumerGroup: uniqueName('never-committed') })),
      () => true,
      { timeoutMs: 15_000, what: 'a group that never committed' },
    );
    assert.deepEqual({ value: noCommits.metricValue, active: noCommits.active }, { value: 0, active: false });
  });

  it('a named topic that does not exist is NOT_FOUND, naming it and the cluster', async () => {
    const missing = uniqueName('missing');
    await assert.rejects(
      eventually(
        () => client.getMetrics(ref({ bootstrapServers: testBootstrap(), consumerGroup: 'g', topic: missing }), 'm'),
        () => true,
        { timeoutMs: 1, what: 'first answer' },
      ),
      (err: Error) => {
        assert.match(
          err.message,
          new RegExp(`NOT_FOUND: kafka cluster 127\\.0\\.0\\.1:\\d+: topic "${missing}" does not exist`),
        );
        return true;
      },
    );
  });

  it('invalid metadata is INVALID_ARGUMENT listing every problem', async () => {
    await assert.rejects(
      client.getMetrics(
        ref({ bootstrapServers: 'no-port', lagThreshold: 'many', limitToPartitionsWithLag: 'true' }),
        'm',
      ),
      (err: Error & { code?: number; details?: string }) => {
        assert.equal(err.code, 3);
        assert.equal(
          err.details,
          'invalid trigger metadata: parameter "bootstrapServers" value "no-port" must be a comma-separated list of host:port addresses, e.g. "kafka-0:9092,kafka-1:9092"; missing required parameter "consumerGroup"; parameter "lagThreshold" value "many" must be an integer; topic must be specified when using limitToPartitionsWithLag',
        );
        return true;
      },
    );
  });
});
