import assert from 'node:assert/strict';
import { INITIAL_STATE, KEDA_DEFAULTS, type KedaHpaState, kedaHpaStep } from './kedaModel.ts';

const CONFIG = { ...KEDA_DEFAULTS, maxReplicas: 10, cooldownMs: 60_000, stabilizationMs: 60_000 };
const at = (replicas: number, lastActiveAt = 0): KedaHpaState => ({ replicas, lastActiveAt, recommendations: [] });

describe('KEDA + HPA model', () => {
  const cases: Array<{
    name: string;
    state: KedaHpaState;
    answer: { metricValue: number; target: number; active: boolean };
    now: number;
    replicas: number;
  }> = [
    {
      name: 'inactive at zero stays at zero',
      state: INITIAL_STATE,
      answer: { metricValue: 0, target: 10, active: false },
      now: 0,
      replicas: 0,
    },
    {
      name: 'active at zero activates to one',
      state: INITIAL_STATE,
      answer: { metricValue: 500, target: 10, active: true },
      now: 0,
      replicas: 1,
    },
    {
      name: 'AverageValue: ceil(35 / 10) = 4',
      state: at(1),
      answer: { metricValue: 35, target: 10, active: true },
      now: 1,
      replicas: 4,
    },
    {
      name: 'bounded by maxReplicas',
      state: at(1),
      answer: { metricValue: 5000, target: 10, active: true },
      now: 1,
      replicas: 10,
    },
    {
      name: 'within the 10 % tolerance nothing changes',
      state: at(4),
      answer: { metricValue: 43, target: 10, active: true },
      now: 1,
      replicas: 4,
    },
    {
      name: 'active with no lag and no recent higher recommendation: the HPA floor of one',
      state: at(3),
      answer: { metricValue: 0, target: 10, active: true },
      now: 1,
      replicas: 1,
    },
    {
      name: 'inactive before the cooldown: the HPA still keeps one replica, not zero',
      state: at(2, 0),
      answer: { metricValue: 0, target: 10, active: false },
      now: 59_999,
      replicas: 1,
    },
    {
      name: 'inactive after the cooldown scales to zero',
      state: at(2, 0),
      answer: { metricValue: 0, target: 10, active: false },
      now: 60_000,
      replicas: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(kedaHpaStep(c.state, c.answer, c.now, CONFIG).state.replicas, c.replicas);
    });
  }

  it('scale-down waits for the stabilisation window, scale-up does not', () => {
    let state: KedaHpaState = { replicas: 5, lastActiveAt: 0, recommendations: [{ at: 0, replicas: 5 }] };
    state = kedaHpaStep(state, { metricValue: 10, target: 10, active: true }, 30_000, CONFIG).state;
    assert.equal(state.replicas, 5, 'held by the recommendation of 5 at t=0');
    state = kedaHpaStep(state, { metricValue: 10, target: 10, active: true }, 61_000, CONFIG).state;
    assert.equal(state.replicas, 1, 'after the window');
    state = kedaHpaStep(state, { metricValue: 80, target: 10, active: true }, 62_000, CONFIG).state;
    assert.equal(state.replicas, 8);
  });
});
