/**
 * What the e2e run changes in deploy/examples before applying them: cluster
 * DNS names become loopback addresses, the names and KEDA's intervals are
 * the scenario's, and the result is still a valid ScaledObject whose trigger
 * is the example's in everything else.
 */
import assert from 'node:assert/strict';
import { withLocalAddresses } from './localAddresses.ts';
import { KAFKA_SERVICE, SCALER_SERVICE, scaledObjectFromExample, workloadObjects } from './examples.ts';
import { schemaValidator } from './manifests.ts';

const EXAMPLES = [
  'strategy-offset.yaml',
  'strategy-time.yaml',
  'strategy-rate.yaml',
  'streams-app-external.yaml',
  'streams-app-external-push.yaml',
  'tls/scaledobject.yaml',
];

describe('local addresses', () => {
  const addresses = new Map([
    [SCALER_SERVICE, '127.0.0.1:9999'],
    [KAFKA_SERVICE, '127.0.0.1:9092'],
  ]);
  const cases: ReadonlyArray<{ name: string; value: unknown; want: unknown }> = [
    { name: 'a whole string', value: SCALER_SERVICE, want: '127.0.0.1:9999' },
    {
      name: 'within a string (a JSON file)',
      value: `{"bootstrapServers": "${KAFKA_SERVICE}"}`,
      want: '{"bootstrapServers": "127.0.0.1:9092"}',
    },
    {
      name: 'nested in objects and lists',
      value: { a: [{ b: KAFKA_SERVICE }], n: 3 },
      want: { a: [{ b: '127.0.0.1:9092' }], n: 3 },
    },
    { name: 'other text untouched', value: 'kafka-bootstrap.other.svc:9092', want: 'kafka-bootstrap.other.svc:9092' },
    { name: 'non-strings untouched', value: [1, true, null], want: [1, true, null] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(withLocalAddresses(c.value, addresses), c.want));
});

describe('deploy/examples as the e2e run applies them', () => {
  const validator = schemaValidator();
  for (const file of EXAMPLES) {
    it(`${file}: a valid ScaledObject, the example's trigger with the scenario's names and addresses`, () => {
      const object = scaledObjectFromExample(file, {
        namespace: 'e2e',
        name: 'app',
        scalerAddress: '127.0.0.1:9999',
        kafkaBootstrap: '127.0.0.1:9092',
        metadata: { consumerGroup: 'app' },
        spec: { pollingInterval: 3 },
      });
      assert.deepEqual(validator.validate(object), []);
      const spec = object['spec'] as {
        pollingInterval: number;
        scaleTargetRef: { name: string };
        triggers: Array<{ metadata: Record<string, string> }>;
      };
      assert.equal(object.metadata.namespace, 'e2e');
      assert.equal(spec.scaleTargetRef.name, 'app');
      assert.equal(spec.pollingInterval, 3);
      const metadata = spec.triggers[0]!.metadata;
      assert.equal(metadata['scalerAddress'], '127.0.0.1:9999');
      assert.equal(metadata['consumerGroup'], 'app');
      assert.ok(!JSON.stringify(object).includes('.svc'), 'no cluster DNS name is left');
    });
  }

  it('a metadata value of undefined removes the parameter', () => {
    const object = scaledObjectFromExample('strategy-time.yaml', {
      namespace: 'e2e',
      name: 'app',
      scalerAddress: '127.0.0.1:9999',
      kafkaBootstrap: '127.0.0.1:9092',
      metadata: { topology: undefined },
    });
    const metadata = (object['spec'] as { triggers: Array<{ metadata: Record<string, string> }> }).triggers[0]!
      .metadata;
    assert.equal('topology' in metadata, false);
    assert.equal(metadata['timeLagThreshold'], '10');
  });

  it('the workload: a valid namespace and Deployment at 0 replicas', () => {
    const objects = workloadObjects('e2e', 'app');
    for (const o of objects) assert.deepEqual(validator.validate(o), []);
    assert.equal((objects[1]!['spec'] as { replicas: number }).replicas, 0);
  });
});
