import assert from 'node:assert/strict';
import { brokerProperties } from './brokerConfig.ts';

function parse(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('harness broker properties', () => {
  const n1 = { id: 1, clientPort: 41001, controllerPort: 41002 };
  const n2 = { id: 2, clientPort: 41003, controllerPort: 41004 };
  const n3 = { id: 3, clientPort: 41005, controllerPort: 41006 };

  it('a single node is its own static quorum with replication factor 1', () => {
    const props = parse(brokerProperties({ node: n1, quorum: [n1], dataDir: '/tmp/d1' }));
    assert.equal(props['controller.quorum.voters'], '1@127.0.0.1:41002');
    assert.equal(props['listeners'], 'PLAINTEXT://127.0.0.1:41001,CONTROLLER://127.0.0.1:41002');
    assert.equal(props['advertised.listeners'], 'PLAINTEXT://127.0.0.1:41001');
    assert.equal(props['offsets.topic.replication.factor'], '1');
    assert.equal(props['transaction.state.log.min.isr'], '1');
    assert.equal(props['log.dirs'], '/tmp/d1');
  });

  it('three nodes share one voter list and survive one node down (RF 3, min ISR 2)', () => {
    const props = parse(brokerProperties({ node: n2, quorum: [n1, n2, n3], dataDir: '/tmp/d2' }));
    assert.equal(props['node.id'], '2');
    assert.equal(props['controller.quorum.voters'], '1@127.0.0.1:41002,2@127.0.0.1:41004,3@127.0.0.1:41006');
    assert.equal(props['default.replication.factor'], '3');
    assert.equal(props['min.insync.replicas'], '2');
    assert.equal(props['offsets.topic.replication.factor'], '3');
  });

  it('overrides replace defaults and add keys', () => {
    const props = parse(
      brokerProperties({ node: n1, quorum: [n1], dataDir: '/d', overrides: { 'num.partitions': '6', 'x.y': 'z' } }),
    );
    assert.equal(props['num.partitions'], '6');
    assert.equal(props['x.y'], 'z');
  });

  it('never writes a value with a trailing comment (a # after a value becomes part of it)', () => {
    for (const line of brokerProperties({ node: n1, quorum: [n1, n2, n3], dataDir: '/d' })
      .trim()
      .split('\n')) {
      assert.match(line, /^[a-z0-9.-]+=[^#\s]+$/i, line);
    }
  });
});
