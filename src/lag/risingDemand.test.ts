import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import { waitingStrategy } from '../../test/support/waitingStrategy.ts';
import { partitionKey, type GroupInfo, type Sample } from '../model/sample.ts';
import { parseTriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { SAWTOOTH_MS } from './rates.ts';
import { withRebalanceHold } from './rebalanceHold.ts';
import { MIN_WINDOW_MS, risingThroughHold, sawtoothWindow } from './risingDemand.ts';
import { SampleMemo } from './sampleMemo.ts';

const rules = { offsetResetPolicy: 'latest', scaleToZeroOnInvalidOffset: false } as const;
const joining: GroupInfo = { state: 'PreparingRebalance', members: 2, instances: undefined, memberIds: ['m0', 'm1'] };

/** Committed and end offsets of one partition at `t` seconds; undefined when a poll does not list it. */
type Offsets = (t: number) => readonly [committed: number, end: number] | undefined;

/**
 * Polls every 2 s from `from` to `until` seconds of partitions t-0, t-1, …; the group as `group` says; none
 * where `failed` says the poll failed.
 */
function polls(
  partitions: readonly Offsets[],
  until: number,
  from = 0,
  group = (_t: number) => stableGroup(1),
  failed = (_t: number) => false,
): Sample[] {
  return Array.from({ length: (until - from) / 2 + 1 }, (_, i) => from + i * 2)
    .filter((t) => !failed(t))
    .map((t) => {
      const rows = partitions.flatMap((offsets, p) => {
        const o = offsets(t);
        return o === undefined ? [] : [row('t', p, BigInt(o[0]), BigInt(o[1]))];
      });
      return sample(t * 1000, rows, group(t));
    });
}

/** 100 records/s arriving, processed at `rate`/s, committed every `every` seconds (from 0). */
const committing =
  (every: number, rate = 90): Offsets =>
  (t) => [rate * every * Math.floor(t / every), 100 * t];

describe('the window records waiting are read over, from how often the group commits', () => {
  const keys = [partitionKey('t', 0), partitionKey('t', 1)];
  // The pause begins after the poll at 60 s: the window is learned from 20 s to 60 s.
  // 100 records arriving at 26 s, 56 s, …, committed at 30 s, 60 s, …
  const arrivals = (t: number): number => 100 * Math.floor((t + 4) / 30);
  const cases: Array<{
    name: string;
    partitions: Offsets[];
    from?: number;
    failed?: (t: number) => boolean;
    window: number;
  }> = [
    { name: 'commits every 4 s: the shortest window', partitions: [committing(4)], window: MIN_WINDOW_MS },
    { name: 'commits every 8 s: twice that', partitions: [committing(8)], window: 16_000 },
    { name: "commits every 30 s (Kafka Streams' default): SAWTOOTH_MS", partitions: [committing(30)], window: 40_000 },
    {
      name: 'a partition with records waiting that commits nothing: SAWTOOTH_MS',
      partitions: [committing(4), (t) => [0, 10 * t]],
      window: SAWTOOTH_MS,
    },
    {
      name: 'a partition with nothing waiting does not count',
      partitions: [committing(4), () => [500, 500]],
      window: MIN_WINDOW_MS,
    },
    { name: 'nothing committed: SAWTOOTH_MS', partitions: [() => [500, 500]], window: SAWTOOTH_MS },
    {
      name: 'polls over 30 s before the pause are enough to learn 10 s',
      partitions: [committing(4)],
      from: 30,
      window: 10_000,
    },
    {
      name: 'polls over less than the window they would give: SAWTOOTH_MS',
      partitions: [committing(8)],
      from: 46,
      window: SAWTOOTH_MS,
    },
    {
      name: 'records now and then, committed every 30 s: SAWTOOTH_MS (a span runs from commit to commit)',
      partitions: [(t) => [arrivals(30 * Math.floor(t / 30)), arrivals(t)]],
      window: SAWTOOTH_MS,
    },
    {
      name: 'failed polls lengthen a span, not shorten it: commits every 30 s, polls failing from 32 s to 48 s',
      partitions: [committing(30, 100)],
      failed: (t) => t > 30 && t < 50,
      window: SAWTOOTH_MS,
    },
    {
      name: 'a poll that does not list the partition does not split a span',
      partitions: [(t) => (t === 44 ? undefined : committing(30, 100)(t))],
      window: SAWTOOTH_MS,
    },
    {
      name: 'a committed offset moving back (a reset) is not a commit',
      partitions: [(t) => [t < 30 ? 0 : t < 44 ? 3000 : t < 60 ? 1000 : 6000, 100 * t]],
      window: SAWTOOTH_MS,
    },
    {
      name: 'a span before the SAWTOOTH_MS before the hold does not count',
      partitions: [(t) => (t < 24 ? [0, 100 * t] : committing(4)(t))],
      window: MIN_WINDOW_MS,
    },
    {
      name: 'polls over exactly the window they would give: SAWTOOTH_MS',
      partitions: [(t) => [t < 22 ? 0 : t < 52 ? 2200 : 5200, 100 * t]],
      from: 44,
      window: SAWTOOTH_MS,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const history = polls(c.partitions, 60, c.from, undefined, c.failed);
      assert.equal(sawtoothWindow(history, history.length - 1, keys, rules), c.window);
    });
  }
});

describe('the learned window, remembered per poll', () => {
  it('is learned again when the polls before it are no longer the same', () => {
    const memo = new SampleMemo();
    const keys = [partitionKey('t', 0)];
    const history = polls([committing(4)], 60);
    assert.equal(sawtoothWindow(history, history.length - 1, keys, rules, memo), MIN_WINDOW_MS);
    assert.equal(sawtoothWindow(history, history.length - 1, keys, rules, memo), MIN_WINDOW_MS);
    // The same last poll, with the polls before 52 s gone: 8 s of polls are too few to learn 10 s.
    const short = history.slice(26);
    assert.equal(sawtoothWindow(short, short.length - 1, keys, rules, memo), SAWTOOTH_MS);
  });
});

describe('demand rising through a hold, read over the window the commits allow', () => {
  // A second member joins after the poll at 60 s; the group rebalances at 62 s and 64 s, stable from 66 s.
  const group = (t: number): GroupInfo => (t <= 60 ? stableGroup(1) : t <= 64 ? joining : stableGroup(2));
  const pause = { before: 30, last: 32 };
  // Commits every 4 s, at `rate`/s before the pause and `after`/s from 66 s; nothing processed in between.
  const worked =
    (rate: number, after: number): Offsets =>
    (t) => {
      const done = Math.min(100 * t, t <= 60 ? rate * t : t < 66 ? rate * 60 : rate * 60 + after * (t - 66));
      return [done - (done % (rate * 4)), 100 * t];
    };
  // As worked(50, 50), but committed every 12 s of processing from 66 s (a consumer working off in full batches).
  const slower: Offsets = (t) => {
    const done = t <= 60 ? 50 * t : t < 66 ? 3000 : 3000 + 50 * (t - 66);
    return [t <= 60 ? done - (done % 200) : done - ((done - 3000) % 600), 100 * t];
  };
  const cases: Array<{ name: string; offsets: Offsets; now: number; rising: RegExp | undefined }> = [
    {
      name: 'processing at half the arrivals: answered once a poll after the pause is older than the window',
      offsets: worked(50, 50),
      now: 80,
      rising: /^3200 → 3800 over 10000 ms on 1 of 1$/,
    },
    { name: 'not before its commit moved after the pause', offsets: worked(50, 50), now: 78, rising: undefined },
    { name: 'working off the pile-up: held', offsets: worked(100, 150), now: 90, rising: undefined },
    {
      name: 'committing less often since the pause (every 12 s): not answered over the 10 s learned before it',
      offsets: slower,
      now: 90,
      rising: undefined,
    },
    {
      name: 'committing less often since the pause (every 12 s): answered over twice that',
      offsets: slower,
      now: 104,
      rising: /^2400 → 4400 over 24000 ms on 1 of 1$/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const history = polls([c.offsets], c.now, 0, group);
      const rising = risingThroughHold(history, pause, pause.before, [partitionKey('t', 0)], rules, c.now * 1000);
      const seen =
        rising &&
        `${rising.explained} → ${rising.low} over ${rising.windowMs} ms on ${rising.rising} of ${rising.worked}`;
      if (c.rising === undefined) assert.equal(seen, undefined);
      else assert.match(seen ?? '', c.rising);
    });
  }
});

describe('demand rising through a hold of two rebalances', () => {
  const { metadata } = parseTriggerMetadata({ bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 't' });
  const strategy = waitingStrategy;
  // A member joins after the poll at 60 s (rebalancing at 62 s and 64 s); a follow-up rebalance from 72 s to 84 s.
  const group = (t: number): GroupInfo =>
    t <= 60 ? stableGroup(1) : t <= 64 || (t >= 72 && t <= 84) ? joining : stableGroup(2);
  const paused = (t: number): number => Math.max(0, Math.min(t, 66) - 60) + Math.max(0, Math.min(t, 86) - 70);
  // 100 records/s arriving, processed at 50/s but while paused, committed every 4 s of processing.
  const offsets: Offsets = (t) => {
    const done = 50 * (t - paused(t));
    return [done - (done % 200), 100 * t];
  };
  const cases: Array<{ name: string; now: number; explanation: RegExp }> = [
    {
      name: 'the window is learned before the first: answered once a poll after the second is older than 10 s',
      now: 100,
      explanation:
        /^held the recommendation of 40s ago \(metric \d+\): group members changed 16s ago \(rebalanceCooldown 1m\), but demand kept rising: records waiting \d+ → \d+ on 1 of the 1 partitions worked again \(the least over the last 10s;/,
    },
    { name: 'held before that', now: 96, explanation: /^holding the recommendation of 36s ago/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const history = polls([offsets], c.now, 0, group);
      const latest = history.at(-1)!;
      const d = withRebalanceHold(strategy).decide({ metadata, latest, history, now: latest.at });
      assert.match(d.explanation, c.explanation);
    });
  }
});
