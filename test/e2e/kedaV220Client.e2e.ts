/**
 * KEDA v2.20.2's client still works: with its own generated client (no
 * StreamMetricSpec in its service), it reads the same spec from
 * GetMetricSpec that StreamMetricSpec sends a v2.21 client, and the same
 * values and activity, from the scaler as deployed.
 */
import assert from 'node:assert/strict';
import type { GetMetricSpecResponse } from '../../src/generated/externalscaler.ts';
import { eventually } from '../../tools/eventually.ts';
import { buildKedaClientV220, kedaV220Poll } from '../../tools/keda/kedaClientV220.ts';
import { kedaPoll } from '../../tools/keda/kedaPoll.ts';
import { scalerClient } from '../../tools/keda/scalerClient.ts';
import { e2e } from './fixture.ts';
import { report, scenario } from './scenario.ts';

const NS = 'e2e-v220';
const NAME = 'orders-streams';
const TOPIC = 'e2e-v220-orders';

describe('KEDA v2.20.2’s client beside v2.21’s StreamMetricSpec', function () {
  const s = scenario({ namespace: NS, name: NAME, topic: TOPIC, partitions: 4, logName: 'scaler-v220' });
  let bin: string;

  before(async function () {
    bin = await buildKedaClientV220();
  });

  for (const strategy of ['offset', 'time', 'rate'] as const) {
    it(`${strategy}: the same spec, values and activity`, async function () {
      const { kafka } = e2e();
      await s.kafka.produce(TOPIC, 40);
      const metadata = {
        bootstrapServers: kafka.bootstrapServers,
        consumerGroup: NAME,
        topic: TOPIC,
        lagThreshold: '10',
        lagStrategy: strategy,
      };
      const ref = { name: NAME, namespace: NS, scalerMetadata: metadata };
      const client = scalerClient(s.scaler.grpcPort);
      try {
        // Ask until the scaler has read the group once (a first read is UNAVAILABLE until then).
        const now = await eventually(
          () => kedaPoll(client, ref),
          () => true,
          { timeoutMs: 10_000, everyMs: 200, what: 'an answer to the v2.21 client' },
        );
        const old = await kedaV220Poll(bin, s.scaler.address, { name: NAME, namespace: NS, metadata });
        const streamed = await firstStreamedSpec(client.raw.streamMetricSpec(ref));
        const spec = streamed.metricSpecs[0]!;
        assert.equal(old.metricName, spec.metricName);
        assert.equal(old.targetSizeFloat, spec.targetSizeFloat);
        assert.equal(old.targetSize, spec.targetSize);
        // A `time` value is seconds behind: it grows between the two clients' calls.
        const slack = strategy === 'time' ? 5 : 0;
        assert.ok(
          Math.abs(old.metricValueFloat - now.metricValue) <= slack,
          `v2.20.2 read ${old.metricValueFloat}, v2.21 ${now.metricValue}`,
        );
        assert.equal(old.active, now.active);
        assert.equal(old.streamActive, now.active);
        assert.equal(old.active, true);
        report(
          `v2.20.2: ${old.metricName} target ${old.targetSizeFloat}, value ${old.metricValueFloat}, active ${old.active}; ` +
            `v2.21 stream spec target ${spec.targetSizeFloat}`,
        );
      } finally {
        client.close();
      }
    });
  }
});

function firstStreamedSpec(call: NodeJS.EventEmitter & { cancel(): void }): Promise<GetMetricSpecResponse> {
  return new Promise((resolve, reject) => {
    call.once('data', (spec: GetMetricSpecResponse) => {
      call.cancel();
      resolve(spec);
    });
    call.once('error', (err: Error & { code?: number }) => {
      // 1: CANCELLED, after our own cancel().
      if (err.code !== 1) reject(err);
    });
  });
}
