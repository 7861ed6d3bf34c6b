/**
 * The full loop, real KEDA → real HPA → real Kafka Streams application →
 * real lag: `make demo-keda` in its short form (demo/runDemo.ts with the
 * shared cluster), the `rate` strategy. The demo's Kafka Streams application
 * runs one JVM per replica, started and stopped to follow the Deployment's
 * `spec.replicas` as KEDA and the HPA set it; its lag is what they scale on.
 */
import assert from 'node:assert/strict';
import { type DemoResult, runDemo } from '../../demo/runDemo.ts';
import { SHORT_DEMO } from '../../demo/settings.ts';
import { ReplicaTimeline } from '../../tools/k8s/replicaTimeline.ts';
import { processAlive } from '../../tools/managedProcess.ts';
import { e2e } from './fixture.ts';
import { report, scenarioDir } from './scenario.ts';

const SETTINGS = { ...SHORT_DEMO, topic: 'e2e-streams-orders', appId: 'e2e-order-counts' };

describe('real KEDA: the Kafka Streams demo application as the workload (rate strategy)', function () {
  this.timeout(SETTINGS.scenario.giveUpMs + 120_000);
  const lines: string[] = [];

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stdout.write(`${lines.join('\n')}\n`);
  });

  it('scales the JVMs from 0 to at least 2 for a burst and back to 0, leaving none behind', async () => {
    const { cluster, kafka } = e2e();
    const timeline = new ReplicaTimeline(cluster, 'demo', SETTINGS.appId);
    let result: DemoResult;
    try {
      result = await runDemo({
        settings: SETTINGS,
        repeat: false,
        logDir: scenarioDir('demo'),
        bootstrapServers: kafka.bootstrapServers,
        say: (line) => lines.push(line),
        width: 200,
        keda: cluster,
      });
    } finally {
      timeline.stop();
    }

    assert.equal(result.finished, true, 'back at zero by itself');
    assert.ok(result.peakInstances >= 2, `at most ${result.peakInstances} instance(s) ran at once`);
    assert.ok(result.scaledToZeroAtMs !== undefined, 'KEDA scaled it to 0');
    const peak = Math.max(...timeline.changes.map((c) => c.replicas));
    assert.ok(peak >= 2, `the Deployment reached ${peak} replica(s): ${timeline.describe()}`);
    assert.equal(timeline.current, 0, 'the Deployment is back at 0');
    const left = [...result.pids.streams, result.pids.scaler].filter(
      (pid): pid is number => pid !== undefined && processAlive(pid),
    );
    assert.deepEqual(left, [], 'every JVM and the scaler are gone');
    report(`Deployment replicas: ${timeline.describe()}`);
    report(`${result.pids.streams.length} JVMs started, at most ${result.peakInstances} RUNNING at once`);
  });
});
