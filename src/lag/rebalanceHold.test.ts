import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
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
