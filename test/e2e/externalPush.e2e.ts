/**
 * `external-push` trigger (deploy/examples/streams-app-external-push.yaml,
 * its 30 s pollingInterval kept): the scaler pushes the activity over
 * StreamIsActive, so records arriving wake the Deployment from zero within
 * about one scaler poll plus KEDA's reaction, not at KEDA's next poll.
 */
import assert from 'node:assert/strict';
import type { ScalerProcess } from '../../demo/scalerProcess.ts';
import type { ReplicaTimeline } from '../../tools/k8s/replicaTimeline.ts';
import { e2e } from './fixture.ts';
import {
  apply,
  conditions,
  deployScaler,
  exampleScaledObject,
  hpa,
  KafkaSide,
  openStreams,
  report,
  workload,
} from './scenario.ts';

const NS = 'e2e-push';
const NAME = 'orders-streams';
const TOPIC = 'e2e-push-orders';
/** The example's pollingInterval, kept: only a push can wake the Deployment sooner. */
const POLLING_INTERVAL_S = 30;
/** The Deployment's scaler reads offsets every SCALER_POLL_INTERVAL (2 s by default). */
const SCALER_POLL_S = 2;

describe('real KEDA: external-push trigger (streams-app-external-push.yaml)', function () {
  let scaler: (ScalerProcess & { address: string }) | undefined;
  let timeline: ReplicaTimeline | undefined;
  let kafka: KafkaSide | undefined;

  before(async function () {
    const { cluster, kafka: broker } = e2e();
    scaler = await deployScaler('kubectl apply -k deploy/', 'scaler-push');
    kafka = new KafkaSide(broker.bootstrapServers);
    await kafka.connect();
    await kafka.topic(TOPIC, 4);
    await kafka.commit(NAME, TOPIC, 'start');
    timeline = await workload(cluster, NS, NAME);
  });

  after(async function () {
    timeline?.stop();
    await kafka?.close();
    await scaler?.stop();
  });

  it('activates from zero on a push, well before KEDA polls again', async function () {
    const { cluster } = e2e();
    await apply(
      cluster,
      exampleScaledObject('streams-app-external-push.yaml', {
        namespace: NS,
        name: NAME,
        scalerAddress: scaler!.address,
        // The consumer group's topic: no member, no topology yet to read it from.
        metadata: { consumerGroup: NAME, topic: TOPIC },
        spec: { cooldownPeriod: 10 },
      }),
    );
    // KEDA's first poll found nothing waiting: the ScaledObject is ready and inactive.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const c = await conditions(cluster, NS, NAME);
      if (c['Ready']?.status === 'True' && c['Active']?.status === 'False') break;
      if (Date.now() > deadline) throw new Error(`ScaledObject not Ready and inactive: ${JSON.stringify(c)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(timeline!.current, 0);
    // KEDA v2.21 opened both streams of an external-push trigger; the HPA's target is the spec
    // StreamMetricSpec sent (rate: 1, the metric is the replica count), the one GetMetricSpec answers.
    const streams = await openStreams(scaler!);
    assert.deepEqual(streams, { StreamIsActive: 1, StreamMetricSpec: 1 });
    const target = (await hpa(cluster, NS, NAME))?.spec.metrics[0]?.external?.target;
    assert.deepEqual(target, { type: 'AverageValue', averageValue: '1' });
    report(`open streams ${JSON.stringify(streams)}; HPA target ${JSON.stringify(target)}`);

    const producedAt = timeline!.elapsedMs;
    await kafka!.produce(TOPIC, 100);
    const at = await timeline!.waitFor((r) => r >= 1, POLLING_INTERVAL_S * 1000, 'activated by the push');
    const seconds = (at - producedAt) / 1000;
    report(`records produced → 1 replica in ${seconds.toFixed(1)} s (pollingInterval ${POLLING_INTERVAL_S} s)`);
    // A poll could only have come POLLING_INTERVAL_S after the first one; the push takes a scaler
    // poll, the stream message and KEDA's scale call: a few seconds.
    assert.ok(seconds < SCALER_POLL_S + 10, `activation took ${seconds} s`);
    report(`replicas: ${timeline!.describe()}`);
    await cluster.kubectl(['delete', 'scaledobject', NAME, '-n', NS, '--wait=true']);
  });
});
