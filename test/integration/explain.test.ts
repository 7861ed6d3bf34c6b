/**
 * `kstreams-scaler explain` as an operator runs it: the command
 * (bin/kstreams-scaler.js) in its own process against the real broker, with
 * a topic, records and committed offsets that give an exact, known lag. Also
 * a broker that is not there (exit 1, one line) and bad arguments (exit 2,
 * every problem).
 */
import assert from 'node:assert/strict';
import { freePorts } from '../../tools/kafka/ports.ts';
import {
  commitOffsets,
  createTopic,
  produceToPartitions,
  testBootstrap,
  testKafkaClient,
  uniqueName,
} from '../support/kafka.ts';
import { ExplainCommand, type ExplainOutcome as Outcome } from '../support/explainCommand.ts';

describe('the explain command, against a real broker', function () {
  this.timeout(60_000);
  const command = new ExplainCommand();
  let topic: string;
  let groupId: string;

  const explain = (args: readonly string[]): Promise<Outcome> => command.run(args);

  /** The command for the test's group and topic on `servers`, with `extra` arguments. */
  function explainGroup(servers: string, ...extra: string[]): Promise<Outcome> {
    return explain(['--bootstrap-servers', servers, '--group', groupId, '--topic', topic, ...extra]);
  }

  before(async () => {
    topic = uniqueName('explain');
    groupId = uniqueName('explain-app');
    const kafka = testKafkaClient();
    const admin = kafka.admin();
    const producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      await createTopic(admin, topic, 3);
      await produceToPartitions(producer, topic, { 0: 12, 1: 3, 2: 10 });
    } finally {
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
    // Partition 1 has nothing committed: it counts 1 (offsetResetPolicy latest), as in KEDA.
    await commitOffsets(groupId, topic, { 0: 5, 2: 10 });
  });

  afterEach(() => command.killAll());

  it('--json: the partition rows, the topology and the decision with its explanation', async () => {
    const { code, stdout, stderr } = await explainGroup(testBootstrap(), '--json');
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(doc['consumerGroup'], groupId);
    assert.deepEqual(doc['cluster'], { bootstrapServers: [testBootstrap()], profile: null });
    assert.equal(doc['strategy'], 'offset');
    assert.deepEqual(doc['group'], {
      state: 'Empty',
      members: 0,
      instances: null,
      protocol: 'classic',
      reconciling: false,
    });
    const row = { role: 'source', subTopology: 'sources', stalled: false, timeLagSeconds: null };
    assert.deepEqual(doc['partitions'], [
      { topic, partition: 0, committed: '5', end: '12', lag: '7', activationLag: '7', note: null, ...row },
      { topic, partition: 1, committed: null, end: '3', lag: '1', activationLag: '1', note: 'uncommitted', ...row },
      { topic, partition: 2, committed: '10', end: '10', lag: '0', activationLag: '0', note: null, ...row },
    ]);
    assert.deepEqual(doc['topology'], {
      source: 'derived',
      notes: [],
      usefulMax: 3,
      streamThreads: 1,
      subTopologies: [{ id: 'sources', inputs: [topic], tasks: 3, lag: '8' }],
    });
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
  });

  it('text: the same, as tables', async () => {
    const { code, stdout, stderr } = await explainGroup(testBootstrap(), '--lag-threshold', '3');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^ {2}TOPIC +PARTITION +COMMITTED +END +LAG +NOTE +ROLE +SUB-TOPOLOGY +STALLED$/m);
    assert.match(stdout, new RegExp(`^ {2}${topic} +0 +5 +12 +7 +- +source +sources +no$`, 'm'));
    assert.match(stdout, new RegExp(`^ {2}${topic} +1 +- +3 +1 +uncommitted +source +sources +no$`, 'm'));
    assert.match(stdout, new RegExp(`^ {2}${topic} +2 +10 +10 +0 +- +source +sources +no$`, 'm'));
    assert.match(stdout, /^ {2}recommended replicas +3 = ceil\(8 \/ 3\)$/m);
    assert.match(
      stdout,
      /^ {2}explanation +lag 8 on 3 partition\(s\); 1 without a committed offset; metric 8 for target 3; active: 8 > 0$/m,
    );
  });

  it('time: watches, and dates the oldest unprocessed record', async () => {
    const { code, stdout, stderr } = await explainGroup(
      testBootstrap(),
      '--strategy',
      'time',
      '--watch',
      '2s',
      '--interval',
      '1s',
      '--json',
    );
    assert.equal(code, 0, stderr);
    const doc = JSON.parse(stdout) as {
      history: { polls: number; spanSeconds: number };
      partitions: Array<{ partition: number; timeLagSeconds: number | null }>;
      decision: { explanation: string; target: number };
    };
    // Polls every second for two seconds; a slow poll on a loaded machine may take the place of the next.
    assert.ok(doc.history.polls >= 2 && doc.history.polls <= 3, `${doc.history.polls} polls`);
    assert.ok(doc.history.spanSeconds >= 1, `${doc.history.spanSeconds} s of history`);
    assert.ok((doc.partitions[0]!.timeLagSeconds ?? -1) > 0, 'partition 0 waits with records produced before');
    assert.equal(doc.partitions[2]!.timeLagSeconds, 0, 'partition 2 has caught up');
    assert.equal(doc.decision.target, 60);
    assert.match(doc.decision.explanation, new RegExp(`^oldest unprocessed record [\\d.]+s old in ${topic}-0 `));
  });

  it('a broker that is not there: exit 1 and one line naming it, never a value', async () => {
    const [port] = await freePorts(1);
    const address = `127.0.0.1:${port}`;
    const { code, stdout, stderr } = await explainGroup(address);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      `kstreams-scaler explain: kafka cluster ${address}: Connection error: connect ECONNREFUSED ${address}\n`,
    );
  });

  it('bad arguments: exit 2, every problem listed with the usage line', async () => {
    const { code, stdout, stderr } = await explain([
      '--group',
      groupId,
      '--strategy',
      'fastest',
      '--watch',
      'a while',
      '--verbose',
    ]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      [
        'kstreams-scaler explain: 4 problems:',
        '  - unknown option --verbose',
        `  - unable to parse duration value "a while" for "--watch": must be either a duration string (e.g. '30s', '5m') or a number of milliseconds`,
        '  - missing required parameter "bootstrapServers"',
        '  - parameter "lagStrategy" value "fastest" must be one of [offset time rate]',
        'usage: kstreams-scaler explain (--bootstrap-servers HOST:PORT[,HOST:PORT] | --cluster NAME) --group GROUP [--topic TOPIC[,TOPIC]] [--strategy NAME] [--watch DURATION] [--json] [--set KEY=VALUE]...',
        '(kstreams-scaler explain --help lists every option)',
        '',
      ].join('\n'),
    );
  });
});
