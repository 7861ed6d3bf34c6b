import assert from 'node:assert/strict';
import type { ClusterProfile } from '../clusterProfiles.ts';
import type { ScalerError } from '../errors.ts';
import { MemoryKafka } from '../kafka/memoryKafka.ts';
import { strategyByName } from '../lag/registry.ts';
import type { LagStrategy } from '../lag/strategy.ts';
import { createLogger } from '../logger.ts';
import { PollerRegistry } from '../poller/pollerRegistry.ts';
import type { ClusterTarget } from '../kafka/clusterTarget.ts';
import { ScalerService } from './scalerService.ts';

const silent = createLogger('silent');
const CONFIG = {
  pollIntervalMs: 60_000,
  kafkaTimeoutMs: 1_000,
  historyMs: 600_000,
  pollerIdleTimeoutMs: 600_000,
  maxStalenessMs: 30_000,
  firstPollWaitMs: 50,
};

/** A scaler over one MemoryKafka with a hand-moved clock; polls happen only when the test says so. */
function setup() {
  const kafka = new MemoryKafka('kafka:9092');
  const clock = { now: 1_000_000 };
  const registry = new PollerRegistry({
    config: CONFIG,
    createReader: () => kafka,
    logger: silent,
    now: () => clock.now,
    polling: 'manual',
  });
  const service = new ScalerService({ registry, config: CONFIG, logger: silent, now: () => clock.now });
  const ref = (metadata: Record<string, string> = {}) => ({
    name: 'app',
    namespace: 'ns',
    scalerMetadata: { bootstrapServers: 'kafka:9092', consumerGroup: 'g', topic: 't', ...metadata },
  });
  const poll = () => registry.pollAll();
  return { kafka, clock, registry, service, ref, poll };
}

describe('scaler service: serving decisions from the poller', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });
  afterEach(async () => {
    await env.registry.close();
  });

  it('serves the strategy decision from the latest poll', async () => {
    env.kafka.createTopic('t', 2).produce('t', 0, 30).commit('g', 't', 0, 10).commit('g', 't', 1, 0);
    env.service.trigger(env.ref());
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
    const { decision, trigger } = await env.service.evaluate(env.ref());
    assert.equal(decision.metricValue, 20);
    assert.equal(decision.target, 10);
    assert.equal(decision.active, true);
    assert.match(trigger.metricName, /^kstreams-offset-g-t-[0-9a-f]{8}$/);
  });

  it('answers FIRST_POLL_PENDING (UNAVAILABLE) when the first poll has not finished in time', async () => {
    env.kafka.createTopic('t', 1);
    await assert.rejects(env.service.evaluate(env.ref()), {
      code: 'FIRST_POLL_PENDING',
      message: /first read of consumer group "g" on kafka cluster kafka:9092 still running after 50ms/,
    });
  });

  it('answers with the poll error, never a value, when the last poll failed', async () => {
    env.kafka.createTopic('t', 1).commit('g', 't', 0, 0);
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
    env.kafka.failWith('unavailable', 'Connection error: connect ECONNREFUSED');
    env.clock.now += 2_000;
    await env.poll();
    await assert.rejects(env.service.evaluate(env.ref()), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'KAFKA_UNAVAILABLE');
      assert.match(
        err.message,
        /^kafka cluster kafka:9092: Connection error: connect ECONNREFUSED \(last good data 2s old\)$/,
      );
      return true;
    });
  });

  it('answers SNAPSHOT_STALE once the last good poll is older than the staleness limit', async () => {
    env.kafka.createTopic('t', 1).commit('g', 't', 0, 0);
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
    env.clock.now += 30_000;
    await env.service.evaluate(env.ref());
    env.clock.now += 1;
    await assert.rejects(env.service.evaluate(env.ref()), {
      code: 'SNAPSHOT_STALE',
      message: /are 30s old, over the 30s limit \(SCALER_MAX_STALENESS\)/,
    });
  });

  it('answers TOPIC_NOT_FOUND for a topic that does not exist', async () => {
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
    await assert.rejects(env.service.evaluate(env.ref()), { code: 'TOPIC_NOT_FOUND' });
  });

  it('rejects invalid metadata with every problem, without creating a poller', async () => {
    await assert.rejects(
      env.service.evaluate({
        name: 'a',
        namespace: 'b',
        scalerMetadata: { lagThreshold: 'x', offsetResetPolicy: 'none' },
      }),
      (err: Error & { code?: string; problems?: string[] }) => {
        assert.equal(err.code, 'INVALID_METADATA');
        assert.deepEqual(err.problems, [
          'missing required parameter "bootstrapServers"',
          'missing required parameter "consumerGroup"',
          'parameter "lagThreshold" value "x" must be an integer',
          'parameter "offsetResetPolicy" value "none" must be one of [earliest latest]',
        ]);
        return true;
      },
    );
    assert.equal(env.registry.pollers().length, 0);
  });

  it('rejects a persistentLagWindow longer than the history pollers keep', async () => {
    await assert.rejects(env.service.evaluate(env.ref({ excludePersistentLag: 'true', persistentLagWindow: '20m' })), {
      code: 'INVALID_METADATA',
      message:
        'invalid trigger metadata: parameter "persistentLagWindow" value "20m" must be at most 10m (SCALER_HISTORY)',
    });
  });

  it('rejects a rateWindow longer than the history under every strategy (the figures read it)', async () => {
    await assert.rejects(env.service.evaluate(env.ref({ lagStrategy: 'offset', rateWindow: '20m' })), {
      code: 'INVALID_METADATA',
      message: 'invalid trigger metadata: parameter "rateWindow" value "20m" must be at most 10m (SCALER_HISTORY)',
    });
  });

  it('decides once per trigger and poll: repeated calls share the decision until the next poll', async () => {
    env.kafka.createTopic('t', 1).produce('t', 0, 5).commit('g', 't', 0, 0);
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
    const first = (await env.service.evaluate(env.ref())).decision;
    assert.equal((await env.service.evaluate(env.ref())).decision, first, 'the same object');
    await env.poll();
    assert.notEqual((await env.service.evaluate(env.ref())).decision, first, 'recomputed after a poll');
  });

  it('hands each decision the previous one: rate remembers a throughput once its busy time left the history', async () => {
    const rate = env.ref({ lagStrategy: 'rate', rateWindow: '5s', lagThreshold: '100', rebalanceCooldown: '0' });
    env.kafka
      .createTopic('t', 2)
      .setGroup('g', { state: 'Stable', members: [{ memberId: 'm0', clientId: 'g-1-StreamThread-1-consumer' }] });
    for (const p of [0, 1]) env.kafka.produce('t', p, 10_000).commit('g', 't', p, 0);
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    // Busy for 20 s: 10/s arriving and 50/s processed per partition by one replica, 100/s in all.
    for (let i = 0, committed = 0; i <= 10; i++, committed += 100) {
      if (i > 0) for (const p of [0, 1]) env.kafka.produce('t', p, 20).commit('g', 't', p, committed);
      await env.poll();
      await env.service.evaluate(rate);
      env.clock.now += 2_000;
    }
    // Eleven minutes of keeping up: the busy polls leave the 10-minute history.
    for (let i = 0; i < 11; i++) {
      env.clock.now += 60_000;
      for (const p of [0, 1]) env.kafka.produce('t', p, 600).commit('g', 't', p, env.kafka.endOffset('t', p));
      await env.poll();
      await env.service.evaluate(rate);
    }
    const { decision } = await env.service.evaluate(rate);
    const figures = decision.topology.subTopologies[0]!;
    assert.ok(Math.abs(figures.replicaThroughput! - 100) < 0.01, decision.explanation);
    assert.match(decision.explanation, /100\/s per replica \(learned 1\dm\d*s? ago\)/);
    const fresh = new ScalerService({
      registry: env.registry,
      config: CONFIG,
      logger: silent,
      now: () => env.clock.now,
    });
    const { decision: forgetful } = await fresh.evaluate(rate);
    assert.equal(forgetful.topology.subTopologies[0]!.replicaThroughput, undefined, 'no previous decision to remember');
  });

  it('decides after each poll, with no request in between', async () => {
    env.kafka.createTopic('t', 1).commit('g', 't', 0, 0);
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
    await env.service.evaluate(env.ref({ lagThreshold: '100' }));
    for (const produced of [5, 25]) {
      env.kafka.produce('t', 0, produced);
      env.clock.now += 2_000;
      await env.poll();
    }
    const [status] = env.service.statuses();
    assert.equal(status?.decision.metricValue, 30);
    assert.equal(status.evaluatedAt, env.clock.now, 'decided at the poll');
    assert.deepEqual(
      env.service.history(status.id).map((p) => [p.t, p.lag]),
      [
        [env.clock.now - 4_000, 0],
        [env.clock.now - 2_000, 5],
        [env.clock.now, 30],
      ],
      'the first point, from the request, then one per poll that changed the figures',
    );
  });

  it('what rate learns does not depend on which requests were served', async () => {
    const rate = env.ref({ lagStrategy: 'rate', rateWindow: '5s', lagThreshold: '100', rebalanceCooldown: '0' });
    const quiet = new ScalerService({
      registry: env.registry,
      config: CONFIG,
      logger: silent,
      now: () => env.clock.now,
    });
    env.kafka
      .createTopic('t', 2)
      .setGroup('g', { state: 'Stable', members: [{ memberId: 'm0', clientId: 'g-1-StreamThread-1-consumer' }] });
    for (const p of [0, 1]) env.kafka.produce('t', p, 10_000).commit('g', 't', p, 0);
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
    await quiet.evaluate(rate);
    // Busy for 20 s, then eleven minutes of keeping up: the busy polls leave the history.
    for (let i = 1, committed = 100; i <= 10; i++, committed += 100) {
      env.clock.now += 2_000;
      for (const p of [0, 1]) env.kafka.produce('t', p, 20).commit('g', 't', p, committed);
      await env.poll();
      await env.service.evaluate(rate);
    }
    for (let i = 0; i < 11; i++) {
      env.clock.now += 60_000;
      for (const p of [0, 1]) env.kafka.produce('t', p, 600).commit('g', 't', p, env.kafka.endOffset('t', p));
      await env.poll();
      await env.service.evaluate(rate);
    }
    const asked = (await env.service.evaluate(rate)).decision;
    const unasked = (await quiet.evaluate(rate)).decision;
    assert.match(asked.explanation, /per replica \(learned 1\dm\d*s? ago\)/);
    assert.deepEqual(unasked, asked);
  });

  it('refuses a trigger beyond SCALER_MAX_TRIGGERS as RESOURCE_EXHAUSTED; an idle one frees its place', async () => {
    const limited = new ScalerService({
      registry: env.registry,
      config: { ...CONFIG, maxTriggers: 2 },
      logger: silent,
      now: () => env.clock.now,
    });
    env.kafka.createTopic('t', 1).commit('g', 't', 0, 0);
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
    await limited.evaluate(env.ref({ lagThreshold: '1' }));
    await limited.evaluate(env.ref({ lagThreshold: '2' }));
    env.clock.now += 300_000;
    await env.poll();
    await assert.rejects(limited.evaluate(env.ref({ lagThreshold: '3' })), {
      code: 'LIMIT_REACHED',
      message: /already tracks 2 triggers, its limit \(SCALER_MAX_TRIGGERS\)/,
    });
    await limited.evaluate(env.ref({ lagThreshold: '1' }));
    env.clock.now += 301_000;
    await env.poll();
    await limited.evaluate(env.ref({ lagThreshold: '3' }));
    assert.deepEqual(
      limited.statuses().map((s) => s.trigger.metadata.lagThreshold),
      [3, 1],
      'the trigger not asked for 10 minutes was dropped',
    );
  });

  it("a trigger's decisions stop with its poller", async () => {
    env.kafka.createTopic('t', 1).commit('g', 't', 0, 0);
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
    await env.service.evaluate(env.ref());
    assert.equal(env.service.statuses().length, 1);
    env.clock.now += 601_000;
    await env.registry.sweep();
    assert.equal(env.registry.pollers().length, 0);
    assert.deepEqual(env.service.statuses(), []);
  });

  it('triggers with the same cluster, group and topics share one poller', () => {
    env.kafka.createTopic('t', 1);
    env.service.watchActive(env.ref({ lagThreshold: '5' }), () => {});
    env.service.watchActive(env.ref({ lagThreshold: '50', bootstrapServers: 'KAFKA:9092' }), () => {});
    env.service.watchActive(env.ref({ topic: 't,u' }), () => {});
    assert.equal(env.registry.pollers().length, 2);
  });

  it('watchActive reports the state once there is data, then only transitions', async () => {
    env.kafka.createTopic('t', 1).commit('g', 't', 0, 0);
    const seen: boolean[] = [];
    const stop = env.service.watchActive(env.ref(), (active) => seen.push(active));
    await env.poll();
    await env.poll();
    env.kafka.produce('t', 0, 1);
    await env.poll();
    await env.poll();
    env.kafka.commit('g', 't', 0, 1);
    await env.poll();
    env.kafka.failWith('unavailable', 'down');
    await env.poll();
    env.kafka.failWith(undefined);
    await env.poll();
    stop();
    env.kafka.produce('t', 0, 1);
    await env.poll();
    assert.deepEqual(seen, [false, true, false]);
  });

  it('an open watch keeps its poller through the idle sweep; a closed one lets it go', async () => {
    env.kafka.createTopic('t', 1);
    const stop = env.service.watchActive(env.ref(), () => {});
    env.clock.now += 601_000;
    await env.registry.sweep();
    assert.equal(env.registry.pollers().length, 1);
    stop();
    env.clock.now += 601_000;
    await env.registry.sweep();
    assert.equal(env.registry.pollers().length, 0);
  });
});

/**
 * Whether code still runs in the current turn of the event loop (this
 * turn's microtasks included): false from the first setImmediate callback
 * queued after this call on.
 */
function thisTurn(): { readonly now: () => boolean } {
  let same = true;
  setImmediate(() => (same = false));
  return { now: () => same };
}

/**
 * Watches the registry's `name` strategy: every decision it makes, and in
 * which turn (see thisTurn). `instead` replaces the decision. `restore` puts
 * the strategy back.
 */
function spyOnStrategy(name: string, instead?: LagStrategy['decide']) {
  const strategy: LagStrategy = strategyByName(name);
  const own = Object.getOwnPropertyDescriptor(strategy, 'decide')!;
  const original = strategy.decide.bind(strategy);
  const calls: Array<{ inRequestTurn: boolean }> = [];
  let turn = { now: () => false };
  strategy.decide = (input) => {
    calls.push({ inRequestTurn: turn.now() });
    return (instead ?? original)(input);
  };
  return {
    calls,
    /** Marks the turn of the request about to be made. */
    request: () => (turn = thisTurn()),
    restore: () => Object.defineProperty(strategy, 'decide', own),
  };
}

describe('scaler service: a first decision is never made in a request', () => {
  let env: ReturnType<typeof setup>;
  let spy: ReturnType<typeof spyOnStrategy> | undefined;
  beforeEach(async () => {
    env = setup();
    // A poller already holding samples, before the trigger is first asked for.
    env.kafka.createTopic('t', 2).produce('t', 0, 30).commit('g', 't', 0, 10).commit('g', 't', 1, 0);
    env.registry.acquire({ cluster: 'kafka:9092', groupId: 'g', topics: ['t'] }, { brokers: ['kafka:9092'] });
    await env.poll();
  });
  afterEach(async () => {
    spy?.restore();
    spy = undefined;
    await env.registry.close();
  });

  it('a new trigger on a poller holding samples is decided on a later turn, and the request answers that decision', async () => {
    spy = spyOnStrategy('offset');
    spy.request();
    const answer = env.service.evaluate(env.ref());
    assert.deepEqual(spy.calls, [], 'nothing decided in the call');
    const { decision } = await answer;
    assert.deepEqual(spy.calls, [{ inRequestTurn: false }], 'one decision, after the turn of the request');
    assert.equal(decision.metricValue, 20);
    assert.equal(decision.active, true);
    const [status] = env.service.statuses();
    assert.equal(decision, status?.decision, "the evaluator's snapshot");
    assert.equal((await env.service.evaluate(env.ref())).decision, decision, 'the next request reads it');
    assert.equal(spy.calls.length, 1);
  });

  it('StreamIsActive on a new trigger gets the first decision from a later turn', async () => {
    spy = spyOnStrategy('offset');
    const seen: boolean[] = [];
    spy.request();
    const stop = env.service.watchActive(env.ref(), (active) => seen.push(active));
    assert.deepEqual(spy.calls, [], 'nothing decided in the call');
    assert.deepEqual(seen, []);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(spy.calls, [{ inRequestTurn: false }]);
    assert.deepEqual(seen, [true], 'told once the decision is made');
    stop();
  });

  it('concurrent requests for a new trigger share its one first decision', async () => {
    spy = spyOnStrategy('offset');
    spy.request();
    const seen: boolean[] = [];
    const stop = env.service.watchActive(env.ref(), (active) => seen.push(active));
    const answers = await Promise.all([env.service.evaluate(env.ref()), env.service.evaluate(env.ref())]);
    assert.deepEqual(spy.calls, [{ inRequestTurn: false }], 'one decision');
    assert.equal(answers[0].decision, answers[1].decision);
    assert.equal(answers[0].decision.metricValue, 20);
    assert.deepEqual(seen, [true]);
    stop();
  });

  it('a first decision that fails answers its error to every request waiting for it, once made', async () => {
    const bug = new Error('strategy bug');
    spy = spyOnStrategy('offset', () => {
      throw bug;
    });
    spy.request();
    const answers = await Promise.allSettled([env.service.evaluate(env.ref()), env.service.evaluate(env.ref())]);
    assert.deepEqual(answers, [
      { status: 'rejected', reason: bug },
      { status: 'rejected', reason: bug },
    ]);
    assert.deepEqual(spy.calls, [{ inRequestTurn: false }], 'one decision');
    await assert.rejects(env.service.evaluate(env.ref()), bug, 'not tried again on the same poll');
    spy.restore();
    env.clock.now += 2_000;
    await env.poll();
    assert.equal((await env.service.evaluate(env.ref())).decision.metricValue, 20, 'the next poll decides again');
  });

  it('a request waiting for a first decision answers, without one, when the poller stops', async () => {
    spy = spyOnStrategy('offset');
    const patient = new ScalerService({
      registry: env.registry,
      config: { ...CONFIG, firstPollWaitMs: 600_000 },
      logger: silent,
      now: () => env.clock.now,
    });
    const answer = patient.evaluate(env.ref());
    await env.registry.close();
    await assert.rejects(answer, {
      code: 'FIRST_POLL_PENDING',
      message:
        'the poller of consumer group "g" on kafka cluster kafka:9092 stopped before the first decision on its offsets',
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(spy.calls, [], 'no decision for a trigger gone');
  });

  it('data that is not usable is answered at once, without waiting for the first decision', async () => {
    spy = spyOnStrategy('offset');
    env.clock.now += 30_001;
    spy.request();
    await assert.rejects(env.service.evaluate(env.ref()), { code: 'SNAPSHOT_STALE' });
    assert.deepEqual(spy.calls, [], 'answered before the decision');
  });

  it('explain (no request) still decides at once', () => {
    spy = spyOnStrategy('offset');
    const trigger = env.service.trigger(env.ref());
    const poller = env.registry.acquire(trigger.pollerKey, trigger.target);
    spy.request();
    assert.equal(env.service.evaluateNow(trigger, poller).decision.metricValue, 20);
    assert.deepEqual(spy.calls, [{ inRequestTurn: true }]);
  });
});

describe('scaler service: cluster profiles are an allowlist', () => {
  const profiles: ClusterProfile[] = [
    { name: 'prod', bootstrapServers: ['k0:9093', 'k1:9093'] },
    { name: 'dev', bootstrapServers: ['localhost:9092'] },
  ];
  function service(clusters: readonly ClusterProfile[]) {
    const targets: ClusterTarget[] = [];
    const registry = new PollerRegistry({
      config: CONFIG,
      createReader: (target) => {
        targets.push(target);
        return new MemoryKafka(target.brokers.join(','));
      },
      logger: silent,
      polling: 'manual',
    });
    return {
      targets,
      registry,
      scaler: new ScalerService({ registry, config: { ...CONFIG, clusters }, logger: silent }),
    };
  }
  const ref = (metadata: Record<string, string>) => ({
    name: 'app',
    namespace: 'ns',
    scalerMetadata: { consumerGroup: 'g', topic: 't', ...metadata },
  });

  const allowed: Array<[string, Record<string, string>, string]> = [
    ['by name, servers left out', { cluster: 'prod' }, 'prod'],
    ['by name, with one of its servers', { cluster: 'prod', bootstrapServers: 'k1:9093' }, 'prod'],
    ['by servers alone', { bootstrapServers: 'localhost:9092' }, 'dev'],
  ];
  for (const [name, metadata, profile] of allowed) {
    it(`allowed ${name}: the profile's servers and credentials, one poller per profile`, async () => {
      const env = service(profiles);
      const trigger = env.scaler.trigger(ref(metadata));
      assert.equal(trigger.target.profile?.name, profile);
      assert.equal(trigger.pollerKey.cluster, `profile:${profile}`);
      env.registry.acquire(trigger.pollerKey, trigger.target);
      assert.deepEqual(env.targets[0]?.profile?.name, profile);
      await env.registry.close();
    });
  }

  const refused: Array<{ name: string; metadata: Record<string, string>; code: string; message: RegExp }> = [
    {
      name: 'servers of no profile',
      metadata: { bootstrapServers: 'evil:9092' },
      code: 'CLUSTER_NOT_ALLOWED',
      message:
        /^bootstrapServers "evil:9092" belong to no configured cluster profile; this scaler connects only to the clusters of SCALER_CLUSTERS_FILE: \[prod dev\]/,
    },
    {
      name: 'a profile named with servers it does not have',
      metadata: { cluster: 'prod', bootstrapServers: 'evil:9092' },
      code: 'CLUSTER_NOT_ALLOWED',
      message: /^bootstrapServers "evil:9092" are not all servers of cluster profile "prod"/,
    },
    {
      name: 'an unknown profile',
      metadata: { cluster: 'qa' },
      code: 'INVALID_METADATA',
      message: /parameter "cluster" value "qa" must be one of \[prod dev\]/,
    },
  ];
  for (const c of refused) {
    it(`refused: ${c.name}, before any Kafka client exists`, () => {
      const env = service(profiles);
      assert.throws(
        () => env.scaler.trigger(ref(c.metadata)),
        (err: ScalerError) => err.code === c.code && c.message.test(err.message),
      );
      assert.deepEqual(env.targets, []);
    });
  }

  it('without profiles any address is allowed, in plaintext; naming a profile is an error', () => {
    const env = service([]);
    assert.equal(env.scaler.trigger(ref({ bootstrapServers: 'anywhere:9092' })).target.profile, undefined);
    assert.throws(() => env.scaler.trigger(ref({ cluster: 'prod' })), {
      message:
        'invalid trigger metadata: parameter "cluster" value "prod" names a cluster profile, but none are configured (SCALER_CLUSTERS_FILE)',
    });
  });
});
