/**
 * The explain command end to end over an in-memory Kafka, with a clock and
 * sleeps the test moves: exit statuses, what goes to stdout and stderr, the
 * watch loop, and that the decision is the one the scaler's own code makes.
 */
import assert from 'node:assert/strict';
import type { ConfigFiles } from '../config.ts';
import { MemoryKafka } from '../kafka/memoryKafka.ts';
import { type CommandIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE, explainCommand, usageError } from './explainCommand.ts';

const PROFILES = JSON.stringify({
  clusters: {
    prod: {
      bootstrapServers: 'kafka-0:9093',
      sasl: { mechanism: 'scram-sha-512', username: 'scaler-user', passwordFile: '/secrets/kafka-password' },
    },
  },
});
const DISK: Readonly<Record<string, string>> = {
  '/etc/clusters.json': PROFILES,
  '/secrets/kafka-password': 'hunter2',
};
const FILES: ConfigFiles = { exists: (path) => path in DISK, read: (path) => DISK[path] ?? '' };

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A Kafka in memory, a clock that sleeps move, and what a sleep may do to Kafka meanwhile. */
function setup() {
  const clock = { now: 1_700_000_000_000 };
  const kafka = new MemoryKafka('kafka:9092', () => clock.now);
  const sleeps: number[] = [];
  let onSleep: (n: number) => void = () => {};
  const run = async (argv: readonly string[], options: Partial<CommandIo> = {}): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await explainCommand(argv, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: {},
      files: FILES,
      createReader: () => kafka,
      run: {
        now: () => clock.now,
        sleep: (ms) => {
          sleeps.push(ms);
          clock.now += ms;
          onSleep(sleeps.length);
          return Promise.resolve();
        },
      },
      ...options,
    });
    return { code, stdout, stderr };
  };
  return {
    clock,
    kafka,
    sleeps,
    run,
    duringSleep: (f: (n: number) => void) => (onSleep = f),
  };
}

const ORDERS = ['--bootstrap-servers', 'kafka:9092', '--group', 'orders-app', '--topic', 'orders'];

describe('explain command', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });

  it('offset: one poll, the partitions and the decision the scaler makes', async () => {
    env.kafka.createTopic('orders', 3).produce('orders', 0, 12).produce('orders', 1, 3).produce('orders', 2, 10);
    env.kafka.commit('orders-app', 'orders', 0, 5).commit('orders-app', 'orders', 2, 10);
    const { code, stdout, stderr } = await env.run([...ORDERS, '--json']);
    assert.equal(stderr, '');
    assert.equal(code, EXIT_OK);
    assert.deepEqual(env.sleeps, [], 'no watch for offset');
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(
      (doc['partitions'] as Array<Record<string, unknown>>).map((p) => [
        p['partition'],
        p['committed'],
        p['end'],
        p['lag'],
        p['note'],
      ]),
      [
        [0, '5', '12', '7', null],
        [1, null, '3', '1', 'uncommitted'],
        [2, '10', '10', '0', null],
      ],
    );
    assert.deepEqual(doc['decision'], {
      metricValue: 8,
      target: 10,
      recommendedReplicas: 1,
      active: true,
      explanation: 'lag 8 on 3 partition(s); 1 without a committed offset; metric 8 for target 10; active: 8 > 0',
      held: null,
      heldAtLeast: null,
      dominant: null,
      stalledPartitions: [],
    });
    assert.deepEqual(doc['history'], {
      polls: 1,
      spanSeconds: 0,
      watchSeconds: 0,
      intervalSeconds: 2,
      interrupted: false,
      shorterThan: [],
    });
    assert.match(String(doc['metricName']), /^kstreams-offset-orders-app-orders-[0-9a-f]{8}$/);
  });

  it('rate: polls for the watch, every interval, and decides on what it saw', async () => {
    env.kafka.createTopic('orders', 2).commit('orders-app', 'orders', 0, 0).commit('orders-app', 'orders', 1, 0);
    env.kafka.setGroup('orders-app', {
      state: 'Stable',
      members: [{ memberId: 'm1', clientId: 'orders-app-7f3a-StreamThread-1-consumer' }],
    });
    // 50 records per partition arrive between polls (2 s apart): 50/s in all.
    env.duringSleep(() => env.kafka.produce('orders', 0, 50).produce('orders', 1, 50));
    const { code, stdout, stderr } = await env.run([
      ...ORDERS,
      '--strategy',
      'rate',
      '--replica-throughput',
      '20',
      '--watch',
      '6s',
      '--json',
    ]);
    assert.equal(stderr, '');
    assert.equal(code, EXIT_OK);
    assert.deepEqual(env.sleeps, [2_000, 2_000, 2_000]);
    const doc = JSON.parse(stdout) as {
      history: Record<string, unknown>;
      figures: Record<string, unknown>;
      decision: Record<string, unknown>;
      topology: { subTopologies: Array<Record<string, unknown>> };
    };
    assert.deepEqual(doc.history, {
      polls: 4,
      spanSeconds: 6,
      watchSeconds: 6,
      intervalSeconds: 2,
      interrupted: false,
      shorterThan: [
        { parameter: 'stallWindow', seconds: 120, effect: 'no partition can show as stalled' },
        {
          parameter: 'rebalanceCooldown',
          seconds: 60,
          effect: 'a member change before the first poll is not seen, so no rebalance hold follows from it',
        },
        { parameter: 'rateWindow', seconds: 60, effect: 'arrival rates cover only 6s' },
        {
          parameter: 'scaleDownDelay',
          seconds: 300,
          effect: 'higher counts recommended before the first poll cannot hold a lower one back',
        },
      ],
    });
    assert.equal(doc.figures['lag'], '300');
    assert.equal(doc.figures['arrivalRate'], 50);
    assert.equal(doc.topology.subTopologies[0]!['arrivalRate'], 50);
    // 50/s / 0.7 + 300 / 300s = 72.4/s of capacity at 20/s per replica: 4, at most the 2 tasks.
    assert.equal(doc.topology.subTopologies[0]!['replicas'], 4);
    assert.equal(doc.decision['metricValue'], 2);
    assert.match(String(doc.decision['explanation']), /capped at the useful max 2/);
  });

  it('ends the watch early when told to, and decides on the polls so far', async () => {
    env.kafka.createTopic('orders', 1).commit('orders-app', 'orders', 0, 0);
    const interrupt = new AbortController();
    const { code, stdout } = await env.run([...ORDERS, '--watch', '1m', '--interval', '10s'], {
      run: {
        now: () => env.clock.now,
        sleep: (ms) => {
          env.sleeps.push(ms);
          env.clock.now += ms;
          if (env.sleeps.length === 2) interrupt.abort();
          return Promise.resolve();
        },
        signal: interrupt.signal,
      },
    });
    assert.equal(code, EXIT_OK);
    assert.match(stdout, /^History: {9}2 polls over 10s, every 10s \(stopped early; --watch was 1m\)$/m);
  });

  it('says so when a group without topics has committed nothing (a misspelt group, most likely)', async () => {
    env.kafka.createTopic('orders', 1).produce('orders', 0, 5);
    const { code, stdout } = await env.run(['--bootstrap-servers', 'kafka:9092', '--group', 'order-app']);
    assert.equal(code, EXIT_OK);
    assert.match(stdout, /^Topics: {10}every topic the group has committed offsets for$/m);
    assert.match(stdout, /^Partitions:\n {2}none$/m);
    assert.match(stdout, /^ {2}the group has committed no offsets, so no topic counts: check the group name/m);
  });

  it('Kafka that cannot be read: one line naming the cluster and why, exit 1, nothing on stdout', async () => {
    env.kafka.failWith('unavailable', 'Connection error: connect ECONNREFUSED 10.0.0.1:9092');
    const { code, stdout, stderr } = await env.run(ORDERS);
    assert.equal(code, EXIT_FAILED);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      'kstreams-scaler explain: kafka cluster kafka:9092: Connection error: connect ECONNREFUSED 10.0.0.1:9092\n',
    );
  });

  it('a poll that fails during the watch fails the run: no decision from older data', async () => {
    env.kafka.createTopic('orders', 1).commit('orders-app', 'orders', 0, 0);
    env.duringSleep((n) => {
      if (n === 2) env.kafka.failWith('unavailable', 'Request timed out');
    });
    const { code, stdout, stderr } = await env.run([...ORDERS, '--watch', '10s']);
    assert.equal(code, EXIT_FAILED);
    assert.equal(stdout, '');
    assert.equal(stderr, 'kstreams-scaler explain: kafka cluster kafka:9092: Request timed out\n');
  });

  it('a topic that does not exist: a configuration error, exit 2', async () => {
    const { code, stderr } = await env.run(ORDERS);
    assert.equal(code, EXIT_USAGE);
    assert.equal(stderr, 'kstreams-scaler explain: kafka cluster kafka:9092: topic "orders" does not exist\n');
  });

  it('a topology naming an internal topic as Topology#describe() prints it: exit 2, with the real name to give', async () => {
    env.kafka.createTopic('orders', 1).createTopic('orders-app-by-id-repartition', 1);
    const { code, stderr } = await env.run([
      '--bootstrap-servers',
      'kafka:9092',
      '--group',
      'orders-app',
      '--set',
      'topology=source:orders;by-id:by-id-repartition',
    ]);
    assert.equal(code, EXIT_USAGE);
    assert.match(stderr, /topic "by-id-repartition" does not exist; the topology parameter names it/);
    assert.match(
      stderr,
      /"orders-app-<name>-repartition" for an internal topic that Topology#describe\(\) prints as "<name>-repartition"/,
    );
  });

  it('bad arguments: every problem, the usage line, exit 2, and Kafka never asked', async () => {
    const { code, stdout, stderr } = await env.run([
      '--group',
      'orders-app',
      '--lag-threshold',
      '0',
      '--watch',
      'later',
    ]);
    assert.equal(code, EXIT_USAGE);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      [
        'kstreams-scaler explain: 3 problems:',
        `  - unable to parse duration value "later" for "--watch": must be either a duration string (e.g. '30s', '5m') or a number of milliseconds`,
        '  - missing required parameter "bootstrapServers"',
        '  - parameter "lagThreshold" value "0" must be greater than 0',
        'usage: kstreams-scaler explain (--bootstrap-servers HOST:PORT[,HOST:PORT] | --cluster NAME) --group GROUP [--topic TOPIC[,TOPIC]] [--strategy NAME] [--watch DURATION] [--json] [--set KEY=VALUE]...',
        '(kstreams-scaler explain --help lists every option)',
        '',
      ].join('\n'),
    );
    assert.deepEqual(env.kafka.requests, []);
    assert.equal(usageError(['x']).split('\n')[0], 'kstreams-scaler explain: 1 problem:');
  });

  it('--help: the help on stdout, exit 0', async () => {
    const { code, stdout, stderr } = await env.run(['--help']);
    assert.equal(code, EXIT_OK);
    assert.equal(stderr, '');
    assert.match(stdout, /^usage: kstreams-scaler explain /);
  });

  it('names the cluster profile, never its credentials', async () => {
    env.kafka.createTopic('orders', 1).produce('orders', 0, 4).commit('orders-app', 'orders', 0, 1);
    for (const format of [[], ['--json']]) {
      const { code, stdout, stderr } = await env.run([
        '--cluster',
        'prod',
        '--group',
        'orders-app',
        '--topic',
        'orders',
        '--clusters-file',
        '/etc/clusters.json',
        '--log-level',
        'debug',
        ...format,
      ]);
      assert.equal(code, EXIT_OK, stderr);
      assert.ok(stdout.includes('prod'), stdout);
      assert.ok(stderr.length > 0, 'debug logs go to stderr');
      for (const secret of ['hunter2', 'scaler-user', '/secrets/kafka-password']) {
        assert.ok(!stdout.includes(secret) && !stderr.includes(secret), `${secret} printed`);
      }
    }
  });
});
