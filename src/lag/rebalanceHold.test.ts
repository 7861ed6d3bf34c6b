import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import { waitingStrategy } from '../../test/support/waitingStrategy.ts';
import type { GroupInfo, Sample } from '../model/sample.ts';
import { parseTriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { offsetStrategy } from './offsetStrategy.ts';
import { disturbedSamples, rebalanceHold, withRebalanceHold } from './rebalanceHold.ts';
import { SampleMemo } from './sampleMemo.ts';
import type { LagStrategy } from './strategy.ts';

const rebalancing: GroupInfo = { state: 'PreparingRebalance', members: 1, instances: undefined, memberIds: ['m0'] };
const dead: GroupInfo = { state: 'Dead', members: 0, instances: undefined, memberIds: [] };
const s = (at: number, group: GroupInfo, lag = 0n): Sample => sample(at, [row('t', 0, 0n, lag)], group);

describe('holding the recommendation during rebalances', () => {
  const cases: Array<{
    name: string;
    history: Sample[];
    now: number;
    cooldown?: number;
    anchor: number | undefined;
    reason?: RegExp;
  }> = [
    {
      name: 'a stable group is not held',
      history: [s(0, stableGroup(1)), s(10_000, stableGroup(1))],
      now: 10_000,
      anchor: undefined,
    },
    {
      name: 'while rebalancing, the last undisturbed sample stands',
      history: [s(0, stableGroup(1)), s(10_000, stableGroup(1)), s(20_000, rebalancing)],
      now: 20_000,
      anchor: 1,
      reason: /group rebalancing \(PreparingRebalance\)/,
    },
    {
      name: 'after the members changed, held until the cooldown passed',
      history: [s(0, stableGroup(1)), s(10_000, stableGroup(1)), s(20_000, stableGroup(3)), s(50_000, stableGroup(3))],
      now: 50_000,
      anchor: 1,
      reason: /group members changed 30s ago \(rebalanceCooldown 1m\)/,
    },
    {
      name: 'once the cooldown passed, no hold',
      history: [s(0, stableGroup(1)), s(20_000, stableGroup(3)), s(80_000, stableGroup(3))],
      now: 80_000,
      anchor: undefined,
    },
    {
      name: 'a group without members is never held: its lag is plain demand',
      history: [s(0, stableGroup(2)), s(10_000, stableGroup(0))],
      now: 10_000,
      anchor: undefined,
    },
    {
      name: 'rebalanceCooldown 0 turns the hold off',
      history: [s(0, stableGroup(1)), s(10_000, rebalancing)],
      now: 10_000,
      cooldown: 0,
      anchor: undefined,
    },
    {
      name: 'groups that look Dead to classic DescribeGroups (KIP-848) are not held',
      history: [s(0, dead), s(10_000, { ...dead, memberIds: ['x'] }), s(20_000, dead)],
      now: 20_000,
      anchor: undefined,
    },
    {
      name: 'no undisturbed sample in the history: not held',
      history: [s(0, rebalancing), s(10_000, rebalancing)],
      now: 10_000,
      anchor: undefined,
    },
    {
      name: 'a group stuck rebalancing is held at most ten cooldowns',
      history: [s(0, stableGroup(1)), s(10_000, rebalancing), s(700_000, rebalancing)],
      now: 700_000,
      anchor: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const hold = rebalanceHold(c.history, c.cooldown ?? 60_000, c.now);
      assert.equal(hold?.anchor, c.anchor);
      if (c.reason) assert.match(hold!.reason, c.reason);
    });
  }

  it('a held strategy keeps the earlier metric but reports current activity', () => {
    const { metadata } = parseTriggerMetadata({
      bootstrapServers: 'k:9092',
      consumerGroup: 'g',
      topic: 't',
      lagThreshold: '10',
    });
    const history = [s(0, stableGroup(1), 30n), s(10_000, rebalancing, 90n)];
    const decision = withRebalanceHold(offsetStrategy).decide({ metadata, latest: history[1]!, history, now: 10_000 });
    assert.equal(decision.metricValue, 10, 'the lag of 30 capped at 1 partition × 10, from before the rebalance');
    assert.equal(decision.active, true);
    assert.match(decision.held!, /rebalancing/);
    assert.match(decision.explanation, /^holding the recommendation of 10s ago \(metric 10\): group rebalancing/);
  });

  it('a hold never answers less than what the strategy says a rebalance cannot inflate (heldAtLeast)', () => {
    const { metadata } = parseTriggerMetadata({ bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 't' });
    // A stand-in strategy: metric = the sample's lag; heldAtLeast 7 from the latest sample only.
    const strategy: LagStrategy = {
      ...offsetStrategy,
      decide: (input) => ({
        ...offsetStrategy.decide(input),
        metricValue: Number(input.latest.partitions[0]!.end),
        ...(input.latest.group.state === 'PreparingRebalance' ? { heldAtLeast: 7 } : {}),
      }),
    };
    const decide = (before: bigint) => {
      const history = [s(0, stableGroup(1), before), s(10_000, rebalancing, 90n)];
      return withRebalanceHold(strategy).decide({ metadata, latest: history[1]!, history, now: 10_000 });
    };
    const raised = decide(3n);
    assert.equal(raised.metricValue, 7, 'the earlier 3 is less than the 7 arrivals alone need');
    assert.match(
      raised.explanation,
      /^group rebalancing \(PreparingRebalance\), but arrivals alone need 7, more than the 3 of 10s ago/,
    );
    assert.equal(decide(12n).metricValue, 12, 'the earlier 12 is more: it stands');
  });
});

describe('disturbed samples, remembered across polls', () => {
  it('match a fresh computation as the history moves, drops its oldest polls and is thinned', () => {
    const groups = [stableGroup(1), stableGroup(1), stableGroup(2), stableGroup(2), rebalancing, stableGroup(2)];
    const all = Array.from({ length: 30 }, (_, i) => s(i * 2_000, groups[Math.floor(i / 3) % groups.length]!));
    const memo = new SampleMemo();
    // Each poll: the newest 12 polls, once with every other of the older ones thinned out.
    for (let end = 1; end <= all.length; end++) {
      const window = all.slice(Math.max(0, end - 12), end);
      for (const history of [window, window.filter((_, i) => i >= window.length - 4 || i % 2 === 0)]) {
        assert.deepEqual(
          disturbedSamples(history, 5_000, memo),
          disturbedSamples(history, 5_000),
          `polls ${end - window.length}..${end - 1}, ${history.length} kept`,
        );
      }
    }
  });

  it('the oldest poll of a history has no member change before it, once the poll before is gone', () => {
    const memo = new SampleMemo();
    const history = [s(0, stableGroup(1)), s(2_000, stableGroup(2)), s(4_000, stableGroup(2))];
    assert.deepEqual(disturbedSamples(history, 1_000, memo), [false, true, false]);
    assert.deepEqual(disturbedSamples(history.slice(1), 1_000, memo), [false, false]);
  });
});

describe('a higher recommendation through a hold, when demand keeps rising', () => {
  const { metadata } = parseTriggerMetadata({ bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 't' });
  const strategy = waitingStrategy;
  const joining: GroupInfo = { state: 'PreparingRebalance', members: 2, instances: undefined, memberIds: ['m0', 'm1'] };
  // Polls every 5 s from 0 s; a second member joins at 10 s, the group rebalancing at 10 s and 15 s and stable
  // from 20 s. 100 records/s arrive. `committed` gives the committed offset at t seconds.
  const polls = (committed: (t: number) => number, until = 65, last?: GroupInfo): Sample[] =>
    Array.from({ length: until / 5 + 1 }, (_, i) => {
      const t = i * 5;
      const group = t === until && last ? last : t < 10 ? stableGroup(1) : t < 20 ? joining : stableGroup(2);
      return s(t * 1000, group, 0n);
    }).map((p, i) => {
      const t = i * 5;
      return sample(p.at, [row('t', 0, BigInt(committed(t)), BigInt(100 * t))], p.group);
    });
  // Processing at half the arrival rate, stopped while the group rebalances.
  const steady = (t: number): number => (t <= 10 ? 50 * t : t <= 20 ? 500 : 500 + 50 * (t - 20));
  // Processing keeps up (50 waiting) until the rebalance, stops at 950 while it lasts, then keeps pace with arrivals.
  const oneOff = (t: number): number => (t === 0 ? 0 : t <= 10 ? 100 * t - 50 : t <= 20 ? 950 : 100 * t - 1050);
  const cases: Array<{ name: string; history: Sample[]; metric: number; explanation: RegExp }> = [
    {
      name: 'a steady rise through the hold is answered with the current recommendation',
      history: polls(steady),
      metric: 3750,
      explanation:
        /^held the recommendation of 1m ago \(metric 250\): group members changed 50s ago \(rebalanceCooldown 1m\), but demand kept rising: records waiting 1500 → 1750 on 1 of the 1 partitions worked again \(the least over the last 40s; the pause explains 1500: 0 before it and 1500 arriving during it\); now: /,
    },
    {
      name: 'a partition that keeps falling behind is answered though another works off more than it gains',
      // t-0 rises by 250 past what the pause explains; t-1 works off 500 of its pile-up: summed, 500 less.
      history: polls(steady).map((p, i) =>
        sample(p.at, [...p.partitions, row('t', 1, BigInt(oneOff(i * 5)), BigInt(100 * i * 5))], p.group),
      ),
      metric: 3750,
      explanation:
        /but demand kept rising: records waiting 1500 → 1750 on 1 of the 2 partitions worked again \(the least over the last 40s; the pause explains 1500: 0 before it and 1500 arriving during it\); now: /,
    },
    {
      name: 'a one-off jump during the pause, not rising after it, is held',
      history: polls(oneOff),
      metric: 50,
      explanation: /^holding the recommendation of 1m ago \(metric 50\): group members changed 50s ago/,
    },
    {
      name: 'records piling up on partitions not worked since the rebalance (restoring state) are held',
      history: polls((t) => Math.min(oneOff(t), 950)),
      metric: 50,
      explanation: /^holding the recommendation of 1m ago \(metric 50\)/,
    },
    {
      name: 'scale-down stays held',
      history: polls((t) => (t <= 5 ? 0 : 100 * t - Math.max(200, 3000 - 60 * t))),
      metric: 500,
      explanation: /^holding the recommendation of 1m ago \(metric 500\)/,
    },
    {
      name: 'a rise is not answered before a poll after the rebalance is more than 40s old',
      history: polls(steady, 60),
      metric: 250,
      explanation: /^holding the recommendation of 55s ago \(metric 250\)/,
    },
    {
      name: 'a rise is not answered while the group rebalances again',
      history: polls(steady, 65, { ...joining, memberIds: ['m0', 'm1', 'm2'], members: 3 }),
      metric: 250,
      explanation: /^holding the recommendation of 1m ago \(metric 250\): group rebalancing/,
    },
    {
      name: 'a group without members is not held: its lag is plain demand',
      history: polls(steady, 65, stableGroup(0)),
      metric: 3750,
      explanation: /^lag /,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const latest = c.history.at(-1)!;
      const d = withRebalanceHold(strategy).decide({ metadata, latest, history: c.history, now: latest.at });
      assert.equal(d.metricValue, c.metric);
      assert.match(d.explanation, c.explanation);
    });
  }
});
