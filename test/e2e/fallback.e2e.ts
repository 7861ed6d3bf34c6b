/**
 * Kafka outage (deploy/examples/streams-app-external.yaml, with its
 * `fallback` of 2 replicas after 3 failures): while the broker is down the
 * scaler answers UNAVAILABLE, never a 0, so KEDA applies the fallback
 * replicas; once the broker is back the scaler answers again, the fallback
 * ends, and the Deployment scales by the lag again (here down to zero).
 */
import assert from 'node:assert/strict';
import { e2e } from './fixture.ts';
import { apply, exampleScaledObject, report, scenario, untilConditions } from './scenario.ts';

const NS = 'e2e-fallback';
const NAME = 'orders-streams';
const TOPIC = 'e2e-fallback-orders';
/** The example's fallback. */
const FALLBACK_REPLICAS = 2;

describe('real KEDA: Kafka outage, fallback replicas (streams-app-external.yaml)', function () {
  const s = scenario({ namespace: NS, name: NAME, topic: TOPIC, partitions: 4, logName: 'scaler-fallback' });

  after(async function () {
    // Whatever happened, the next scenario needs the broker.
    const broker = e2e().kafka;
    const node = broker.nodes[0]!;
    if (!node.running) await broker.startNode(node.id);
  });

  it('holds the fallback replicas while Kafka is down and scales again once it is back', async function () {
    const { cluster, kafka: broker } = e2e();
    await apply(
      cluster,
      exampleScaledObject('streams-app-external.yaml', {
        namespace: NS,
        name: NAME,
        scalerAddress: s.scaler.address,
        metadata: { consumerGroup: NAME, topic: TOPIC },
        spec: { pollingInterval: 3, cooldownPeriod: 10 },
      }),
    );
    await s.kafka.produce(TOPIC, 100);
    // 100 records and a lagThreshold of 7500 a replica: one replica.
    await s.timeline.waitFor((r) => r === 1, 60_000, 'one replica for 100 records');

    const node = broker.nodes[0]!;
    const downAt = s.timeline.elapsedMs;
    await broker.killNode(node.id);
    const fallbackAt = await s.timeline.waitFor((r) => r === FALLBACK_REPLICAS, 120_000, 'the fallback replicas');
    await untilConditions(cluster, NS, NAME, (c) => c['Fallback']?.status === 'True', 'the Fallback condition');
    report(
      `Kafka down → ${FALLBACK_REPLICAS} replicas (fallback) ${((fallbackAt - downAt) / 1000).toFixed(1)} s later`,
    );
    // Never 0 while Kafka is down: that would have scaled the workload away.
    assert.ok(s.timeline.changes.filter((c) => c.atMs >= downAt).every((c) => c.replicas > 0));

    const upAt = s.timeline.elapsedMs;
    await broker.startNode(node.id);
    await untilConditions(
      cluster,
      NS,
      NAME,
      (c) => c['Fallback']?.status === 'False',
      'the fallback ended after Kafka returned',
      120_000,
    );
    report(`Kafka back → fallback ended ${((s.timeline.elapsedMs - upAt) / 1000).toFixed(1)} s later`);

    await s.kafka.commit(NAME, TOPIC, 'end');
    const zeroAt = await s.timeline.waitFor((r) => r === 0, 120_000, 'back to 0 once the group caught up');
    report(`caught up → 0 replicas ${((zeroAt - upAt) / 1000).toFixed(1)} s after Kafka returned`);
    report(`replicas: ${s.timeline.describe()}`);
    await cluster.kubectl(['delete', 'scaledobject', NAME, '-n', NS, '--wait=true']);
  });
});
