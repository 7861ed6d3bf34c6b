import assert from 'node:assert/strict';
import type { Decision, PartitionDecision } from '../model/decision.ts';
import { NO_COMMIT } from '../model/sample.ts';
import { row, sample, topicSample } from '../../test/support/samples.ts';
import { parseTriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { rateStrategy } from '../lag/rateStrategy.ts';
import { countedLag, triggerFigures } from './figures.ts';

function decision(over: Partial<Decision> & { lags?: bigint[] } = {}): Decision {
  const partitions: PartitionDecision[] = (over.lags ?? [5n, 7n]).map((lag, partition) => ({
    topic: 't',
    partition,
    committed: 0n,
    end: lag,
    lag,
    activationLag: lag,
  }));
  return {
    metricValue: 12,
    target: 5,
    active: true,
    explanation: 'x',
    partitions,
    topology: { source: 'derived', notes: [], usefulMax: 2, streamThreads: 1, subTopologies: [] },
    stalled: [],
    ...over,
  };
}

describe('trigger figures', () => {
  const replicaCases: Array<[string, number, number, number]> = [
    ['12 / 5 rounds up to 3', 12, 5, 3],
    ['10 / 5 is exactly 2', 10, 5, 2],
    ['0 asks for none', 0, 5, 0],
    ['a zero target asks for none rather than infinitely many', 12, 0, 0],
    ['NaN asks for none', Number.NaN, 5, 0],
    ['float noise just over a whole number does not add a replica', 6.000000000001, 3, 2],
  ];
  for (const [name, metricValue, target, replicas] of replicaCases) {
    it(`recommended replicas: ${name}`, () => {
      const s = topicSample(0, [[0n, 5n]]);
      assert.equal(triggerFigures(decision({ metricValue, target }), [s], s).replicas, replicas);
    });
  }

  it('lag is the sum of what the partitions add; active and stalled come from the decision', () => {
    const s = topicSample(0, [[0n, 5n]]);
    const f = triggerFigures(decision({ lags: [5n, 7n, 0n], active: false, stalled: ['t-1'] }), [s], s);
    assert.deepEqual([f.lag, f.active, f.stalledPartitions], [12, false, 1]);
    assert.equal(f.timeLagSeconds, undefined, 'no time lag unless the strategy estimates one');
  });

  it('time lag: the largest a partition or a sub-topology carries', () => {
    const s = topicSample(0, [[0n, 5n]]);
    const d = decision({
      partitions: [{ topic: 't', partition: 0, committed: 0n, end: 5n, lag: 5n, activationLag: 5n, timeLagSeconds: 4 }],
      topology: {
        source: 'derived',
        notes: [],
        usefulMax: 1,
        streamThreads: 1,
        subTopologies: [{ id: '0', inputs: ['t'], tasks: 1, lag: 5n, timeLagSeconds: 9.5 }],
      },
    });
    assert.equal(triggerFigures(d, [s], s).timeLagSeconds, 9.5);
  });

  it('rates: end and committed offsets over the last minute, from the newest sample at least that old', () => {
    const history = [
      topicSample(0, [
        [0n, 0n],
        [0n, 0n],
      ]),
      topicSample(30_000, [
        [100n, 600n],
        [0n, 600n],
      ]),
      topicSample(90_000, [
        [1000n, 3000n],
        [200n, 3000n],
      ]),
    ];
    // Baseline: the sample at 30 s (60 s before the newest); 60 s of arrivals and commits.
    const f = triggerFigures(decision(), history, history[2]!);
    assert.equal(f.arrivalRate, (2400 + 2400) / 60);
    assert.equal(f.drainRate, (900 + 200) / 60);
  });

  it('rates: with less than a minute of history, over what there is; none from a single sample', () => {
    const history = [topicSample(0, [[0n, 0n]]), topicSample(10_000, [[50n, 100n]])];
    const f = triggerFigures(decision(), history, history[1]!);
    assert.deepEqual([f.arrivalRate, f.drainRate], [10, 5]);
    const only = triggerFigures(decision(), [history[0]!], history[0]!);
    assert.equal(only.arrivalRate, undefined);
    assert.equal(only.drainRate, undefined);
  });

  it('rates: a partition without a commit adds no drain; offsets going back (a reset) add nothing', () => {
    const history = [
      sample(0, [row('t', 0, NO_COMMIT, 10n), row('t', 1, 500n, 900n)]),
      sample(10_000, [row('t', 0, NO_COMMIT, 110n), row('t', 1, 100n, 900n)]),
    ];
    const f = triggerFigures(decision(), history, history[1]!);
    assert.deepEqual([f.arrivalRate, f.drainRate], [10, 0]);
  });

  it("lag and rates count the decision's demand partitions only: not changelogs, not partitions it leaves out", () => {
    const demand = { topic: 't', partition: 0, committed: 0n, end: 30n, lag: 30n, activationLag: 30n };
    const d = decision({
      partitions: [
        { ...demand, role: 'source' },
        { ...demand, topic: 'app-store-changelog', lag: 500n, activationLag: 500n, role: 'changelog' },
      ],
    });
    const history = [
      sample(0, [row('t', 0, 0n, 0n), row('t', 1, 0n, 0n), row('app-store-changelog', 0, 0n, 0n)]),
      // Partition t-1 is outside the decision (partitionLimitation); the changelog is restored, not processed.
      sample(10_000, [row('t', 0, 50n, 100n), row('t', 1, 900n, 900n), row('app-store-changelog', 0, 0n, 5000n)]),
    ];
    const f = triggerFigures(d, history, history[1]!);
    assert.deepEqual([f.lag, f.arrivalRate, f.drainRate], [30, 10, 5]);
    assert.equal(countedLag(d), 30n);
  });

  it("rates: over the trigger's rateWindow", () => {
    const history = [0, 10_000, 20_000, 30_000].map((at) => topicSample(at, [[BigInt(at / 100), BigInt(at / 10)]]));
    const rules = { rateWindow: 20_000, offsetResetPolicy: 'latest', scaleToZeroOnInvalidOffset: false } as const;
    const f = triggerFigures(decision(), history, history[3]!, rules);
    // From the sample at 10 s: 2,000 records arrived and 200 were processed in 20 s.
    assert.deepEqual([f.arrivalRate, f.drainRate], [100, 10]);
  });

  it('rates: a partition reset adds nothing while another moves on (the reset does not cancel it out)', () => {
    const history = [
      sample(0, [row('t', 0, 500n, 900n), row('t', 1, 100n, 900n)]),
      sample(10_000, [row('t', 0, 0n, 1000n), row('t', 1, 400n, 900n)]),
    ];
    const f = triggerFigures(decision(), history, history[1]!);
    assert.deepEqual([f.arrivalRate, f.drainRate], [10, 30]);
  });

  it('arrival: the status figures and the rate strategy measure it alike', () => {
    const parsed = parseTriggerMetadata({
      bootstrapServers: 'k:9092',
      consumerGroup: 'app',
      topic: 't',
      lagStrategy: 'rate',
      rebalanceCooldown: '0',
      rateWindow: '20s',
    });
    assert.deepEqual(parsed.problems, []);
    const m = parsed.metadata;
    // Arrivals speed up on partition 0 (end 10·k²), so the measure depends on the window it is taken over.
    const history = Array.from({ length: 20 }, (_, k) =>
      topicSample(k * 2_000, [
        [BigInt(k * 5), BigInt(10 * k * k)],
        [BigInt(k * 5), BigInt(k * 50)],
      ]),
    );
    const latest = history[history.length - 1]!;
    const d = rateStrategy.decide({ metadata: m, latest, history, now: latest.at });
    const [sub] = d.topology.subTopologies;
    assert.ok(sub?.arrivalRate !== undefined, 'the strategy measured an arrival rate');
    assert.equal(triggerFigures(d, history, latest, m).arrivalRate, sub.arrivalRate);
    // rateWindow 20 s back from 38 s: the poll at 18 s; (3610 − 810) + (950 − 450) records in 20 s.
    assert.equal(sub.arrivalRate, 165);
    assert.notEqual(triggerFigures(d, history, latest).arrivalRate, 165, 'over another window it differs');
  });
});
