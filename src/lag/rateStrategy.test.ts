import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import type { GroupInfo, Sample } from '../model/sample.ts';
import { parseTriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import type { Decision, SubTopologyDecision } from '../model/decision.ts';
import { arrivalRate, backloggedPartitions, backlogAt, instancesOf } from './rates.ts';
import { FLOOR_MEMORY_MS, rateStrategy, usableThroughput } from './rateStrategy.ts';
import { learnedThroughput, throughputFloor } from './throughput.ts';

function meta(extra: Record<string, string> = {}) {
  const parsed = parseTriggerMetadata({
    bootstrapServers: 'k:9092',
    consumerGroup: 'app',
    lagStrategy: 'rate',
    rebalanceCooldown: '0',
    rateWindow: '10s',
    ...extra,
  });
  assert.deepEqual(parsed.problems, []);
  return parsed.metadata;
}

const PARTITIONS = [0, 1, 2, 3];
const keys = PARTITIONS.map((p) => `in\u0000${p}`);

interface Load {
  seconds: number;
  /** Records per second per partition arriving and processed. */
  arrive: number;
  drain: number;
  /** Records per partition already waiting at t=0. */
  backlog: number;
  group?: GroupInfo | ((t: number) => GroupInfo);
  /** Commits happen only every this many seconds (the at-least-once sawtooth); 0: continuously. */
  commitEvery?: number;
  everyMs?: number;
  startAt?: number;
}

/** Topic `in` (4 partitions) polled every 2 s under `load`. */
function history(load: Load): Sample[] {
  const every = load.everyMs ?? 2_000;
  const out: Sample[] = [];
  for (let t = 0; t <= load.seconds * 1000; t += every) {
    const seconds = t / 1000;
    const processedAt = load.commitEvery ? Math.floor(seconds / load.commitEvery) * load.commitEvery : seconds;
    const end = BigInt(Math.round(load.backlog + load.arrive * seconds));
    const committed = BigInt(Math.min(Number(end), Math.round(load.drain * processedAt)));
    const group = typeof load.group === 'function' ? load.group(t) : (load.group ?? stableGroup(2));
    out.push(
      sample(
        (load.startAt ?? 0) + t,
        PARTITIONS.map((p) => row('in', p, committed, end)),
        group,
      ),
    );
  }
  return out;
}

/**
 * A group whose state DescribeGroups did not give: it never counts as
 * running steady, so nothing is measured from it, and nothing disturbs it.
 */
function unknownState(instances: number): GroupInfo {
  return { ...stableGroup(instances), state: '' };
}

const learn = (h: Sample[], m = meta()) =>
  learnedThroughput(
    h,
    keys,
    h.map((s) => backlogAt(s, keys, m)),
    m,
    10_000,
  );

describe('rates', () => {
  it('arrival rate over the window: records per second summed over partitions', () => {
    const h = history({ seconds: 60, arrive: 5, drain: 0, backlog: 0 });
    assert.equal(arrivalRate(h, h.length - 1, keys, 10_000, meta()), 20);
  });

  it('learns per-replica throughput from busy windows: drained / (time × instances)', () => {
    // 4 partitions × 10/s drained by 2 instances: 20/s per replica, with a backlog of far more than a minute of arrivals.
    const learned = learn(history({ seconds: 60, arrive: 5, drain: 10, backlog: 10_000 }));
    assert.ok(learned && Math.abs(learned.perReplica - 20) < 0.01, String(learned?.perReplica));
    assert.equal(learned.spanMs, 58_000, 'from the first commit seen to the last');
  });

  it('counts from commit to commit, so commits every 30 s do not bias the rate', () => {
    // Busy from 10 s; the commit at 30 s carries 30 s of processing, 10 s of it from before the busy time.
    const rebalancingFirst = (t: number): GroupInfo =>
      t < 10_000
        ? { state: 'PreparingRebalance', members: 2, instances: undefined, memberIds: ['m0', 'm1'] }
        : stableGroup(2);
    const h = history({
      seconds: 120,
      arrive: 5,
      drain: 10,
      backlog: 20_000,
      commitEvery: 30,
      group: rebalancingFirst,
    });
    const learned = learn(h, meta({ rebalanceCooldown: '0' }));
    assert.ok(learned && Math.abs(learned.perReplica - 20) < 0.01, String(learned?.perReplica));
    assert.equal(learned.spanMs, 90_000, 'from the commit at 30 s to the one at 120 s');
  });

  it('learns nothing from a group that keeps up, even with the at-least-once commit sawtooth', () => {
    // 25/s per partition arriving and processed; commits every 30 s leave up to 750 records per partition "behind".
    assert.equal(learn(history({ seconds: 120, arrive: 25, drain: 25, backlog: 0, commitEvery: 30 })), undefined);
  });

  it('learns nothing from a rebalancing group', () => {
    const rebalancing: GroupInfo = {
      state: 'PreparingRebalance',
      members: 2,
      instances: undefined,
      memberIds: ['m0', 'm1'],
    };
    assert.equal(learn(history({ seconds: 60, arrive: 5, drain: 10, backlog: 10_000, group: rebalancing })), undefined);
  });

  it('learns nothing until the busy time reaches the minimum span', () => {
    assert.equal(learn(history({ seconds: 8, arrive: 5, drain: 10, backlog: 10_000 })), undefined);
  });

  it('leaves out a stall: a run of busy windows without a commit for stallWindow', () => {
    // 60 s draining 10/s per partition, 60 s stuck at 600, 60 s draining again.
    const stuck = history({ seconds: 180, arrive: 0, drain: 10, backlog: 10_000 }).map((s) =>
      sample(
        s.at,
        s.partitions.map((p) => {
          const processed = Math.min(60, s.at / 1000) + Math.max(0, s.at / 1000 - 120);
          return row('in', p.partition, BigInt(processed * 10), p.end);
        }),
        stableGroup(2),
      ),
    );
    const learned = learn(stuck, meta({ stallWindow: '30s' }));
    assert.ok(learned && Math.abs(learned.perReplica - 20) < 0.01, String(learned?.perReplica));
    assert.equal(learned.spanMs, 116_000, 'the stuck minute is not counted');
    const counted = learn(stuck, meta({ stallWindow: '5m' }));
    assert.ok(
      counted && counted.perReplica < 14,
      `with a longer stallWindow the minute counts: ${counted?.perReplica}`,
    );
  });

  const instances: Array<{
    name: string;
    group: Parameters<typeof instancesOf>[0];
    threads: number;
    want: number | undefined;
  }> = [
    {
      name: 'the processes the group shows, however many threads each runs',
      group: { state: 'Stable', members: 6, instances: 3, memberIds: [] },
      threads: 1,
      want: 3,
    },
    {
      name: 'members / streamThreads where the group shows no processes',
      group: { state: 'Stable', members: 4, instances: undefined, memberIds: [] },
      threads: 2,
      want: 2,
    },
    {
      name: 'none without members',
      group: { state: 'Empty', members: 0, instances: undefined, memberIds: [] },
      threads: 1,
      want: undefined,
    },
  ];
  for (const c of instances) {
    it(`instances: ${c.name}`, () => assert.equal(instancesOf(c.group, c.threads), c.want));
  }

  it('backlog counts real records only: no transaction-marker gaps, no `latest` placeholder for uncommitted partitions', () => {
    const s = sample(0, [
      row('in', 0, 10n, 50n),
      row('in', 1, 10n, 11n, { dataPending: false }),
      row('in', 2, -1n, 30n, { start: 0n }),
      row('in', 3, 5n, 5n),
    ]);
    assert.equal(backlogAt(s, keys, meta()), 40n);
    assert.equal(backlogAt(s, keys, meta({ offsetResetPolicy: 'earliest' })), 70n);
  });
});

describe('rate strategy', () => {
  const decide = (h: Sample[], extra: Record<string, string> = {}) =>
    rateStrategy.decide({ metadata: meta(extra), latest: h[h.length - 1]!, history: h, now: h[h.length - 1]!.at });

  it('arrival / utilisation + backlog / catch-up, over per-replica throughput', () => {
    // arrival 4 × 25 = 100/s; backlog 4 × 750 = 3000; 100/0.5 + 3000/300 = 210/s; 70/s per replica → exactly 3.
    const h = history({ seconds: 20, arrive: 25, drain: 25, backlog: 750 });
    const d = decide(h, { replicaThroughput: '70', targetUtilization: '0.5', catchUpSeconds: '300' });
    assert.equal(d.metricValue, 3);
    assert.equal(d.target, 1);
    assert.equal(d.topology.subTopologies[0]!.arrivalRate, 100);
    assert.match(
      d.explanation,
      /sub-topology sources: 100\/s arriving, backlog 3000, 70\/s per replica \(replicaThroughput\) → 3/,
    );
    assert.equal(
      decide(h, { replicaThroughput: '60', targetUtilization: '0.5', catchUpSeconds: '300' }).metricValue,
      4,
      'ceil(3.5)',
    );
  });

  it('never more than the useful maximum (4 tasks here)', () => {
    const d = decide(history({ seconds: 20, arrive: 1000, drain: 0, backlog: 100_000 }), { replicaThroughput: '1' });
    assert.equal(d.metricValue, 4);
    assert.match(d.explanation, /capped at the useful max 4/);
  });

  it('a group that keeps up, with the commit sawtooth, stays where it is (no runaway)', () => {
    const d = decide(history({ seconds: 240, arrive: 25, drain: 25, backlog: 0, commitEvery: 30 }), {
      lagThreshold: '10',
    });
    assert.equal(d.metricValue, 2, 'the current 2 instances');
    assert.match(
      d.explanation,
      /throughput not known yet, and at the 50\/s each replicas were seen doing, the current instances are needed → 2/,
    );
  });

  describe('from zero, with no throughput known: lagThreshold / catchUpSeconds stands in for it', () => {
    const empty: GroupInfo = { state: 'Empty', members: 0, instances: undefined, memberIds: [] };
    // 4 partitions, 20 s of history, the arrival rate over the last 10 s (rateWindow), targetUtilization 0.7.
    const cases: Array<{
      name: string;
      /** Records per second per partition, and what waited per partition at the start. */
      arrive: number;
      backlog: number;
      settings: Record<string, string>;
      /** The sub-topology's count before the useful maximum (4), the metric, and the sizing as explained. */
      uncapped: number;
      want: number;
      explained: string;
    }> = [
      {
        // 20 waiting / 10: the rule before arrivals counted, unchanged when there are none
        name: 'no arrivals: backlog / lagThreshold',
        arrive: 0,
        backlog: 5,
        settings: { lagThreshold: '10' },
        uncapped: 2,
        want: 2,
        explained: 'catchUpSeconds 300 / targetUtilization 0.7 + backlog) / lagThreshold 10 → 2',
      },
      {
        // (120/s × 60 s / 0.7 + 2420) / 6000 = 2.1; the backlog alone says 1
        name: 'a load that has just begun: its arrivals count, not only what waits',
        arrive: 30,
        backlog: 5,
        settings: { lagThreshold: '6000', catchUpSeconds: '60' },
        uncapped: 3,
        want: 3,
        explained: 'catchUpSeconds 60 / targetUtilization 0.7 + backlog) / lagThreshold 6000 → 3',
      },
      {
        // (4/s × 60 s / 0.7 + 80) / 100 = 4.2; the backlog alone says 1
        name: 'the useful maximum caps what the arrivals ask for',
        arrive: 1,
        backlog: 0,
        settings: { lagThreshold: '100', catchUpSeconds: '60' },
        uncapped: 5,
        want: 4,
        explained: 'catchUpSeconds 60 / targetUtilization 0.7 + backlog) / lagThreshold 100 → 5',
      },
      {
        // lagThreshold / catchUpSeconds would overflow to Infinity, and Infinity / Infinity is NaN
        name: 'a catchUpSeconds near zero: a finite count, never NaN',
        arrive: 1,
        backlog: 5,
        settings: { lagThreshold: '10', catchUpSeconds: '1e-308' },
        uncapped: 10,
        want: 4,
        explained: 'catchUpSeconds 1e-308 / targetUtilization 0.7 + backlog) / lagThreshold 10 → 10',
      },
      {
        // 4/s × 1e308 s overflows: an infinite count before the cap, the useful maximum after it
        name: 'a catchUpSeconds near the largest number: the useful maximum',
        arrive: 1,
        backlog: 0,
        settings: { lagThreshold: '1', catchUpSeconds: '1e308' },
        uncapped: Infinity,
        want: 4,
        explained: 'catchUpSeconds 1e+308 / targetUtilization 0.7 + backlog) / lagThreshold 1 → Infinity',
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const d = decide(
          history({ seconds: 20, arrive: c.arrive, drain: 0, backlog: c.backlog, group: empty }),
          c.settings,
        );
        assert.equal(d.topology.subTopologies[0]?.replicas, c.uncapped, 'before the useful maximum');
        assert.equal(d.metricValue, c.want);
        assert.ok(
          d.explanation.includes(`no members and throughput not known yet, so (arrivals × ${c.explained}`),
          d.explanation,
        );
      });
    }
  });

  it('a lower count waits for scaleDownDelay; a higher one does not', () => {
    const busy = history({ seconds: 30, arrive: 0, drain: 0, backlog: 3000 });
    const drained = busy.concat(
      Array.from({ length: 15 }, (_, i) =>
        sample(
          32_000 + i * 2_000,
          PARTITIONS.map((p) => row('in', p, 3000n, 3000n)),
          stableGroup(2),
        ),
      ),
    );
    // 12000 / 300 s = 40/s at 20/s per replica: 2 replicas before the backlog was gone.
    assert.equal(decide(drained, { replicaThroughput: '20', scaleDownDelay: '1m' }).metricValue, 2);
    assert.equal(decide(drained, { replicaThroughput: '20', scaleDownDelay: '20s' }).metricValue, 0);
  });

  it('a rebalance spike does not come back through the scale-down window once the hold ends', () => {
    // Steady at 3 replicas' worth; a 60 s rebalance piles up a backlog that is gone right after.
    const rebalancing = (t: number): GroupInfo =>
      t >= 100_000 && t < 160_000
        ? { state: 'PreparingRebalance', members: 3, instances: undefined, memberIds: ['m0', 'm1', 'm2'] }
        : stableGroup(3);
    const h: Sample[] = [];
    for (let t = 0; t <= 400_000; t += 2_000) {
      const end = BigInt(25 * (t / 1000));
      const pause = t >= 100_000 && t < 160_000 ? BigInt(25 * ((t - 100_000) / 1000)) : 0n;
      h.push(
        sample(
          t,
          PARTITIONS.map((p) => row('in', p, end - pause, end)),
          rebalancing(t),
        ),
      );
    }
    const d = decide(h, {
      replicaThroughput: '50',
      rebalanceCooldown: '60s',
      scaleDownDelay: '5m',
      catchUpSeconds: '60',
    });
    // 100/s / 0.7 / 50 = 2.86 → 3; the 6000-record spike would have asked for 100/0.7/50 + 6000/60/50 → 5.
    assert.equal(d.metricValue, 3, d.explanation);
  });

  it('a stalled partition adds no replicas: more pods would not move it', () => {
    const h: Sample[] = [];
    for (let t = 0; t <= 300_000; t += 2_000) {
      const end = BigInt(25 * (t / 1000));
      h.push(
        sample(
          t,
          PARTITIONS.map((p) => (p === 0 && t >= 100_000 ? row('in', p, 2500n, end) : row('in', p, end, end))),
          stableGroup(2),
        ),
      );
    }
    const d = decide(h, { replicaThroughput: '50', stallWindow: '30s' });
    assert.deepEqual(d.stalled, ['in-0']);
    // Three healthy partitions: 75/s / 0.7 / 50 → 3; the stalled backlog of 5000 is not sized for.
    assert.equal(d.metricValue, 3, d.explanation);
    assert.match(d.explanation, /stalled partitions left out of the sizing/);
  });

  it('at least one replica while active', () => {
    assert.equal(
      decide(history({ seconds: 20, arrive: 0, drain: 0, backlog: 1 }), { replicaThroughput: '1000' }).metricValue,
      1,
    );
  });
});

describe('rate strategy: before the throughput is measured, and after', () => {
  const decide = (h: Sample[], extra: Record<string, string> = {}, previous?: Decision) =>
    rateStrategy.decide({
      metadata: meta(extra),
      latest: h[h.length - 1]!,
      history: h,
      now: h[h.length - 1]!.at,
      ...(previous ? { previous } : {}),
    });

  it('remembers a learned throughput once the busy time has left the history', () => {
    // Busy: 4 partitions × 10/s drained by 2 instances = 20/s per replica.
    const busy = decide(history({ seconds: 60, arrive: 5, drain: 10, backlog: 10_000 }));
    const learned = busy.topology.subTopologies[0]!;
    assert.equal(learned.replicaThroughput, 20);
    assert.equal(learned.throughputLearnedAt, 60_000, 'the end of the busy time');
    // Ten minutes later, 3 instances keep up with 20/s and nothing is busy: 20 / 0.7 / 20 → 2.
    const calm = history({ seconds: 60, arrive: 5, drain: 5, backlog: 0, group: stableGroup(3), startAt: 600_000 });
    const d = decide(calm, {}, busy);
    assert.equal(d.metricValue, 2, d.explanation);
    assert.match(d.explanation, /20\/s per replica \(learned 10m ago\)/);
    assert.equal(d.topology.subTopologies[0]!.throughputLearnedAt, 60_000, 'kept for the next decision');
    assert.equal(decide(calm).metricValue, 3, 'without the memory: no opinion, the current instances');
  });

  it('scales down on a floor: even the most a replica was seen doing says fewer are enough', () => {
    const calm = history({ seconds: 60, arrive: 5, drain: 5, backlog: 0, group: stableGroup(3) });
    const before = decide(calm);
    assert.equal(before.metricValue, 3, 'a floor of 20/s over 3 instances would need 5: no change');
    assert.equal(before.topology.subTopologies[0]!.throughputFloor, 20 / 3, 'kept at full precision');
    assert.equal(before.topology.subTopologies[0]!.throughputFloorAt, 60_000);
    // An earlier decision saw replicas do 40/s each: 20 / 0.7 / 40 → 1.
    const seen = {
      ...before,
      topology: { ...before.topology, subTopologies: [{ ...before.topology.subTopologies[0]!, throughputFloor: 40 }] },
    };
    const d = decide(calm, {}, seen);
    assert.equal(d.metricValue, 1, d.explanation);
    assert.match(
      d.explanation,
      /throughput not known yet, but replicas were seen doing 40\/s each, so fewer are enough → 1/,
    );
  });

  it('a group visibly behind adds backlog / lagThreshold replicas to what it has, unless the backlog shrinks', () => {
    // 4 × 2000 waiting, 4 × 20/s more arriving than processed; nothing is measured.
    const growing = history({ seconds: 60, arrive: 25, drain: 5, backlog: 2_000, group: unknownState(1) });
    const settings = { lagThreshold: '5000', rateWindow: '30s', scaleDownDelay: '0' };
    const d = decide(growing, settings);
    // backlog 8000 + 4800 = 12800 ≥ 60 s of 100/s arrivals: 1 + ceil(12800 / 5000) = 4.
    assert.equal(d.metricValue, 4, d.explanation);
    assert.match(
      d.explanation,
      /the group is behind \(backlog over 60s of arrivals, not shrinking\), so the instances \+ backlog \/ lagThreshold 5000, at most one more per backlogged partition → 4/,
    );
    const shrinking = history({ seconds: 60, arrive: 5, drain: 25, backlog: 10_000, group: unknownState(1) });
    const s = decide(shrinking, settings);
    assert.equal(s.metricValue, 1, `catching up with what it has: ${s.explanation}`);
  });

  it('learns nothing from a backlog on fewer partitions than instances (a hot partition leaves others idle)', () => {
    const hot = (spread: boolean): Sample[] => {
      const out: Sample[] = [];
      for (let t = 0; t <= 60_000; t += 2_000) {
        const seconds = t / 1000;
        const rows = PARTITIONS.map((p) =>
          p === 0 || spread
            ? row('in', p, BigInt(10 * seconds), BigInt(10_000 + 5 * seconds))
            : row('in', p, BigInt(5 * seconds), BigInt(5 * seconds)),
        );
        out.push(sample(t, rows, stableGroup(2)));
      }
      return out;
    };
    assert.equal(learn(hot(false)), undefined);
    const spread = learn(hot(true));
    assert.ok(spread && Math.abs(spread.perReplica - 20) < 0.01, String(spread?.perReplica));
    assert.equal(backloggedPartitions(hot(false), 30, keys, meta()), 1);
    assert.equal(backloggedPartitions(hot(true), 30, keys, meta()), 4);
  });

  it('throughputFloor: the fastest steady stretch per instance, from commit to commit', () => {
    // 2 instances; 4 partitions drained at 5/s for 60 s, then 10/s for 60 s: 10/s and 20/s per instance.
    const h: Sample[] = [];
    for (let t = 0; t <= 120_000; t += 2_000) {
      const seconds = t / 1000;
      const done = seconds <= 60 ? 5 * seconds : 300 + 10 * (seconds - 60);
      h.push(
        sample(
          t,
          PARTITIONS.map((p) => row('in', p, BigInt(done), 5_000n)),
          stableGroup(2),
        ),
      );
    }
    const floor = throughputFloor(h, keys, meta(), 30_000);
    assert.ok(floor !== undefined && Math.abs(floor.perReplica - 20) < 0.01, String(floor?.perReplica));
    assert.equal(floor.at, 120_000, 'seen over a stretch ending at the last commit');
    assert.equal(throughputFloor(h, keys, meta(), 200_000), undefined, 'no stretch that long');
  });
});

describe('rate strategy: what a decision keeps, and what it relies on', () => {
  const decide = (h: Sample[], extra: Record<string, string> = {}, previous?: Decision, now = h[h.length - 1]!.at) =>
    rateStrategy.decide({
      metadata: meta(extra),
      latest: h[h.length - 1]!,
      history: h,
      now,
      ...(previous ? { previous } : {}),
    });
  /** `decision` with its one sub-topology's figures replaced by `figures`. */
  const withFigures = (decision: Decision, figures: Partial<SubTopologyDecision>): Decision => ({
    ...decision,
    topology: {
      ...decision.topology,
      subTopologies: [{ ...decision.topology.subTopologies[0]!, ...figures }],
    },
  });
  /** 4 × 5/s arriving and processed by 3 instances: nothing busy, nothing learned. */
  const calm = () => history({ seconds: 60, arrive: 5, drain: 5, backlog: 0, group: stableGroup(3) });

  it('heldAtLeast: what the arrival rate needs at a throughput given or learned', () => {
    // 4 × 25/s = 100/s; 100 / 0.5 / 70 → 3 replicas for arrivals alone.
    const h = history({ seconds: 20, arrive: 25, drain: 25, backlog: 750 });
    assert.equal(decide(h, { replicaThroughput: '70', targetUtilization: '0.5' }).heldAtLeast, 3);
    // Learned 20/s per replica from a busy group; 4 × 5/s = 20/s arriving: 20 / 0.7 / 20 → 2.
    const busy = decide(history({ seconds: 60, arrive: 5, drain: 10, backlog: 10_000 }));
    assert.ok(busy.topology.subTopologies[0]!.throughputLearnedAt !== undefined);
    assert.equal(busy.heldAtLeast, 2);
  });

  it('heldAtLeast: never from a floor alone, which can overstate what a replica does', () => {
    const d = decide(calm());
    assert.ok(d.topology.subTopologies[0]!.throughputFloor !== undefined, 'a floor is known');
    assert.equal(d.heldAtLeast, undefined);
    const seen = decide(calm(), {}, withFigures(d, { throughputFloor: 40, throughputFloorAt: 60_000 }));
    assert.equal(seen.metricValue, 1, 'the floor sizes the group');
    assert.equal(seen.heldAtLeast, undefined, 'but holds nothing up during a rebalance');
  });

  it('keeps a remembered throughput at full precision: a slow one does not round to 0', () => {
    const slow = withFigures(decide(calm()), { replicaThroughput: 0.04, throughputLearnedAt: 0 });
    const d = decide(calm(), {}, slow);
    assert.equal(d.topology.subTopologies[0]!.replicaThroughput, 0.04);
    // 20/s / 0.7 / 0.04 per replica: far more than the 4 tasks allow.
    assert.equal(d.metricValue, 4, d.explanation);
    assert.match(d.explanation, /0\/s per replica \(learned 1m ago\)/);
  });

  for (const bad of [0, Number.NaN, Infinity, -5]) {
    it(`a remembered throughput or floor of ${bad} is not used: the metric stays a finite count`, () => {
      const base = decide(calm());
      const remembered = withFigures(base, { replicaThroughput: bad, throughputLearnedAt: 0 });
      const d = decide(calm(), {}, remembered);
      assert.equal(d.metricValue, 3, d.explanation);
      assert.doesNotMatch(d.explanation, /learned/);
      assert.equal(d.heldAtLeast, undefined);
      const floored = withFigures(base, { throughputFloor: bad, throughputFloorAt: 60_000 });
      const f = decide(calm(), {}, floored);
      assert.ok(Number.isFinite(f.metricValue) && f.metricValue === 3, f.explanation);
      const figures = f.topology.subTopologies[0]!;
      assert.ok(usableThroughput(figures.throughputFloor), `kept ${figures.throughputFloor}`);
    });
  }

  it('a remembered floor expires after FLOOR_MEMORY_MS (a day): the work may have changed since', () => {
    const base = decide(calm());
    const seen = withFigures(base, { throughputFloor: 40, throughputFloorAt: 60_000 });
    assert.equal(decide(calm(), {}, seen, 60_000 + FLOOR_MEMORY_MS - 1).metricValue, 1, 'still counts');
    // A day-shaped load comes down through the afternoon, hours after the busiest hour showed the floor.
    assert.equal(decide(calm(), {}, seen, 60_000 + 6 * 60 * 60_000).metricValue, 1, 'six hours later, still counts');
    const expired = decide(calm(), {}, seen, 60_000 + FLOOR_MEMORY_MS);
    assert.equal(expired.metricValue, 3, expired.explanation);
    assert.equal(expired.topology.subTopologies[0]!.throughputFloor, 20 / 3, 'the floor seen now');
  });

  it('a remembered floor that says the instances keep up while the group is behind overstated: it goes', () => {
    const rebalancingOne: GroupInfo = {
      state: 'PreparingRebalance',
      members: 1,
      instances: undefined,
      memberIds: ['m0'],
    };
    // 1 instance; 4 × 25/s arriving, 4 × 5/s processed: behind. Its state unknown, so no floor is seen now.
    const growing = history({ seconds: 60, arrive: 25, drain: 5, backlog: 2_000, group: unknownState(1) });
    const settings = { lagThreshold: '5000', rateWindow: '30s' };
    const base = decide(growing, settings);
    const kept = (floor: number): number | undefined =>
      decide(growing, settings, withFigures(base, { throughputFloor: floor, throughputFloorAt: 60_000 })).topology
        .subTopologies[0]!.throughputFloor;
    assert.equal(kept(200), undefined, 'at 200/s one instance would keep up with 100/s: contradicted');
    assert.equal(kept(50), 50, 'at 50/s it would not: the floor stands');
    // The same backlog while the group rebalances: the pause piles records up whatever a replica can do.
    const pausing = growing.map((p, i) => (i < growing.length - 3 ? p : sample(p.at, p.partitions, rebalancingOne)));
    const pausedBase = decide(pausing, settings);
    const paused = decide(
      pausing,
      settings,
      withFigures(pausedBase, { throughputFloor: 200, throughputFloorAt: 60_000 }),
    );
    assert.equal(paused.topology.subTopologies[0]!.throughputFloor, 200, paused.explanation);
    // Not behind (the same group keeping up): even a floor that says so much stands.
    const keepingUp = history({ seconds: 60, arrive: 25, drain: 25, backlog: 0, group: unknownState(1) });
    const calmBase = decide(keepingUp, settings);
    const stands = decide(
      keepingUp,
      settings,
      withFigures(calmBase, { throughputFloor: 200, throughputFloorAt: 60_000 }),
    );
    assert.equal(stands.topology.subTopologies[0]!.throughputFloor, 200);
    // Behind on one partition of four with 2 instances (a hot partition): the others idle whatever a replica
    // can do, so the floor is not contradicted.
    const hot: Sample[] = [];
    for (let t = 0; t <= 60_000; t += 2_000) {
      const seconds = t / 1000;
      hot.push(
        sample(
          t,
          PARTITIONS.map((p) =>
            p === 0
              ? row('in', p, BigInt(5 * seconds), BigInt(8_000 + 25 * seconds))
              : row('in', p, BigInt(25 * seconds), BigInt(25 * seconds)),
          ),
          unknownState(2),
        ),
      );
    }
    const hotBase = decide(hot, { ...settings, lagThreshold: '1000' });
    assert.match(hotBase.explanation, /the group is behind/, 'behind, as the uniform case above');
    const hotKept = decide(
      hot,
      { ...settings, lagThreshold: '1000' },
      withFigures(hotBase, { throughputFloor: 200, throughputFloorAt: 60_000 }),
    );
    assert.equal(hotKept.topology.subTopologies[0]!.throughputFloor, 200, hotKept.explanation);
  });

  it('a lower count waits scaleDownDelay after polls where a floor said the instances were needed', () => {
    // 4 instances keep up with 4 × 25/s for 120 s (a floor of 25/s each: 100 / 0.7 / 25 → 6, so all 4 are
    // needed), then arrivals drop to 4 × 5/s (20 / 0.7 / 25 → 2).
    const h: Sample[] = [];
    for (let t = 0; t <= 180_000; t += 2_000) {
      const s = t / 1000;
      const end = BigInt(s <= 120 ? 25 * s : 3_000 + 5 * (s - 120));
      h.push(
        sample(
          t,
          PARTITIONS.map((p) => row('in', p, end, end)),
          stableGroup(4),
        ),
      );
    }
    const held = decide(h, { scaleDownDelay: '5m' });
    assert.equal(held.metricValue, 4, held.explanation);
    assert.match(held.explanation, /holding 4 until a lower count held for scaleDownDelay 5m/);
    assert.equal(decide(h, { scaleDownDelay: '30s' }).metricValue, 2, 'the lower count held for 30 s');
  });

  it('polls with no opinion (no throughput, no floor) hold nothing back', () => {
    const h = history({ seconds: 120, arrive: 5, drain: 5, backlog: 0, group: unknownState(4) });
    const d = decide(h, { scaleDownDelay: '5m' });
    assert.equal(d.metricValue, 4, 'the instances');
    assert.doesNotMatch(d.explanation, /holding/);
  });

  it('falling behind is read below the commit sawtooth: a backlog that shrinks between commits is not behind', () => {
    // 10 000 waiting per partition, 25/s arriving and 26/s processed, committed every 30 s; 50 s apart,
    // the committed lag reads 9960 just after a commit and 10 430 just before one.
    const settings = { lagThreshold: '5000', rateWindow: '50s', scaleDownDelay: '0' };
    const shrinking = history({
      seconds: 298,
      arrive: 25,
      drain: 26,
      backlog: 10_000,
      commitEvery: 30,
      group: unknownState(1),
    });
    const d = decide(shrinking, settings);
    assert.equal(d.metricValue, 1, d.explanation);
    const growing = history({
      seconds: 298,
      arrive: 25,
      drain: 24,
      backlog: 10_000,
      commitEvery: 30,
      group: unknownState(1),
    });
    const g = decide(growing, settings);
    assert.match(g.explanation, /the group is behind/);
    assert.equal(g.metricValue, 4, 'the useful max');
  });

  it('across a rebalance, a backlog the pause piled up is behind only while it keeps rising', () => {
    // 25/s per partition kept up with by 2 instances; a third joins at 100 s and processing stops until
    // `resume`, then runs at `after` records per second per partition.
    const joined = (after: number, resume: number, until: number): Sample[] => {
      const h: Sample[] = [];
      for (let t = 0; t <= until * 1000; t += 2_000) {
        const s = t / 1000;
        const end = 25 * s;
        const done = s <= 100 ? end : s <= resume ? 2_500 : 2_500 + after * (s - resume);
        h.push(
          sample(
            t,
            PARTITIONS.map((p) => row('in', p, BigInt(Math.round(done)), BigInt(end))),
            stableGroup(s < 100 ? 2 : 3),
          ),
        );
      }
      return h;
    };
    const settings = { lagThreshold: '1000', rateWindow: '60s', rebalanceCooldown: '60s', scaleDownDelay: '0' };
    // Stopped for 100 s (a restore), then working it off at 40/s: a minute back the backlog was smaller,
    // but only because the pause had not piled it up yet.
    const catchingUp = decide(joined(40, 200, 230), settings);
    assert.doesNotMatch(catchingUp.explanation, /behind/);
    assert.equal(catchingUp.metricValue, 3, catchingUp.explanation);
    // Stopped for 70 s, then at 15/s: still rising after the pile-up, so behind.
    const rising = decide(joined(15, 170, 190), settings);
    assert.match(rising.explanation, /the group is behind/);
    assert.equal(rising.metricValue, 4, 'the useful max');
  });

  it('behind on fewer partitions than instances (a hot partition): at most one more replica per such partition', () => {
    // 3 instances; partition 0 falls behind by 20/s, the others keep up.
    const h: Sample[] = [];
    for (let t = 0; t <= 120_000; t += 2_000) {
      const s = t / 1000;
      const rows = PARTITIONS.map((p) =>
        p === 0 ? row('in', p, BigInt(5 * s), BigInt(20_000 + 25 * s)) : row('in', p, BigInt(5 * s), BigInt(5 * s)),
      );
      h.push(sample(t, rows, unknownState(3)));
    }
    const d = decide(h, { lagThreshold: '1000', scaleDownDelay: '0' });
    assert.equal(backloggedPartitions(h, h.length - 1, keys, meta()), 1);
    assert.equal(d.metricValue, 3 + 1, d.explanation);
  });
});

describe('rates: partitions with nothing committed', () => {
  it('count as backlogged as the lag totals count them: their log under earliest, nothing under latest', () => {
    const at = (t: number) =>
      sample(t, [
        row('in', 0, -1n, BigInt(1_000 + t / 100), { start: 0n }),
        row('in', 1, 10n, 10n),
        row('in', 2, 10n, 10n),
        row('in', 3, 10n, 10n),
      ]);
    const h = [at(0), at(60_000), at(120_000)];
    assert.equal(backloggedPartitions(h, 2, keys, meta({ offsetResetPolicy: 'earliest' })), 1);
    assert.equal(backloggedPartitions(h, 2, keys, meta({ offsetResetPolicy: 'latest' })), 0);
    assert.equal(
      backloggedPartitions(h, 2, keys, meta({ offsetResetPolicy: 'earliest', scaleToZeroOnInvalidOffset: 'true' })),
      0,
    );
  });
});
