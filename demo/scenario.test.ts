import assert from 'node:assert/strict';
import { type Observation, type Phase, Scenario, type ScenarioSettings } from './scenario.ts';

const SETTINGS: ScenarioSettings = { idleMs: 10_000, burstMs: 20_000, burstPerSecond: 100, giveUpMs: 120_000 };
const AT_ZERO: Observation = { active: false, replicas: 0, instances: 0 };

/** Steps through `rows` of [seconds, observation] and returns the phases. */
function phases(scenario: Scenario, rows: ReadonlyArray<readonly [number, Observation]>): Phase[] {
  return rows.map(([s, seen]) => scenario.step(s * 1000, seen).phase);
}

describe('demo scenario', () => {
  it('produces only during the burst', () => {
    const s = new Scenario(SETTINGS, false, 0);
    const cases = [
      { name: 'idle at the start', at: 0, rate: 0 },
      { name: 'idle just before the burst', at: 9_999, rate: 0 },
      { name: 'the burst starts', at: 10_000, rate: 100 },
      { name: 'the burst ends', at: 29_999, rate: 100 },
      { name: 'after the burst', at: 30_000, rate: 0 },
    ];
    for (const c of cases) assert.equal(s.ratePerSecond(c.at), c.rate, c.name);
  });

  it('idle → burst → drain → cool-down → zero, then finished', () => {
    const s = new Scenario(SETTINGS, false, 0);
    const seen = phases(s, [
      [0, AT_ZERO],
      [5, AT_ZERO],
      [10, { active: true, replicas: 1, instances: 0 }],
      [25, { active: true, replicas: 3, instances: 3 }],
      [35, { active: true, replicas: 3, instances: 3 }],
      [45, { active: false, replicas: 3, instances: 3 }],
      [60, { active: false, replicas: 0, instances: 2 }],
      [65, AT_ZERO],
    ]);
    assert.deepEqual(seen, ['idle', 'idle', 'burst', 'burst', 'drain', 'cool-down', 'cool-down', 'zero']);
    assert.equal(s.step(70_000, AT_ZERO).finished, true);
    assert.equal(s.ratePerSecond(70_000), 0);
  });

  it('zero counts only once instances ran: a burst nobody scaled for is still draining', () => {
    const s = new Scenario(SETTINGS, false, 0);
    const step = s.step(40_000, AT_ZERO);
    assert.equal(step.phase, 'drain');
    assert.equal(step.finished, false);
  });

  it('is zero only once every JVM has exited, not when KEDA asks for 0', () => {
    const s = new Scenario(SETTINGS, false, 0);
    s.step(20_000, { active: true, replicas: 2, instances: 2 });
    assert.equal(s.step(50_000, { active: false, replicas: 0, instances: 1 }).phase, 'cool-down');
    assert.equal(s.step(55_000, AT_ZERO).phase, 'zero');
  });

  it('with repeat: a new cycle starts at zero, with its own idle time and burst', () => {
    const s = new Scenario(SETTINGS, true, 0);
    s.step(20_000, { active: true, replicas: 2, instances: 2 });
    const zero = s.step(60_000, AT_ZERO);
    assert.deepEqual(zero, { phase: 'zero', cycle: 1, finished: false });
    assert.equal(s.step(65_000, AT_ZERO).phase, 'idle');
    assert.equal(s.ratePerSecond(69_999), 0);
    assert.equal(s.ratePerSecond(70_000), 100);
    assert.deepEqual(s.step(75_000, { active: true, replicas: 1, instances: 1 }), {
      phase: 'burst',
      cycle: 2,
      finished: false,
    });
  });

  it('is overdue after giveUpMs unless finished or repeating', () => {
    const once = new Scenario(SETTINGS, false, 1_000);
    assert.equal(once.overdue(121_000), false);
    assert.equal(once.overdue(121_001), true);
    const repeating = new Scenario(SETTINGS, true, 1_000);
    assert.equal(repeating.overdue(10_000_000), false);
    const done = new Scenario(SETTINGS, false, 0);
    done.step(20_000, { active: true, replicas: 1, instances: 1 });
    done.step(60_000, AT_ZERO);
    assert.equal(done.overdue(500_000), false);
  });
});
