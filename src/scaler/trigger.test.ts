import assert from 'node:assert/strict';
import type { PollerNeeds } from '../poller/poller.ts';
import { parseTrigger } from './trigger.ts';

function needs(metadata: Record<string, string>): PollerNeeds {
  return parseTrigger({
    name: 'so',
    namespace: 'ns',
    scalerMetadata: { bootstrapServers: 'k:9092', consumerGroup: 'app', ...metadata },
  }).pollerNeeds;
}

describe('trigger: what its poller keeps for it', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly metadata: Record<string, string>;
    readonly expect: PollerNeeds;
  }> = [
    {
      name: 'offset, defaults: stallWindow 2m from as far back as a hold reaches (10 × rebalanceCooldown 1m)',
      metadata: {},
      expect: { everyPollWithinMs: 120_000 + 600_000 },
    },
    {
      name: 'offset without rebalance holds and a short stallWindow: rateWindow (the figures) is the longest',
      metadata: { rebalanceCooldown: '0', stallWindow: '30s' },
      expect: { everyPollWithinMs: 60_000 },
    },
    {
      name: 'offset with excludePersistentLag: its window counts',
      metadata: { rebalanceCooldown: '0', excludePersistentLag: 'true', persistentLagWindow: '5m' },
      expect: { everyPollWithinMs: 300_000 },
    },
    {
      name: 'time: record timestamps, every poll of the history',
      metadata: { lagStrategy: 'time' },
      expect: { recordTimestamps: true },
    },
    { name: 'rate: every poll of the history (it learns from it)', metadata: { lagStrategy: 'rate' }, expect: {} },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(needs(c.metadata), c.expect);
    });
  }
});
