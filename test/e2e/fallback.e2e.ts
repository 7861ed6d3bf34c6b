/**
 * Kafka outage (deploy/examples/streams-app-external.yaml, with its
 * `fallback` of 2 replicas after 3 failures): while the broker is down the
 * scaler answers UNAVAILABLE, never a 0, so KEDA applies the fallback
 * replicas; once the broker is back the scaler answers again, the fallback
 * ends, and the Deployment scales by the lag again (here down to zero).
 */
import assert from 'node:assert/strict';
import type { ScalerProcess } from '../../demo/scalerProcess.ts';
import type { ReplicaTimeline } from '../../tools/k8s/replicaTimeline.ts';
import { e2e } from './fixture.ts';
import { apply, conditions, deployScaler, exampleScaledObject, KafkaSide, report, workload } from './scenario.ts';

const NS = 'e2e-fallback';
const NAME = 'orders-streams';
const TOPIC = 'e2e-fallback-orders';
/** The example's fallback. */
const FALLBACK_REPLICAS = 2;

describe('real KEDA: Kafka outage, fallback replicas (streams-app-external.yaml)', function () {
  let scaler: (ScalerProcess & { address: string }) | undefined;
  let timeline: ReplicaTimeline | undefined;
  let kafka: KafkaSide | undefined;

  before(async function () {
    const { cluster, kafka: broker } = e2e();
    scaler = await deployScaler('kubectl apply -k deploy/', 'scaler-fallback');
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
        scalerAddress: scaler!.address,
        metadata: { consumerGroup: NAME, topic: TOPIC },
        spec: { pollingInterval: 3, cooldownPeriod: 10 },
      }),
    );
    await kafka!.produce(TOPIC, 100);
    // 100 records and a lagThreshold of 7500 a replica: one replica.
    await timeline!.waitFor((r) => r === 1, 60_000, 'one replica for 100 records');
    await kafka!.close();
    kafka = undefined;

    const node = broker.nodes[0]!;
    const downAt = timeline!.elapsedMs;
    await broker.killNode(node.id);
    const fallbackAt = await timeline!.waitFor((r) => r === FALLBACK_REPLICAS, 120_000, 'the fallback replicas');
    const during = await conditions(cluster, NS, NAME);
    assert.equal(during['Fallback']?.status, 'True', `Fallback condition: ${JSON.stringify(during['Fallback'])}`);
    report(
      `Kafka down → ${FALLBACK_REPLICAS} replicas (fallback) ${((fallbackAt - downAt) / 1000).toFixed(1)} s later`,
    );
    // Never 0 while Kafka is down: that would have scaled the workload away.
    assert.ok(timeline!.changes.filter((c) => c.atMs >= downAt).every((c) => c.replicas > 0));

    const upAt = timeline!.elapsedMs;
    await broker.startNode(node.id);
    kafka = new KafkaSide(broker.bootstrapServers);
    await kafka.connect();
    const deadline = Date.now() + 120_000;
    for (;;) {
      if ((await conditions(cluster, NS, NAME))['Fallback']?.status === 'False') break;
      if (Date.now() > deadline) throw new Error('the fallback did not end after Kafka returned');
      await new Promise((r) => setTimeout(r, 500));
    }
    report(`Kafka back → fallback ended ${((timeline!.elapsedMs - upAt) / 1000).toFixed(1)} s later`);

    await kafka.commit(NAME, TOPIC, 'end');
    const zeroAt = await timeline!.waitFor((r) => r === 0, 120_000, 'back to 0 once the group caught up');
    report(`caught up → 0 replicas ${((zeroAt - upAt) / 1000).toFixed(1)} s after Kafka returned`);
    report(`replicas: ${timeline!.describe()}`);
    await cluster.kubectl(['delete', 'scaledobject', NAME, '-n', NS, '--wait=true']);
  });
});
