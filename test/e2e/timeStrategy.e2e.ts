/**
 * `time` strategy (deploy/examples/strategy-time.yaml): replicas for the age
 * of the oldest record not yet processed (time spent waiting in Kafka, from
 * broker data), timeLagThreshold seconds a replica, above the example's
 * minReplicaCount of 1. Records that nobody processes grow older by the
 * second, so the Deployment steps up about one replica per timeLagThreshold;
 * back to the minimum when the group catches up.
 */
import assert from 'node:assert/strict';
import { e2e } from './fixture.ts';
import { apply, exampleScaledObject, report, scenario } from './scenario.ts';

const NS = 'e2e-time';
const NAME = 'clicks-streams';
const TOPIC = 'e2e-clicks';
/** Enough tasks for the replicas the age asks for (the strategy caps at tasks). */
const PARTITIONS = 12;
/** The example's timeLagThreshold, seconds a replica. */
const THRESHOLD_S = 10;
/** Waits until the records are this old. */
const AGE_S = 40;

describe('real KEDA: time strategy (strategy-time.yaml)', function () {
  const s = scenario({ namespace: NS, name: NAME, topic: TOPIC, partitions: PARTITIONS, logName: 'scaler-time' });

  it('sizes by seconds behind and returns to minReplicaCount once caught up', async function () {
    const { cluster } = e2e();
    await apply(
      cluster,
      exampleScaledObject('strategy-time.yaml', {
        namespace: NS,
        name: NAME,
        scalerAddress: s.scaler.address,
        // The example's topology names its own topics; this group reads one.
        metadata: { consumerGroup: NAME, topic: TOPIC, topology: undefined },
        spec: { pollingInterval: 2, cooldownPeriod: 10 },
      }),
    );
    // minReplicaCount 1: KEDA brings the Deployment to 1 even with nothing waiting.
    await s.timeline.waitFor((r) => r === 1, 60_000, 'minReplicaCount 1');
    // A producer's timestamps do not count: the age is time spent in Kafka, from now on.
    const producedAt = s.timeline.elapsedMs;
    await s.kafka.produce(TOPIC, 120, Date.now() - 3_600_000);
    const expected = Math.ceil(AGE_S / THRESHOLD_S);
    await s.timeline.waitFor(
      (r) => r >= expected,
      (AGE_S + 30) * 1000,
      `${expected} replicas for records ${AGE_S} s old`,
    );
    const steps = s.timeline.changes.filter((c) => c.atMs > producedAt);
    for (const step of steps) {
      // Never more than the age asks for when it was set (a replica per started timeLagThreshold).
      const age = (step.atMs - producedAt) / 1000;
      assert.ok(step.replicas <= Math.max(1, Math.ceil(age / THRESHOLD_S)), `${step.replicas} replicas at ${age} s`);
    }
    assert.ok(steps.length >= 2, `stepped up with the age, not at once: ${s.timeline.describe()}`);
    report(
      `records waiting → ${steps.map((c) => `${c.replicas} at ${((c.atMs - producedAt) / 1000).toFixed(0)} s`).join(', ')} ` +
        `(timeLagThreshold ${THRESHOLD_S} s)`,
    );

    await s.kafka.commit(NAME, TOPIC, 'end');
    await s.timeline.waitFor((r) => r === 1, 90_000, 'back to minReplicaCount once caught up');
    report(`replicas: ${s.timeline.describe()}`);
    await cluster.kubectl(['delete', 'scaledobject', NAME, '-n', NS, '--wait=true']);
  });
});
