import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import type { GroupInfo, Sample } from '../model/sample.ts';
import { parseTriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { STRATEGY_NAMES } from '../model/metadata/strategyNames.ts';
import { strategyByName } from './registry.ts';
import { columnsOf } from '../model/sample.ts';
import {
  arrivalRate,
  arrivalRates,
  backlogAt,
  backloggedPartitions,
  backloggedSeries,
  delta,
  keySignature,
} from './rates.ts';
import { SampleMemo } from './sampleMemo.ts';

/**
 * A history that busy-works a backlog, keeps up with a commit sawtooth,
 * scales out (new members, a rebalance) and in again: 600 polls, 2 s apart,
 * on two topics of three partitions.
 */
function polls(): Sample[] {
  const out: Sample[] = [];
  let end = 20_000;
  let committed = 0;
  for (let i = 0; i < 600; i++) {
    const at = 1_000_000 + i * 2_000;
    // Arrivals swing between 10 and 70 per poll; the group works a backlog off, committing every 15 polls.
    end += Math.round(40 + 30 * Math.sin(i / 9));
    if (i % 15 === 0) committed = Math.min(end, committed + (i < 300 ? 900 : 400));
    const members = i < 250 ? 1 : i < 400 ? 3 : 2;
    let group: GroupInfo = stableGroup(members, i >= 250 && i < 400 ? 'a' : '');
    if (i === 250 || i === 400) group = { ...group, state: 'PreparingRebalance' };
    const rows = ['in', 'app-repartition'].flatMap((topic) =>
      // One partition keeps up within a minute of arrivals: whether it counts as backlogged depends on the window.
      [0, 1, 2].map((p) =>
        row(topic, p, BigInt(p === 2 ? end - 90 : Math.max(0, committed - 11 * p)), BigInt(end + p)),
      ),
    );
    out.push(sample(at, rows, group));
  }
  return out;
}

describe('a memo carried across polls gives the decisions a fresh computation gives', function () {
  // Hundreds of decisions computed twice: seconds of CPU, many more on a busy machine. Not a timing test.
  this.timeout(120_000);
  const history = polls();
  const WINDOW = 300;
  for (const name of STRATEGY_NAMES) {
    it(`${name}: every decision over a sliding history equals one computed afresh`, () => {
      const parsed = parseTriggerMetadata({
        bootstrapServers: 'k:9092',
        consumerGroup: 'app',
        lagStrategy: name,
        rateWindow: '30s',
        rebalanceCooldown: '20s',
        lagThreshold: '50',
      });
      assert.deepEqual(parsed.problems, []);
      const strategy = strategyByName(name);
      const memo = new SampleMemo();
      let previousCarried;
      let previousFresh;
      let compared = 0;
      for (let end = 2; end <= history.length; end++) {
        const window = history.slice(Math.max(0, end - WINDOW), end);
        const input = { metadata: parsed.metadata, latest: window.at(-1)!, history: window, now: window.at(-1)!.at };
        const carried = strategy.decide({
          ...input,
          memo,
          ...(previousCarried ? { previous: previousCarried } : {}),
        });
        const fresh = strategy.decide({ ...input, ...(previousFresh ? { previous: previousFresh } : {}) });
        assert.deepEqual(carried, fresh, `poll ${end - 1}`);
        previousCarried = carried;
        previousFresh = fresh;
        compared++;
      }
      assert.equal(compared, history.length - 1);
    });
  }
  it('the history exercises what the memo keeps: rate learns, holds and sees a rebalance', () => {
    const parsed = parseTriggerMetadata({
      bootstrapServers: 'k:9092',
      consumerGroup: 'app',
      lagStrategy: 'rate',
      rateWindow: '30s',
      rebalanceCooldown: '20s',
      lagThreshold: '50',
    });
    const seen = new Set<string>();
    const memo = new SampleMemo();
    for (let end = 2; end <= history.length; end++) {
      const window = history.slice(Math.max(0, end - WINDOW), end);
      const d = strategyByName('rate').decide({
        metadata: parsed.metadata,
        latest: window.at(-1)!,
        history: window,
        now: window.at(-1)!.at,
        memo,
      });
      if (d.held) seen.add('held');
      if (d.explanation.includes('learned')) seen.add('learned');
    }
    assert.deepEqual([...seen].sort(), ['held', 'learned']);
  });
});

describe('series kept by position match the figures computed afresh', () => {
  const history = polls();
  const keys = ['in', 'app-repartition'].flatMap((t) => [0, 1, 2].map((p) => `${t}\u0000${p}`));
  const rules = { offsetResetPolicy: 'latest', scaleToZeroOnInvalidOffset: false } as const;
  it('arrival rates and backlogged partitions, at every sample of a sliding history', () => {
    const memo = new SampleMemo();
    const wrong = { arrivals: [] as string[], backlogged: [] as string[] };
    let checked = 0;
    for (let end = 1; end <= history.length; end += 7) {
      const window = history.slice(Math.max(0, end - 100), end);
      const signature = keySignature(keys, rules, memo);
      const arrivals = arrivalRates(window, keys, 30_000, rules, memo, signature);
      const backlogged = backloggedSeries(window, keys, rules, memo, signature);
      window.forEach((_, i) => {
        const rate = arrivalRate(window, i, keys, 30_000, rules);
        if (arrivals[i] !== rate) wrong.arrivals.push(`poll ${end} sample ${i}: ${arrivals[i]} ≠ ${rate}`);
        const count = backloggedPartitions(window, i, keys, rules);
        if (backlogged[i] !== count) wrong.backlogged.push(`poll ${end} sample ${i}: ${backlogged[i]} ≠ ${count}`);
        checked++;
      });
    }
    assert.ok(checked > 5_000, `${checked}`);
    assert.deepEqual(wrong, { arrivals: [], backlogged: [] });
  });
});

describe('sample memo: key sets over a shared layout', () => {
  const rules = { offsetResetPolicy: 'latest', scaleToZeroOnInvalidOffset: false } as const;
  const first = sample(0, [row('in', 0, 0n, 10n), row('in', 1, 0n, 100n), row('other', 0, 0n, 1000n)]);
  const second = sample(10_000, [row('in', 0, 5n, 20n), row('in', 1, 50n, 300n), row('other', 0, 0n, 5000n)]);
  const keys = ['in\u00000', 'in\u00001'];

  it('a mask marks exactly the partitions of the key set, and is kept per layout and key set', () => {
    const memo = new SampleMemo();
    const layout = columnsOf(first).layout;
    const signature = keySignature(keys, rules, memo);
    assert.deepEqual([...memo.mask(layout, keys, signature)], [1, 1, 0]);
    assert.equal(memo.mask(layout, keys, signature), memo.mask(layout, keys, signature));
  });

  it('backlog, arrival and processing count only the key set’s partitions', () => {
    const memo = new SampleMemo();
    const signature = keySignature(keys, rules, memo);
    assert.equal(backlogAt(second, keys, rules, memo, signature), 15n + 250n);
    assert.equal(delta(first, second, keys, 'end', memo, signature), 10n + 200n);
    assert.equal(delta(first, second, keys, 'committed', memo, signature), 5n + 50n);
  });
});
