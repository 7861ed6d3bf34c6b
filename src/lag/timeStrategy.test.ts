import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import type { Sample } from '../model/sample.ts';
import { parseTriggerMetadata } from '../model/metadata/triggerMetadata.ts';
import { timeStrategy } from './timeStrategy.ts';

function meta(extra: Record<string, string> = {}) {
  const parsed = parseTriggerMetadata({
    bootstrapServers: 'k:9092',
    consumerGroup: 'app',
    lagStrategy: 'time',
    ...extra,
  });
  assert.deepEqual(parsed.problems, []);
  return parsed.metadata;
}

describe('time strategy', () => {
  // Source `words` (2 partitions) and the repartition topic of sub-topology by-word (2 partitions).
  const at = (t: number, rows: ReturnType<typeof row>[]): Sample => sample(t, rows, stableGroup(1));
  const history = [
    at(0, [
      row('words', 0, 0n, 0n),
      row('words', 1, 0n, 0n),
      row('app-by-word-repartition', 0, 0n, 0n),
      row('app-by-word-repartition', 1, 0n, 0n),
    ]),
    at(10_000, [
      row('words', 0, 0n, 100n),
      row('words', 1, 0n, 100n),
      row('app-by-word-repartition', 0, 0n, 100n),
      row('app-by-word-repartition', 1, 0n, 0n),
    ]),
    at(20_000, [
      row('words', 0, 100n, 100n),
      row('words', 1, 100n, 150n),
      row('app-by-word-repartition', 0, 0n, 200n),
      row('app-by-word-repartition', 1, 0n, 0n),
    ]),
  ];

  it('max per sub-topology, max overall (not a sum); the sub-topology that lags most drives it', () => {
    const d = timeStrategy.decide({
      metadata: meta({ timeLagThreshold: '5' }),
      latest: history[2]!,
      history,
      now: 20_000,
    });
    // words-1: record 100 appended between 10s and 20s (first of 50) → ~9.8s; repartition-0: record 0 at ~0.1s → ~19.9s.
    assert.equal(d.dominant, 'by-word');
    assert.equal(d.metricValue, 19.9);
    assert.equal(d.target, 5);
    const subs = Object.fromEntries(d.topology.subTopologies.map((s) => [s.id, s.timeLagSeconds]));
    assert.deepEqual(subs, { sources: 9.8, 'by-word': 19.9 });
    assert.match(
      d.explanation,
      /oldest unprocessed record 19\.9s old in app-by-word-repartition-0 \(sub-topology by-word\)/,
    );
  });

  it('capped at the useful maximum × timeLagThreshold', () => {
    const d = timeStrategy.decide({
      metadata: meta({ timeLagThreshold: '1' }),
      latest: history[2]!,
      history,
      now: 20_000,
    });
    assert.equal(d.metricValue, 4, '2 sub-topologies × 2 tasks = 4 replicas × 1s');
  });

  it('caught up everywhere: 0 and inactive', () => {
    const idle = [at(0, [row('words', 0, 5n, 5n)]), at(3_600_000, [row('words', 0, 5n, 5n)])];
    const d = timeStrategy.decide({ metadata: meta(), latest: idle[1]!, history: idle, now: 3_600_000 });
    assert.equal(d.metricValue, 0);
    assert.equal(d.active, false);
  });

  it('asks the poller for record timestamps', () => assert.equal(timeStrategy.needs?.recordTimestamps, true));
});
