import assert from 'node:assert/strict';
import { CONTENDERS } from './contenders.ts';
import { ORACLE_LOOKAHEAD_MS } from './oracle.ts';
import { runSim } from './runSim.ts';
import type { Trace } from './traces.ts';

const MINUTE = 60_000;
/** Idle, 4 minutes of 300 records/s, idle: from zero and back, in 12 simulated minutes. */
const wake: Trace = {
  name: 'wake',
  description: 'a short burst from zero',
  durationMs: 12 * MINUTE,
  initialReplicas: 0,
  rate: (t) => (t >= MINUTE && t < 5 * MINUTE ? 300 : 0),
  weights: (_t, partitions) => Array.from({ length: partitions }, () => 1 / partitions),
  crashes: [],
  endsIdle: true,
};
const KEDA = { cooldownMs: 60_000, scaleDownStabilizationMs: 60_000 };

describe('simulator run: the real scaler, KEDA and the HPA, a simulated Kafka Streams app', () => {
  for (const contender of CONTENDERS) {
    it(`${contender.name}: wakes the app from zero, serves every call, and returns to zero`, async () => {
      const run = await runSim(wake, contender, { keda: KEDA });
      assert.equal(run.errors, 0);
      const first = run.scaleEvents[0];
      assert.ok(first && first.from === 0 && first.to >= 1 && first.by === 'keda', JSON.stringify(first));
      // The oracle reads the load ahead, so it may wake the app before the first record.
      const ahead = contender.role === 'oracle' ? ORACLE_LOOKAHEAD_MS / 1000 : 0;
      assert.ok(
        first.atSeconds >= 60 - ahead && first.atSeconds <= 60 + 30,
        `woken at ${first.atSeconds}s, within a KEDA poll`,
      );
      assert.equal(run.replicasBySecond[run.replicasBySecond.length - 1], 0);
      assert.equal(run.series.length, (12 * 60) / 10);
    });
  }

  it('is deterministic: the same trace and settings give the same run', async () => {
    const rate = CONTENDERS.find((c) => c.name === 'rate')!;
    const [a, b] = [await runSim(wake, rate, { keda: KEDA }), await runSim(wake, rate, { keda: KEDA })];
    assert.deepEqual(a.series, b.series);
    assert.deepEqual(a.scaleEvents, b.scaleEvents);
  });
});
