import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import type { GroupInfo, Sample } from '../poller/sample.ts';
import { parseTriggerMetadata } from '../scaler/triggerMetadata.ts';
import { arrivalRate, indexHistory, learnedThroughput } from './rates.ts';
import { rateStrategy } from './rateStrategy.ts';

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

/** Topic `in` (4 partitions) over time: every partition gets `arrive` records a second and `drain` are committed a second. */
function history(opts: {
  seconds: number;
  arrive: number;
  drain: number;
  backlog: number;
  group?: GroupInfo;
  everyMs?: number;
}): Sample[] {
  const every = opts.everyMs ?? 2_000;
  const out: Sample[] = [];
  for (let t = 0; t <= opts.seconds * 1000; t += every) {
    const end = BigInt(Math.round(opts.backlog + opts.arrive * (t / 1000)));
    const committed = BigInt(Math.round(opts.drain * (t / 1000)));
    out.push(
      sample(
        t,
        [0, 1, 2, 3].map((p) => row('in', p, committed, end)),
        opts.group ?? stableGroup(2),
      ),
    );
  }
  return out;
}

describe('rates', () => {
  it('arrival rate over the window: records per second summed over partitions', () => {
    const samples = indexHistory(history({ seconds: 60, arrive: 5, drain: 0, backlog: 0 }));
    assert.equal(
      arrivalRate(samples, samples.length - 1, ['in\u00000', 'in\u00001', 'in\u00002', 'in\u00003'], 10_000),
      20,
    );
  });

  const keys = [0, 1, 2, 3].map((p) => `in\u0000${p}`);
  it('learns per-replica throughput from busy windows: drained / (time × instances)', () => {
    // 4 partitions × 10/s drained by 2 instances: 20/s per replica.
    const samples = indexHistory(history({ seconds: 60, arrive: 5, drain: 10, backlog: 10_000 }));
    const learned = learnedThroughput(samples, keys, meta(), 10_000);
    assert.ok(learned);
    assert.ok(Math.abs(learned.perReplica - 20) < 0.01, String(learned.perReplica));
    assert.equal(learned.spanMs, 60_000);
  });

  it('learns nothing while there is no backlog (idle replicas say nothing of their capacity)', () => {
    const samples = indexHistory(history({ seconds: 60, arrive: 5, drain: 5, backlog: 0 }));
    assert.equal(learnedThroughput(samples, keys, meta(), 10_000), undefined);
  });

  it('learns nothing from a rebalancing group', () => {
    const rebalancing: GroupInfo = {
      state: 'PreparingRebalance',
      members: 2,
      instances: undefined,
      memberIds: ['m0', 'm1'],
    };
    const samples = indexHistory(history({ seconds: 60, arrive: 5, drain: 10, backlog: 10_000, group: rebalancing }));
    assert.equal(learnedThroughput(samples, keys, meta(), 10_000), undefined);
  });

  it('learns nothing until the busy time reaches the minimum span', () => {
    const samples = indexHistory(history({ seconds: 8, arrive: 5, drain: 10, backlog: 10_000 }));
    assert.equal(learnedThroughput(samples, keys, meta(), 10_000), undefined);
  });

  it('leaves out a stall: a run of busy windows without a commit for stallWindow', () => {
    // 60 s draining 10/s per partition, then 60 s stuck (committed offsets still, backlog waiting).
    const moving = history({ seconds: 60, arrive: 0, drain: 10, backlog: 10_000 });
    const stuck = moving.concat(
      Array.from({ length: 30 }, (_, i) =>
        sample(
          62_000 + i * 2_000,
          [0, 1, 2, 3].map((p) => row('in', p, 600n, 10_000n)),
          stableGroup(2),
        ),
      ),
    );
    const learned = learnedThroughput(indexHistory(stuck), keys, meta({ stallWindow: '30s' }), 10_000);
    assert.ok(learned && Math.abs(learned.perReplica - 20) < 0.01, String(learned?.perReplica));
    assert.equal(learned.spanMs, 60_000, 'the stuck minute is not counted');
    const counted = learnedThroughput(indexHistory(stuck), keys, meta({ stallWindow: '5m' }), 10_000);
    assert.ok(counted && counted.perReplica < 11, 'with a longer stallWindow the minute counts, halving the rate');
  });

  it('counts Kafka Streams instances from client ids, not members', () => {
    const streams: GroupInfo = { state: 'Stable', members: 4, instances: 2, memberIds: ['a', 'b', 'c', 'd'] };
    const samples = indexHistory(history({ seconds: 60, arrive: 5, drain: 10, backlog: 10_000, group: streams }));
    assert.ok(Math.abs(learnedThroughput(samples, keys, meta(), 10_000)!.perReplica - 20) < 0.01);
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
    const h = history({ seconds: 20, arrive: 1000, drain: 0, backlog: 100_000 });
    const d = decide(h, { replicaThroughput: '1' });
    assert.equal(d.metricValue, 4);
    assert.match(d.explanation, /capped at the useful max 4/);
  });

  it('with no known throughput: lag / lagThreshold, as offset would', () => {
    const h = history({ seconds: 20, arrive: 0, drain: 0, backlog: 5 });
    const d = decide(h, { lagThreshold: '10' });
    assert.equal(d.metricValue, 2);
    assert.match(d.explanation, /throughput not known yet/);
  });

  it('a lower count waits for scaleDownDelay; a higher one does not', () => {
    // Backlog of 4 × 3000 falls to 0 at t=30s; with 20/s per replica it asked for ceil(12000/300/20) = 2 before.
    const busy = history({ seconds: 30, arrive: 0, drain: 0, backlog: 3000 });
    const drained = busy.map((s) => s);
    for (let t = 32_000; t <= 60_000; t += 2_000) {
      drained.push(
        sample(
          t,
          [0, 1, 2, 3].map((p) => row('in', p, 3000n, 3000n)),
          stableGroup(2),
        ),
      );
    }
    assert.equal(decide(drained, { replicaThroughput: '20', scaleDownDelay: '1m' }).metricValue, 2);
    assert.equal(decide(drained, { replicaThroughput: '20', scaleDownDelay: '20s' }).metricValue, 0);
  });

  it('at least one replica while active', () => {
    const h = history({ seconds: 20, arrive: 0, drain: 0, backlog: 1 });
    assert.equal(decide(h, { replicaThroughput: '1000' }).metricValue, 1);
  });
});
