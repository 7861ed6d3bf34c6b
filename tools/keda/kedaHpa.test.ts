import assert from 'node:assert/strict';
import { KEDA_HPA_DEFAULTS, KedaHpa } from './kedaHpa.ts';

describe('KEDA + HPA model', () => {
  it("has KEDA's and Kubernetes' defaults", () => {
    assert.equal(KEDA_HPA_DEFAULTS.pollingIntervalMs, 30_000);
    assert.equal(KEDA_HPA_DEFAULTS.hpaSyncMs, 15_000);
    assert.equal(KEDA_HPA_DEFAULTS.cooldownMs, 300_000);
    assert.equal(KEDA_HPA_DEFAULTS.scaleDownStabilizationMs, 300_000);
    assert.equal(KEDA_HPA_DEFAULTS.tolerance, 0.1);
    assert.equal(KEDA_HPA_DEFAULTS.minReplicas, 0);
    assert.equal(KEDA_HPA_DEFAULTS.maxReplicas, 100);
  });

  it('KEDA activates from zero; the HPA does nothing at zero', () => {
    const k = new KedaHpa();
    assert.equal(k.hpaSync(0, 1000, 10), 0);
    assert.equal(k.kedaPoll(0, false), 0);
    assert.equal(k.kedaPoll(30_000, true), 1);
    assert.deepEqual(
      k.events.map((e) => [e.by, e.from, e.to]),
      [['keda', 0, 1]],
    );
  });

  it('AverageValue: ceil(metric / target), within the scale-up policies (double or +4 per 15 s)', () => {
    const k = new KedaHpa();
    k.kedaPoll(0, true);
    assert.equal(k.hpaSync(15_000, 400, 10), 5, '1 → max(2, 1 + 4)');
    assert.equal(k.hpaSync(30_000, 400, 10), 10, '5 → max(10, 9)');
    assert.equal(k.hpaSync(45_000, 400, 10), 20);
    assert.equal(k.hpaSync(60_000, 400, 10), 40);
  });

  it('changes within the 10 % tolerance are skipped', () => {
    const k = new KedaHpa({ scaleDownStabilizationMs: 0 });
    k.kedaPoll(0, true);
    k.hpaSync(15_000, 40, 10);
    assert.equal(k.replicas, 4);
    assert.equal(k.hpaSync(30_000, 43, 10), 4, 'ratio 1.075');
    assert.equal(k.hpaSync(45_000, 45, 10), 5, 'ratio 1.125');
  });

  it('scale-down waits for the highest recommendation of the stabilisation window', () => {
    const k = new KedaHpa();
    k.kedaPoll(0, true);
    k.hpaSync(15_000, 40, 10);
    assert.equal(k.replicas, 4);
    for (let t = 30_000; t < 315_000; t += 15_000) assert.equal(k.hpaSync(t, 10, 10), 4, `held at ${t}`);
    assert.equal(k.hpaSync(315_000, 10, 10), 1, 'the recommendation of 4 left the window');
  });

  it('KEDA scales to zero only once the cooldown passed since the last active poll', () => {
    const k = new KedaHpa();
    k.kedaPoll(0, true);
    assert.equal(k.kedaPoll(30_000, false), 1);
    assert.equal(k.kedaPoll(270_000, false), 1);
    assert.equal(k.kedaPoll(300_000, false), 0);
  });

  it('never above maxReplicas, never below one while KEDA keeps it active', () => {
    const k = new KedaHpa({ maxReplicas: 6, scaleDownStabilizationMs: 0 });
    k.kedaPoll(0, true);
    for (let t = 15_000; t <= 60_000; t += 15_000) k.hpaSync(t, 10_000, 10);
    assert.equal(k.replicas, 6);
    assert.equal(k.hpaSync(75_000, 0, 10), 1);
  });

  it('assume: starts settled, so the first low recommendation waits out the stabilisation window like any other', () => {
    const k = new KedaHpa();
    k.assume(4, 0);
    assert.equal(k.hpaSync(15_000, 1, 1), 4, 'the assumed 4 is in the window');
    assert.equal(k.kedaPoll(200_000, false), 4, 'active at the start: the cooldown counts from there');
    assert.equal(k.hpaSync(300_000, 1, 1), 1, 'past the window');
    assert.equal(k.kedaPoll(300_000, false), 0, 'past the cooldown');
    assert.equal(k.events.length, 2, 'assume itself is no scaling action');
  });
});
