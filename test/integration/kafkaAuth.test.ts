/**
 * Cluster profiles against a real broker: every way of logging in that
 * profiles offer reads the exact lag over real gRPC; credentials the broker
 * refuses give UNAVAILABLE naming the cluster and the problem (never a
 * value); a rotated password file fixes a refused profile without a restart;
 * and no secret ever reaches the logs, gRPC errors or HTTP answers.
 * One broker for the whole file. Tagged @compat: runs on 4.x and on 3.9.1.
 */
import assert from 'node:assert/strict';
import { type ServiceError, status } from '@grpc/grpc-js';
import type { Admin, Producer } from 'kafkajs';
import { eventually } from '../../tools/eventually.ts';
import { kafkaVersionFromEnv } from '../../tools/kafka/versions.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';
import type { ScaledObjectRef } from '../../src/generated/externalscaler.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import {
  ACCEPTED_PROFILES,
  type AuthCluster,
  REFUSED_PROFILES,
  rotateSecretFile,
  startAuthCluster,
} from '../support/authCluster.ts';
import { commitOffsets, createTopic, produceToPartitions, testKafkaClient, uniqueName } from '../support/kafka.ts';

/** Records produced and committed per partition: lag 4 + 3. */
const PRODUCED = { 0: 5, 1: 3 };
const COMMITTED = { 0: 1, 1: 0 };
const LAG = 7;

describe(`Kafka authentication through cluster profiles on a real Kafka ${kafkaVersionFromEnv().text} broker @compat`, function () {
  this.timeout(120_000);
  let cluster: AuthCluster | undefined;
  let app: TestApp | undefined;
  let client: ScalerClient | undefined;
  let admin: Admin | undefined;
  let producer: Producer | undefined;

  before(async () => {
    cluster = await startAuthCluster();
    // Test data goes in over the PLAINTEXT listener; the scaler uses only the profiles.
    const seed = testKafkaClient(cluster.kafka.bootstrapServers);
    admin = seed.admin();
    producer = seed.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    app = await startTestApp({ SCALER_CLUSTERS_FILE: cluster.clustersFile, SCALER_FIRST_POLL_WAIT: '3s' });
    client = scalerClient(app.grpcPort);
  });

  after(async () => {
    client?.close();
    await Promise.allSettled([app?.stop(), admin?.disconnect(), producer?.disconnect()]);
    await cluster?.stop();
  });

  /** A trigger on `profile` for a new group that lags LAG records behind. */
  async function laggingTrigger(profile: string): Promise<ScaledObjectRef> {
    const topic = uniqueName(profile);
    const group = uniqueName(`${profile}-group`);
    await createTopic(admin!, topic, 2);
    await produceToPartitions(producer!, topic, PRODUCED);
    await commitOffsets(group, topic, COMMITTED, cluster!.kafka.bootstrapServers);
    return ref({ cluster: profile, consumerGroup: group, topic, lagThreshold: '5' }, profile);
  }

  async function metricValue(so: ScaledObjectRef): Promise<number> {
    const { metricSpecs } = await client!.getMetricSpec(so);
    const { metricValues } = await client!.getMetrics(so, metricSpecs[0]!.metricName);
    return metricValues[0]!.metricValueFloat;
  }

  /**
   * The error GetMetrics answers once a poll has really been refused, past answers that only say the
   * first read is pending or slow (a loaded machine); any value fails the test.
   */
  async function refusal(so: ScaledObjectRef): Promise<ServiceError> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const outcome = await metricValue(so).then(
        (value) => ({ value }),
        (err: ServiceError) => ({ err }),
      );
      if ('value' in outcome) assert.fail(`served the value ${outcome.value} although the broker refused the login`);
      if (!/still running|no offsets read yet|no answer within/.test(outcome.err.details)) return outcome.err;
      assert.ok(Date.now() < deadline, `no answer but "${outcome.err.details}" within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The first value GetMetrics serves; only "first poll pending" is retried, any other error fails at once. */
  async function firstValue(so: ScaledObjectRef): Promise<number> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        return await metricValue(so);
      } catch (err) {
        const details = (err as ServiceError).details ?? String(err);
        if (!/still running|no offsets read yet/.test(details) || Date.now() >= deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  for (const { profile, what } of ACCEPTED_PROFILES) {
    it(`${what}: GetMetrics reads the exact lag through profile "${profile}"`, async () => {
      const so = await laggingTrigger(profile);
      const value = await firstValue(so);
      assert.equal(value, LAG);
      assert.equal((await client!.isActive(so)).result, true);
    });
  }

  for (const { profile, what, problem } of REFUSED_PROFILES) {
    it(`${what}: GetMetrics and IsActive answer UNAVAILABLE naming cluster "${profile}" and the problem`, async () => {
      const so = await laggingTrigger(profile);
      const err = await refusal(so);
      assert.equal(err.code, status.UNAVAILABLE, err.details);
      assert.match(err.details, problem);
      await assert.rejects(client!.isActive(so), (e: ServiceError) => e.code === status.UNAVAILABLE);
    });
  }

  it('a refused password works once its file is rotated, without a restart', async () => {
    const so = await laggingTrigger('rotating');
    const err = await refusal(so);
    assert.equal(err.code, status.UNAVAILABLE);
    assert.match(err.details, /^kafka cluster rotating: SASL SCRAM SHA256 authentication failed: /);

    rotateSecretFile(cluster!.rotatingPasswordFile, cluster!.rotatedPassword);
    const value = await eventually(
      () => metricValue(so),
      () => true,
      { timeoutMs: 10_000, everyMs: 250, what: 'a value after the password file was rotated' },
    );
    assert.equal(value, LAG);
  });

  it('no secret reaches the logs, gRPC errors or HTTP answers, whether the broker accepts or refuses', async () => {
    const emitted: Array<{ where: string; text: string }> = [];
    for (const { profile } of ACCEPTED_PROFILES) {
      const so = await laggingTrigger(profile);
      await firstValue(so);
    }
    for (const { profile } of REFUSED_PROFILES) {
      const err = await refusal(await laggingTrigger(profile));
      emitted.push({
        where: `gRPC error of ${profile}`,
        text: JSON.stringify({ message: err.message, details: err.details, metadata: err.metadata.toJSON() }),
      });
    }
    for (const path of ['/api/triggers', '/healthz', '/readyz']) {
      const response = await fetch(`http://127.0.0.1:${app!.httpPort}${path}`);
      emitted.push({ where: `HTTP ${path}`, text: await response.text() });
    }
    emitted.push({ where: 'the log', text: JSON.stringify(app!.logs) });

    // The capture must hold what it is meant to, or the search below proves nothing.
    const text = (where: string): string => emitted.find((e) => e.where === where)?.text ?? '';
    assert.equal(
      emitted.filter((e) => e.where.startsWith('gRPC error')).length,
      REFUSED_PROFILES.length,
      'one gRPC error per refused profile',
    );
    const triggers = JSON.parse(text('HTTP /api/triggers')) as { triggers: Array<{ cluster: string }> };
    for (const { profile } of ACCEPTED_PROFILES) {
      assert.ok(
        triggers.triggers.some((t) => t.cluster === `profile:${profile}`),
        `/api/triggers shows ${profile}`,
      );
    }
    const failures = app!.logs.filter((l) => l['msg'] === 'poll failed');
    for (const { profile } of REFUSED_PROFILES) {
      assert.ok(
        failures.some((l) => JSON.stringify(l).includes(`kafka cluster ${profile}:`)),
        `the log has the failed polls of ${profile}`,
      );
    }
    assert.ok(cluster!.secrets.length >= 10, 'secrets to look for');

    for (const secret of cluster!.secrets) {
      for (const { where, text } of emitted) {
        assert.ok(!text.includes(secret.value), `${secret.name} appears in ${where}`);
      }
    }
  });
});
