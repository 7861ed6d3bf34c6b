import assert from 'node:assert/strict';
import { metadataHash, metricName, sanitizeMetricPart } from './metricName.ts';
import { parseTrigger } from './trigger.ts';

describe('metric names', () => {
  const cases = [
    { name: 'upper case and dots', input: 'Orders.V2', want: 'orders-v2' },
    { name: 'runs of symbols become one dash', input: 'a__b//c', want: 'a-b-c' },
    { name: 'leading and trailing symbols go', input: '-_x_-', want: 'x' },
  ];
  for (const c of cases) {
    it(`sanitises ${c.name}`, () => assert.equal(sanitizeMetricPart(c.input), c.want));
  }

  it('names strategy, group and topics, then the hash', () => {
    assert.equal(
      metricName({
        strategy: 'offset',
        groupId: 'word-count',
        topics: ['words', 'word-count-by-word-repartition'],
        hash: 'abcd1234',
      }),
      'kstreams-offset-word-count-words-word-count-by-word-repartition-abcd1234',
    );
    assert.equal(
      metricName({ strategy: 'offset', groupId: 'g', topics: [], hash: '00000000' }),
      'kstreams-offset-g-all-topics-00000000',
    );
  });

  it('stays short and valid for very long names', () => {
    const name = metricName({
      strategy: 'offset',
      groupId: 'g'.repeat(300),
      topics: ['t'.repeat(300)],
      hash: 'abcd1234',
    });
    assert.ok(name.length <= 89, name);
    assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('the hash ignores key order and KEDA keys, and changes with any other key', () => {
    const ignored = new Set(['scalerAddress']);
    const a = metadataHash({ consumerGroup: 'g', topic: 't', scalerAddress: 'x:1' }, ignored);
    const b = metadataHash({ topic: 't', consumerGroup: 'g', scalerAddress: 'y:2' }, ignored);
    const c = metadataHash({ topic: 't', consumerGroup: 'g', lagThreshold: '5' }, ignored);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('two triggers of one ScaledObject on the same group and topic get different names', () => {
    const ref = (meta: Record<string, string>) => ({
      name: 'so',
      namespace: 'ns',
      scalerMetadata: { bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 't', ...meta },
    });
    const first = parseTrigger(ref({ lagThreshold: '10' })).metricName;
    const second = parseTrigger(ref({ lagThreshold: '10', activationLagThreshold: '5' })).metricName;
    assert.notEqual(first, second);
    assert.equal(parseTrigger(ref({ lagThreshold: '10' })).metricName, first, 'stable for the same trigger');
  });
});
