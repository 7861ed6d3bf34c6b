import assert from 'node:assert/strict';
import { NO_COMMIT, type PartitionOffsets } from '../model/sample.ts';
import type { PartitionDecision } from '../model/decision.ts';
import { type LagRules, partitionLag, smallestCoveringDivisor, totalLag } from './kedaLag.ts';

const RULES: LagRules = {
  lagThreshold: 10,
  offsetResetPolicy: 'latest',
  scaleToZeroOnInvalidOffset: false,
  excludePersistentLag: false,
  allowIdleConsumers: false,
  limitToPartitionsWithLag: false,
  ensureEvenDistributionOfPartitions: false,
};

function p(partition: number, committed: bigint, end: bigint | undefined, start?: bigint): PartitionOffsets {
  return { topic: 't', partition, committed, end, start };
}

describe('KEDA lag rules: one partition', () => {
  const cases: Array<{
    name: string;
    offsets: PartitionOffsets;
    rules?: Partial<LagRules>;
    persistent?: boolean;
    lag: bigint;
    activationLag: bigint;
    note?: string;
  }> = [
    { name: 'committed: end − committed', offsets: p(0, 40n, 100n), lag: 60n, activationLag: 60n },
    { name: 'caught up: 0', offsets: p(0, 100n, 100n), lag: 0n, activationLag: 0n },
    {
      name: 'committed beyond the last stable offset, within the high watermark (read past an open transaction): 0, not negative',
      offsets: p(0, 105n, 100n),
      lag: 0n,
      activationLag: 0n,
    },
    {
      name: 'committed beyond the log end (truncated log), earliest: the records in the log, as the consumer resets there',
      offsets: { ...p(0, NO_COMMIT, 100n, 0n), outOfRange: 1100n },
      rules: { offsetResetPolicy: 'earliest' },
      lag: 100n,
      activationLag: 100n,
      note: 'out-of-range',
    },
    {
      name: 'committed beyond the log end, latest: 1, so a consumer starts and resets',
      offsets: { ...p(0, NO_COMMIT, 100n), outOfRange: 1100n },
      lag: 1n,
      activationLag: 1n,
      note: 'out-of-range',
    },
    {
      name: 'committed beyond the log end, scaleToZeroOnInvalidOffset: 0, as for any invalid offset',
      offsets: { ...p(0, NO_COMMIT, 100n, 0n), outOfRange: 1100n },
      rules: { offsetResetPolicy: 'earliest', scaleToZeroOnInvalidOffset: true },
      lag: 0n,
      activationLag: 0n,
      note: 'out-of-range',
    },
    {
      name: 'nothing committed, latest: 1 so one consumer starts (kedacore/keda#2612)',
      offsets: p(0, NO_COMMIT, 100n),
      lag: 1n,
      activationLag: 1n,
      note: 'uncommitted',
    },
    {
      name: 'nothing committed, latest, scaleToZeroOnInvalidOffset: 0',
      offsets: p(0, NO_COMMIT, 100n),
      rules: { scaleToZeroOnInvalidOffset: true },
      lag: 0n,
      activationLag: 0n,
      note: 'uncommitted',
    },
    {
      name: 'nothing committed, earliest: the records still in the log, end − start (kedacore/keda#7936)',
      offsets: p(0, NO_COMMIT, 100n, 30n),
      rules: { offsetResetPolicy: 'earliest' },
      lag: 70n,
      activationLag: 70n,
      note: 'uncommitted',
    },
    {
      name: 'nothing committed, earliest, nothing deleted: the whole log',
      offsets: p(0, NO_COMMIT, 100n, 0n),
      rules: { offsetResetPolicy: 'earliest' },
      lag: 100n,
      activationLag: 100n,
      note: 'uncommitted',
    },
    {
      name: 'nothing committed, earliest, scaleToZeroOnInvalidOffset: 0 (kedacore/keda#5689)',
      offsets: p(0, NO_COMMIT, 100n, 0n),
      rules: { offsetResetPolicy: 'earliest', scaleToZeroOnInvalidOffset: true },
      lag: 0n,
      activationLag: 0n,
      note: 'uncommitted',
    },
    {
      name: 'no end offset from the broker: 0 (kedacore/keda#7324)',
      offsets: p(0, 10n, undefined),
      lag: 0n,
      activationLag: 0n,
      note: 'no-end-offset',
    },
    {
      name: 'only transaction markers between committed and end: 0 (kedacore/keda#5675)',
      offsets: { ...p(0, 99n, 100n), dataPending: false },
      lag: 0n,
      activationLag: 0n,
      note: 'transaction-markers',
    },
    {
      name: 'a real record after the markers: counted',
      offsets: { ...p(0, 98n, 100n), dataPending: true },
      lag: 2n,
      activationLag: 2n,
    },
    {
      name: 'persistent lag with excludePersistentLag: 0 for the metric, full lag for activation',
      offsets: p(0, 40n, 100n),
      rules: { excludePersistentLag: true },
      persistent: true,
      lag: 0n,
      activationLag: 60n,
      note: 'persistent',
    },
    {
      name: 'persistent lag without excludePersistentLag: counts in full',
      offsets: p(0, 40n, 100n),
      persistent: true,
      lag: 60n,
      activationLag: 60n,
    },
    {
      name: 'uncommitted partitions are never treated as persistent (kedacore/keda#5274)',
      offsets: p(0, NO_COMMIT, 100n),
      rules: { excludePersistentLag: true },
      persistent: true,
      lag: 1n,
      activationLag: 1n,
      note: 'uncommitted',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = partitionLag(c.offsets, { ...RULES, ...c.rules }, c.persistent ?? false);
      assert.equal(got.lag, c.lag, 'lag');
      assert.equal(got.activationLag, c.activationLag, 'activation lag');
      assert.equal(got.note, c.note, 'note');
    });
  }
});

describe('KEDA lag rules: totals and the replica cap', () => {
  const lags = (...values: Array<number | [number, number]>): PartitionDecision[] =>
    values.map((v, i) => {
      const [lag, activationLag] = Array.isArray(v) ? v : [v, v];
      return {
        topic: 't',
        partition: i,
        committed: 0n,
        end: 0n,
        lag: BigInt(lag),
        activationLag: BigInt(activationLag),
      };
    });

  const cases: Array<{
    name: string;
    parts: PartitionDecision[];
    rules?: Partial<LagRules>;
    metric: bigint;
    activationLag: bigint;
    cap?: number;
  }> = [
    { name: 'sums the partitions below the cap', parts: lags(5, 7, 0), metric: 12n, activationLag: 12n, cap: 3 },
    {
      name: 'caps at partitions × lagThreshold',
      parts: lags(100, 50, 0),
      metric: 30n,
      activationLag: 150n,
      cap: 3,
    },
    {
      name: 'caps with real division: lag 35 on 3 partitions at threshold 10 is 30, not 35 (KEDA lets 30–39 through)',
      parts: lags(20, 15, 0),
      metric: 30n,
      activationLag: 35n,
      cap: 3,
    },
    {
      name: 'allowIdleConsumers: no cap',
      parts: lags(100, 50, 0),
      rules: { allowIdleConsumers: true },
      metric: 150n,
      activationLag: 150n,
      cap: undefined,
    },
    {
      name: 'limitToPartitionsWithLag: cap = partitions with lag',
      parts: lags(100, 0, 0, 0),
      rules: { limitToPartitionsWithLag: true },
      metric: 10n,
      activationLag: 100n,
      cap: 1,
    },
    {
      name: 'limitToPartitionsWithLag with no lag anywhere: 0',
      parts: lags(0, 0),
      rules: { limitToPartitionsWithLag: true },
      metric: 0n,
      activationLag: 0n,
      cap: 0,
    },
    {
      name: 'ensureEvenDistributionOfPartitions, 10 partitions, lag 15 → 2 replicas (20)',
      parts: lags(15, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      rules: { ensureEvenDistributionOfPartitions: true },
      metric: 20n,
      activationLag: 15n,
      cap: 10,
    },
    {
      name: 'ensureEvenDistributionOfPartitions, 10 partitions, lag 21 → 5 replicas (50)',
      parts: lags(21, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      rules: { ensureEvenDistributionOfPartitions: true },
      metric: 50n,
      activationLag: 21n,
      cap: 10,
    },
    {
      name: 'ensureEvenDistributionOfPartitions at lag 0: one replica as in KEDA (metric = threshold), activation stays 0',
      parts: lags(0, 0, 0, 0),
      rules: { ensureEvenDistributionOfPartitions: true },
      metric: 10n,
      activationLag: 0n,
      cap: 4,
    },
    {
      name: 'ensureEvenDistributionOfPartitions applies even with allowIdleConsumers',
      parts: lags(500, 0, 0, 0),
      rules: { ensureEvenDistributionOfPartitions: true, allowIdleConsumers: true },
      metric: 40n,
      activationLag: 500n,
      cap: 4,
    },
    {
      name: 'persistent lag: out of the metric, in the activation',
      parts: lags([0, 60], 5),
      rules: { excludePersistentLag: true },
      metric: 5n,
      activationLag: 65n,
      cap: 2,
    },
    {
      name: 'partitions without an end offset are not counted toward the cap',
      parts: [
        ...lags(100, 100),
        { topic: 't', partition: 9, committed: 0n, end: undefined, lag: 0n, activationLag: 0n, note: 'no-end-offset' },
      ],
      metric: 20n,
      activationLag: 200n,
      cap: 2,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = totalLag(c.parts, { ...RULES, ...c.rules });
      assert.equal(got.metric, c.metric, 'metric');
      assert.equal(got.activationLag, c.activationLag, 'activation lag');
      assert.equal(got.cap, c.cap, 'cap');
    });
  }

  it('never lets ceil(metric / threshold) exceed the partitions, for any lag', () => {
    for (let lag = 0; lag <= 1000; lag += 7) {
      const got = totalLag(lags(lag, 0, 0), RULES);
      assert.ok(Math.ceil(Number(got.metric) / RULES.lagThreshold) <= 3, `lag ${lag} → metric ${got.metric}`);
    }
  });
});

describe('KEDA lag rules: smallest covering divisor (ensureEvenDistributionOfPartitions)', () => {
  // KEDA's documented example: 10 partitions, threshold 10.
  const cases = [
    { lag: 0n, want: 1 },
    { lag: 1n, want: 1 },
    { lag: 10n, want: 1 },
    { lag: 11n, want: 2 },
    { lag: 20n, want: 2 },
    { lag: 21n, want: 5 },
    { lag: 50n, want: 5 },
    { lag: 51n, want: 10 },
    { lag: 10_000n, want: 10 },
  ];
  for (const c of cases) {
    it(`lag ${c.lag} on 10 partitions at threshold 10 → ${c.want}`, () => {
      assert.equal(smallestCoveringDivisor(c.lag, 10, 10n), c.want);
    });
  }
});
