import assert from 'node:assert/strict';
import { clusterKey, clusterTargetKey } from './clusterTarget.ts';

describe('cluster target', () => {
  it('normalises bootstrap servers into one cluster key', () => {
    assert.equal(clusterKey(['K1:9092', ' k0:9092', 'k1:9092']), 'k0:9092,k1:9092');
  });

  it('a target with a profile is keyed by the profile, without one by its servers', () => {
    assert.equal(clusterTargetKey({ brokers: ['k1:9092', 'k0:9092'] }), 'k0:9092,k1:9092');
    assert.equal(
      clusterTargetKey({ brokers: ['k0:9092'], profile: { name: 'prod', bootstrapServers: ['k0:9092'] } }),
      'profile:prod',
    );
  });
});
