/**
 * `external` trigger, `offset` strategy (deploy/examples/strategy-offset.yaml):
 * the real KEDA operator scales a Deployment from zero on lag, the real HPA
 * to the replica count the lag asks for, and both back to zero when the
 * group catches up. The HPA's status shows the scaler's metric.
 */
import assert from 'node:assert/strict';
import { e2e } from './fixture.ts';
import { apply, exampleScaledObject, hpa, openStreams, report, scenario, untilReadyAndInactive } from './scenario.ts';

const NS = 'e2e-offset';
const NAME = 'payments-consumer';
const TOPIC = 'e2e-payments';
const PARTITIONS = 6;
/** The example's lagThreshold. */
const LAG_THRESHOLD = 5000;

describe('real KEDA: external trigger, offset strategy (strategy-offset.yaml)', function () {
  const s = scenario({ namespace: NS, name: NAME, topic: TOPIC, partitions: PARTITIONS, logName: 'scaler-offset' });

  it('goes 0 → ceil(lag / lagThreshold) → 0, and the HPA shows the lag per replica', async function () {
    const { cluster } = e2e();
    const lag = 3 * LAG_THRESHOLD + 1;
    const expected = Math.ceil(lag / LAG_THRESHOLD);
    await apply(
      cluster,
      exampleScaledObject('strategy-offset.yaml', {
        namespace: NS,
        name: NAME,
        scalerAddress: s.scaler.address,
        metadata: { consumerGroup: NAME, topic: TOPIC },
        spec: { pollingInterval: 2, cooldownPeriod: 10 },
      }),
    );
    // KEDA's first poll found nothing waiting.
    await untilReadyAndInactive(cluster, s.scaler, NS, NAME);
    assert.equal(s.timeline.current, 0);
    const producedAt = s.timeline.elapsedMs;
    await s.kafka.produce(TOPIC, lag);

    const at = await s.timeline.waitFor((r) => r === expected, 90_000, `${expected} replicas for a lag of ${lag}`);
    report(`${lag} records behind → ${expected} replicas ${((at - producedAt) / 1000).toFixed(1)} s after producing`);

    // The HPA shows the value per replica: the lag over the replicas it runs (once it synced at 4).
    const status = await eventuallyHpaMetric(NS, NAME, (value) => Math.abs(value - lag / expected) <= 1);
    assert.match(status.name, /^s0-/, 'KEDA names the metric after the trigger index');
    // An external trigger reads its target from GetMetricSpec, as every KEDA before v2.21 does:
    // no stream is opened.
    const target = (await hpa(cluster, NS, NAME))?.spec.metrics[0]?.external?.target;
    assert.equal(target?.type, 'AverageValue');
    assert.equal(quantity(target.averageValue ?? ''), LAG_THRESHOLD);
    assert.deepEqual(await openStreams(s.scaler), { StreamIsActive: 0, StreamMetricSpec: 0 });
    report(`HPA status: metric ${status.name} averageValue ${status.averageValue} (target ${LAG_THRESHOLD})`);

    await s.kafka.commit(NAME, TOPIC, 'end');
    const zeroAt = await s.timeline.waitFor((r) => r === 0, 90_000, 'back to 0 once the group caught up');
    assert.equal(Math.max(...s.timeline.changes.map((c) => c.replicas)), expected, 'never above the expected count');
    report(
      `replicas: ${s.timeline.describe()} (0 again ${((zeroAt - producedAt) / 1000).toFixed(1)} s after producing)`,
    );
    await cluster.kubectl(['delete', 'scaledobject', NAME, '-n', NS, '--wait=true']);

    async function eventuallyHpaMetric(namespace: string, name: string, accept: (averageValue: number) => boolean) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const current = (await hpa(cluster, namespace, name))?.status?.currentMetrics?.[0]?.external;
        const averageValue = current?.current.averageValue;
        if (averageValue !== undefined && accept(quantity(averageValue))) {
          return { name: current!.metric.name, averageValue: quantity(averageValue) };
        }
        if (Date.now() > deadline) {
          throw new Error(
            `the HPA of ${namespace}/${name} shows ${JSON.stringify(current)} (expected ${lag / expected})`,
          );
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });
});

/** A Kubernetes quantity as a number ("3750", "3750500m", "12k"). */
export function quantity(text: string): number {
  const match = /^(-?[\d.]+)(m|k|M|G)?$/.exec(text);
  if (!match) throw new Error(`not a quantity: ${text}`);
  const scale = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * scale;
}
