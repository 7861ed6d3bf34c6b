import assert from 'node:assert/strict';
import type { ConfigFiles } from '../config.ts';
import { createLogger } from '../logger.ts';
import { TRIGGER_SCHEMA } from '../model/metadata/triggerMetadata.ts';
import { type ExplainArgs, explainHelp, kebabCase, parseExplainArgs } from './explainArgs.ts';
import { type ExplainPlan, planExplain } from './explainPlan.ts';

const silent = createLogger('silent');

/** One profiles file, its secret file, and nothing else on "disk". */
const PROFILES = JSON.stringify({
  clusters: {
    prod: {
      bootstrapServers: 'kafka-0:9093,kafka-1:9093',
      tls: {},
      sasl: { mechanism: 'scram-sha-512', username: 'scaler', passwordFile: '/secrets/password' },
    },
  },
});
const DISK: Readonly<Record<string, string>> = { '/etc/clusters.json': PROFILES, '/secrets/password': 'hunter2' };
const FILES: ConfigFiles = {
  exists: (path) => path in DISK,
  read: (path) => DISK[path] ?? '',
};

function plan(argv: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return planExplain(parseExplainArgs(argv, FILES), {
    env,
    files: FILES,
    logger: silent,
    createReader: () => {
      throw new Error('planning never reads Kafka');
    },
  });
}

function planned(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ExplainPlan {
  const outcome = plan(argv, env);
  if ('problems' in outcome) assert.fail(`problems: ${outcome.problems.join(' | ')}`);
  return outcome.plan;
}

const BASE = ['--bootstrap-servers', 'kafka:9092', '--group', 'orders-app'];

describe('explain arguments: good invocations', () => {
  const cases: Array<{ name: string; argv: string[]; expected: Partial<ExplainArgs> }> = [
    {
      name: 'the two required parameters, with a space before each value',
      argv: BASE,
      expected: {
        metadata: { bootstrapServers: 'kafka:9092', consumerGroup: 'orders-app' },
        json: false,
        help: false,
        watchMs: undefined,
        intervalMs: undefined,
        clustersFile: undefined,
        logLevel: 'silent',
        problems: [],
      },
    },
    {
      name: 'values after =, KEDA names in kebab case',
      argv: ['--bootstrap-servers=a:9092,b:9092', '--consumer-group=g', '--topic=t1,t2', '--lag-threshold=100'],
      expected: {
        metadata: { bootstrapServers: 'a:9092,b:9092', consumerGroup: 'g', topic: 't1,t2', lagThreshold: '100' },
      },
    },
    {
      name: '--group and --strategy are short for --consumer-group and --lag-strategy',
      argv: ['--group', 'g', '--strategy', 'rate', '--cluster', 'prod'],
      expected: { metadata: { consumerGroup: 'g', lagStrategy: 'rate', cluster: 'prod' } },
    },
    {
      name: 'a boolean parameter alone is true; =false says otherwise',
      argv: ['--allow-idle-consumers', '--exclude-persistent-lag=false'],
      expected: { metadata: { allowIdleConsumers: 'true', excludePersistentLag: 'false' } },
    },
    {
      name: 'any parameter by its own name with --set or --metadata; the value may hold =',
      argv: ['--set', 'lagThreshold=5', '--metadata=topology=a:t1+t2', '--set', 'somethingElse=x=y'],
      expected: { metadata: { lagThreshold: '5', topology: 'a:t1+t2', somethingElse: 'x=y' } },
    },
    {
      name: "the command's own options",
      argv: [
        '--json',
        '--watch',
        '30s',
        '--interval=500ms',
        '--clusters-file',
        '/etc/clusters.json',
        '--log-level',
        'debug',
      ],
      expected: {
        metadata: {},
        json: true,
        watchMs: 30_000,
        intervalMs: 500,
        clustersFile: '/etc/clusters.json',
        logLevel: 'debug',
        problems: [],
      },
    },
    {
      name: 'a negative number is a value, not an option',
      argv: ['--activation-lag-threshold', '-1'],
      expected: { metadata: { activationLagThreshold: '-1' }, problems: [] },
    },
    {
      name: 'keys that are special to JavaScript objects are plain keys',
      argv: ['--set', '__proto__=x', '--set', 'constructor=y'],
      expected: { metadata: JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>, problems: [] },
    },
    { name: '-h', argv: ['-h'], expected: { help: true } },
    { name: '--help, whatever else is wrong', argv: ['--nonsense', '--help'], expected: { help: true } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const args = parseExplainArgs(c.argv, FILES);
      for (const [key, value] of Object.entries(c.expected)) {
        assert.deepEqual(args[key as keyof ExplainArgs], value, key);
      }
    });
  }

  it('has a flag for every trigger parameter', () => {
    for (const name of Object.keys(TRIGGER_SCHEMA)) {
      const kind = (TRIGGER_SCHEMA as Record<string, { kind: string }>)[name]!.kind;
      const args = parseExplainArgs(kind === 'bool' ? [`--${kebabCase(name)}`] : [`--${kebabCase(name)}`, '1']);
      assert.deepEqual(args.problems, [], name);
      assert.deepEqual(Object.keys(args.metadata), [name]);
    }
  });

  it('documents every trigger parameter and option in --help', () => {
    const help = explainHelp();
    for (const name of Object.keys(TRIGGER_SCHEMA)) assert.match(help, new RegExp(`--${kebabCase(name)}\\b`));
    for (const option of ['--json', '--watch', '--interval', '--clusters-file', '--set', '--log-level'])
      assert.ok(help.includes(option), option);
  });
});

describe('explain plan: what a valid invocation reads', () => {
  it('offset decides from one poll, every SCALER_POLL_INTERVAL', () => {
    const p = planned(BASE);
    assert.equal(p.watchMs, 0);
    assert.equal(p.intervalMs, 2_000);
    assert.equal(p.trigger.strategy.name, 'offset');
    assert.deepEqual(p.trigger.target, { brokers: ['kafka:9092'] });
    assert.deepEqual(p.trigger.pollerKey, { cluster: 'kafka:9092', groupId: 'orders-app', topics: undefined });
  });

  it('time and rate watch 10s by default; --watch and SCALER_POLL_INTERVAL change it', () => {
    assert.equal(planned([...BASE, '--strategy', 'time']).watchMs, 10_000);
    assert.equal(planned([...BASE, '--strategy', 'rate']).watchMs, 10_000);
    const p = planned([...BASE, '--strategy', 'rate', '--watch', '1m'], { SCALER_POLL_INTERVAL: '5s' });
    assert.equal(p.watchMs, 60_000);
    assert.equal(p.intervalMs, 5_000);
    assert.equal(planned([...BASE, '--interval', '250ms'], { SCALER_POLL_INTERVAL: '5s' }).intervalMs, 250);
  });

  it('resolves a cluster profile as the server does: by name, or by its servers', () => {
    const byName = planned(['--cluster', 'prod', '--group', 'g', '--clusters-file', '/etc/clusters.json']);
    assert.equal(byName.trigger.target.profile?.name, 'prod');
    assert.deepEqual(byName.trigger.target.brokers, ['kafka-0:9093', 'kafka-1:9093']);
    assert.equal(byName.trigger.pollerKey.cluster, 'profile:prod');
    const byServers = planned(['--bootstrap-servers', 'kafka-1:9093', '--group', 'g'], {
      SCALER_CLUSTERS_FILE: '/etc/clusters.json',
    });
    assert.equal(byServers.trigger.target.profile?.name, 'prod');
  });
});

describe('explain arguments: every problem at once, exactly', () => {
  const cases: Array<{ name: string; argv: string[]; env?: NodeJS.ProcessEnv; problems: string[] }> = [
    {
      name: 'an unknown option, and a parameter spelt as in a ScaledObject',
      argv: [...BASE, '--colour', '--toString', '--lagThreshold', '5'],
      problems: [
        'unknown option --colour',
        'unknown option --toString',
        'unknown option --lagThreshold (the parameter lagThreshold is --lag-threshold)',
        'unexpected argument "5"',
      ],
    },
    {
      name: 'a stray argument and a short option',
      argv: [...BASE, 'orders', '-v'],
      problems: ['unexpected argument "orders"', 'unknown option -v'],
    },
    {
      name: 'options without their values',
      argv: ['--group', '--bootstrap-servers', 'kafka:9092', '--topic'],
      problems: [
        'option --group needs a value',
        'option --topic needs a value',
        'missing required parameter "consumerGroup"',
      ],
    },
    {
      name: 'a switch given a value, and malformed --set pairs',
      argv: [...BASE, '--json=yes', '--set', 'lagThreshold', '--metadata', '=5'],
      problems: [
        'option --json takes no value',
        'option --set value "lagThreshold" must be KEY=VALUE, e.g. lagThreshold=100',
        'option --metadata value "=5" must be KEY=VALUE, e.g. lagThreshold=100',
      ],
    },
    {
      name: 'a parameter set twice, and an option given twice',
      argv: [
        ...BASE,
        '--lag-threshold',
        '5',
        '--set',
        'lagThreshold=6',
        '--group',
        'other',
        '--watch',
        '1s',
        '--watch',
        '2s',
      ],
      problems: [
        'parameter "lagThreshold" is set twice: by --lag-threshold and by --set lagThreshold',
        'parameter "consumerGroup" is set twice by --group',
        'option --watch is given more than once',
      ],
    },
    {
      name: 'durations and a log level that are not',
      argv: [...BASE, '--watch', 'soon', '--interval', '10ms', '--log-level', 'chatty'],
      problems: [
        `unable to parse duration value "soon" for "--watch": must be either a duration string (e.g. '30s', '5m') or a number of milliseconds`,
        'option --interval value "10ms" must be at least 100ms',
        'option --log-level value "chatty" must be one of [fatal error warn info debug trace silent]',
      ],
    },
    {
      name: 'own options given blank values',
      argv: [...BASE, '--interval', '', '--watch=', '--log-level', ' '],
      problems: ['option --interval needs a value', 'option --watch needs a value', 'option --log-level needs a value'],
    },
    {
      // Arguments 1001 to 1004 are wrong, and not reported: they are not read.
      name: 'more arguments than are read',
      argv: [...BASE, ...Array.from({ length: 996 }, () => '--json'), '--colour', 'stray', '--json=yes', '--watch'],
      problems: ['1004 arguments; at most 1000 are read'],
    },
    {
      name: 'no arguments at all',
      argv: [],
      problems: ['missing required parameter "bootstrapServers"', 'missing required parameter "consumerGroup"'],
    },
    {
      name: 'trigger metadata the scaler would refuse, in its words',
      argv: [
        '--bootstrap-servers',
        'kafka',
        '--group',
        'g',
        '--lag-threshold',
        'ten',
        '--strategy',
        'fastest',
        '--stall-window',
        '1s',
        '--allow-idle-consumers',
        '--limit-to-partitions-with-lag',
      ],
      problems: [
        'parameter "bootstrapServers" value "kafka" must be a comma-separated list of host:port addresses, e.g. "kafka-0:9092,kafka-1:9092"',
        'parameter "lagThreshold" value "ten" must be an integer',
        'parameter "lagStrategy" value "fastest" must be one of [offset time rate]',
        'parameter "stallWindow" value "1s" must be at least 10s',
        'allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously',
        'topic must be specified when using limitToPartitionsWithLag',
      ],
    },
    {
      name: 'a cluster profile named while none are configured',
      argv: ['--cluster', 'prod', '--group', 'g'],
      problems: [
        'parameter "cluster" value "prod" names a cluster profile, but none are configured (SCALER_CLUSTERS_FILE)',
      ],
    },
    {
      name: 'a profile that does not exist',
      argv: ['--cluster', 'staging', '--group', 'g', '--clusters-file', '/etc/clusters.json'],
      problems: ['parameter "cluster" value "staging" must be one of [prod]'],
    },
    {
      name: 'servers outside every profile: the allowlist',
      argv: BASE,
      env: { SCALER_CLUSTERS_FILE: '/etc/clusters.json' },
      problems: [
        'bootstrapServers "kafka:9092" belong to no configured cluster profile; this scaler connects only to the clusters of SCALER_CLUSTERS_FILE: [prod] (name one with "cluster")',
      ],
    },
    {
      name: 'a clusters file that is not there',
      argv: [...BASE, '--clusters-file', '/etc/nowhere.json'],
      problems: ['option --clusters-file value "/etc/nowhere.json" names no file that exists and can be read'],
    },
    {
      name: 'a clusters file with a long name: shortened, as every value',
      argv: [...BASE, '--clusters-file', `/${'d'.repeat(199)}`],
      problems: [
        `option --clusters-file value "/${'d'.repeat(63)}…(200 characters)" names no file that exists and can be read`,
      ],
    },
    {
      name: 'the server configuration, checked as the server checks it; the metadata still is',
      argv: ['--group', 'g', '--lag-threshold', '0'],
      env: { SCALER_HISTORY: 'forever', SCALER_POLL_INTERVALL: '1s' },
      problems: [
        `unable to parse duration value "forever" for "SCALER_HISTORY": must be either a duration string (e.g. '30s', '5m') or a number of milliseconds`,
        'unknown variable SCALER_POLL_INTERVALL; known: SCALER_HOST, SCALER_GRPC_PORT, SCALER_HTTP_PORT, SCALER_POLL_INTERVAL, SCALER_MAX_STALENESS, SCALER_KAFKA_TIMEOUT, SCALER_POLLER_IDLE_TIMEOUT, SCALER_HISTORY, SCALER_FIRST_POLL_WAIT, SCALER_MAX_POLLERS, SCALER_MAX_TRIGGERS, SCALER_MAX_STREAMS, SCALER_MAX_CLUSTERS, SCALER_SHUTDOWN_TIMEOUT, SCALER_LOG_LEVEL, SCALER_CLUSTERS_FILE, SCALER_TLS_CERT_FILE, SCALER_TLS_KEY_FILE, SCALER_TLS_CLIENT_CA_FILE',
        'missing required parameter "bootstrapServers"',
        'parameter "lagThreshold" value "0" must be greater than 0',
      ],
    },
    {
      name: 'a watch longer than the history the poller keeps, and windows longer too',
      argv: [...BASE, '--watch', '20m', '--stall-window', '30m'],
      env: { SCALER_HISTORY: '15m' },
      problems: [
        'parameter "stallWindow" value "30m" must be at most 15m (SCALER_HISTORY)',
        'option --watch value "20m" must be at most 15m (SCALER_HISTORY)',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const outcome = plan(c.argv, c.env);
      assert.ok('problems' in outcome, 'a plan was made');
      assert.deepEqual(outcome.problems, c.problems);
    });
  }
});
