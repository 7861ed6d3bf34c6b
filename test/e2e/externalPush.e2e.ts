/**
 * `external-push` trigger (deploy/examples/streams-app-external-push.yaml):
 * the scaler pushes the activity over StreamIsActive, so records arriving
 * wake the Deployment from zero within about one scaler poll plus KEDA's
 * reaction, not at KEDA's next poll. The pollingInterval is raised from the
 * example's 30 s to 300 s, so that no poll can fall inside the measurement.
 */
import assert from 'node:assert/strict';
import { eventually } from '../../tools/eventually.ts';
import { e2e } from './fixture.ts';
import { apply, exampleScaledObject, hpa, openStreams, report, scenario, untilReadyAndInactive } from './scenario.ts';

const NS = 'e2e-push';
const NAME = 'orders-streams';
const TOPIC = 'e2e-push-orders';
/** KEDA's next poll is this far away: only a push can wake the Deployment sooner. */
const POLLING_INTERVAL_S = 300;
/** The Deployment's scaler reads offsets every SCALER_POLL_INTERVAL (2 s by default). */
const SCALER_POLL_S = 2;

describe('real KEDA: external-push trigger (streams-app-external-push.yaml)', function () {
  const s = scenario({ namespace: NS, name: NAME, topic: TOPIC, partitions: 4, logName: 'scaler-push' });

  it('activates from zero on a push, well before KEDA polls again', async function () {
    const { cluster } = e2e();
    await apply(
      cluster,
      exampleScaledObject('streams-app-external-push.yaml', {
        namespace: NS,
        name: NAME,
        scalerAddress: s.scaler.address,
        // The consumer group's topic: no member, no topology yet to read it from.
        metadata: { consumerGroup: NAME, topic: TOPIC },
        spec: { pollingInterval: POLLING_INTERVAL_S, cooldownPeriod: 10 },
      }),
    );
    // KEDA's first poll found nothing waiting: the ScaledObject is ready and inactive.
    await untilReadyAndInactive(cluster, s.scaler, NS, NAME);
    assert.equal(s.timeline.current, 0);
    // KEDA v2.21 opens both streams of an external-push trigger (StreamMetricSpec from its own
    // goroutine, so perhaps a moment later). The HPA's target is the one spec both StreamMetricSpec
    // and GetMetricSpec answer (rate: 1, the metric is the replica count).
    const streams = await eventually(
      () => openStreams(s.scaler),
      (open) => open['StreamIsActive'] === 1 && open['StreamMetricSpec'] === 1,
      { timeoutMs: 30_000, everyMs: 250, what: 'KEDA holding StreamIsActive and StreamMetricSpec open' },
    );
    const target = (await hpa(cluster, NS, NAME))?.spec.metrics[0]?.external?.target;
    assert.deepEqual(target, { type: 'AverageValue', averageValue: '1' });
    report(`open streams ${JSON.stringify(streams)}; HPA target ${JSON.stringify(target)}`);

    const producedAt = s.timeline.elapsedMs;
    await s.kafka.produce(TOPIC, 100);
    // The push takes a scaler poll, the stream message and KEDA's scale call: a few seconds. The
    // next poll is minutes away.
    const at = await s.timeline.waitFor((r) => r >= 1, 60_000, 'activated by the push');
    const seconds = (at - producedAt) / 1000;
    report(
      `records produced → 1 replica in ${seconds.toFixed(1)} s (scaler poll ${SCALER_POLL_S} s, KEDA's ${POLLING_INTERVAL_S} s)`,
    );
    report(`replicas: ${s.timeline.describe()}`);
    await cluster.kubectl(['delete', 'scaledobject', NAME, '-n', NS, '--wait=true']);
  });
});
