import assert from 'node:assert/strict';
import { brokerProperties, listenersProblem } from './brokerConfig.ts';

function parse(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** A value as java.util.Properties reads it back (the escapes brokerProperties writes). */
function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
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

  it('4.x brokers get short consumer and streams group timings; 3.x brokers do not', () => {
    const four = parse(brokerProperties({ node: n1, quorum: [n1], dataDir: '/d' }));
    assert.equal(four['group.streams.initial.rebalance.delay.ms'], '0');
    assert.equal(four['group.streams.heartbeat.interval.ms'], '1000');
    assert.equal(four['group.streams.min.heartbeat.interval.ms'], '1000');
    assert.equal(four['group.consumer.session.timeout.ms'], '10000');
    assert.equal(four['group.consumer.min.session.timeout.ms'], '6000');
    const three = parse(brokerProperties({ node: n1, quorum: [n1], dataDir: '/d', major: 3 }));
    assert.deepEqual(
      Object.keys(three).filter((key) => key.startsWith('group.consumer.') || key.startsWith('group.streams.')),
      [],
    );
  });

  it('overrides replace defaults and add keys', () => {
    const props = parse(
      brokerProperties({ node: n1, quorum: [n1], dataDir: '/d', overrides: { 'num.partitions': '6', 'x.y': 'z' } }),
    );
    assert.equal(props['num.partitions'], '6');
    assert.equal(props['x.y'], 'z');
  });

  it('extra listeners get their own ports, are advertised and mapped to their protocols; brokers keep PLAINTEXT', () => {
    const node = { ...n1, listenerPorts: { SCRAM: 41011, MTLS: 41012 } };
    const props = parse(
      brokerProperties({
        node,
        quorum: [node],
        dataDir: '/d',
        listeners: [
          { name: 'SCRAM', protocol: 'SASL_PLAINTEXT' },
          { name: 'MTLS', protocol: 'SSL' },
        ],
      }),
    );
    assert.equal(
      props['listeners'],
      'PLAINTEXT://127.0.0.1:41001,CONTROLLER://127.0.0.1:41002,SCRAM://127.0.0.1:41011,MTLS://127.0.0.1:41012',
    );
    assert.equal(
      props['advertised.listeners'],
      'PLAINTEXT://127.0.0.1:41001,SCRAM://127.0.0.1:41011,MTLS://127.0.0.1:41012',
    );
    assert.equal(
      props['listener.security.protocol.map'],
      'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SCRAM:SASL_PLAINTEXT,MTLS:SSL',
    );
    assert.equal(props['inter.broker.listener.name'], 'PLAINTEXT');
    assert.equal(props['controller.listener.names'], 'CONTROLLER');
  });

  it('a listener without a port is a harness error naming it', () => {
    assert.throws(
      () => brokerProperties({ node: n1, quorum: [n1], dataDir: '/d', listeners: [{ name: 'TLS', protocol: 'SSL' }] }),
      { name: 'HarnessError', message: 'kafka harness: node 1 has no port for listener TLS' },
    );
  });

  it('multi-line values (PEM) stay on one line and read back unchanged', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\\x\r\n-----END CERTIFICATE-----';
    const text = brokerProperties({ node: n1, quorum: [n1], dataDir: '/d', overrides: { 'ssl.cert': pem } });
    const line = text.split('\n').find((l) => l.startsWith('ssl.cert='))!;
    assert.equal(unescape(line.slice('ssl.cert='.length)), pem);
  });

  it('never writes a value with a trailing comment (a # after a value becomes part of it)', () => {
    for (const line of brokerProperties({ node: n1, quorum: [n1, n2, n3], dataDir: '/d' })
      .trim()
      .split('\n')) {
      assert.match(line, /^[a-z0-9.-]+=[^#\s]+$/i, line);
    }
  });
});

describe('harness listener names', () => {
  const cases: Array<{ name: string; listeners: Parameters<typeof listenersProblem>[0]; problem: string | undefined }> =
    [
      {
        name: 'distinct upper-case names are fine',
        listeners: [{ name: 'SASL_1', protocol: 'SASL_SSL' }],
        problem: undefined,
      },
      {
        name: 'lower case is refused',
        listeners: [{ name: 'sasl', protocol: 'SASL_SSL' }],
        problem: 'listener name "sasl" must be upper-case letters, digits and underscores',
      },
      {
        name: "the harness's own names are refused",
        listeners: [{ name: 'CONTROLLER', protocol: 'PLAINTEXT' }],
        problem: 'listener name "CONTROLLER" is the harness\'s own; pick another',
      },
      {
        name: 'a name used twice is refused',
        listeners: [
          { name: 'TLS', protocol: 'SSL' },
          { name: 'TLS', protocol: 'SASL_SSL' },
        ],
        problem: 'listener name "TLS" is used twice',
      },
      {
        name: 'an unknown protocol is refused',
        listeners: [{ name: 'X', protocol: 'GSS' as 'SSL' }],
        problem: 'listener X: protocol "GSS" must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
      },
    ];
  for (const c of cases) {
    it(c.name, () => assert.equal(listenersProblem(c.listeners), c.problem));
  }
});
