/**
 * The gRPC surface, over real gRPC on loopback, with the in-memory Kafka
 * behind the reader port and polls driven by the test.
 */
import assert from 'node:assert/strict';
import { type ServiceError, status } from '@grpc/grpc-js';
import {
  type HealthCheckResponse,
  listServicesByReflection,
  type ScalerClient,
  scalerClient,
} from '../../tools/keda/scalerClient.ts';
import type { Config } from '../config.ts';
import type { GetMetricSpecResponse, IsActiveResponse, ScaledObjectRef } from '../generated/externalscaler.ts';
import { MemoryKafka } from '../kafka/memoryKafka.ts';
import { createLogger } from '../logger.ts';
import { PollerRegistry } from '../poller/pollerRegistry.ts';
import { ScalerService } from '../scaler/scalerService.ts';
import { externalScalerHandlers, OpenStreams, safeQuantity } from './externalScalerService.ts';
import { type RunningGrpcServer, startGrpcServer } from './grpcServer.ts';
import { HealthImplementation } from 'grpc-health-check';
import { eventually } from '../../tools/eventually.ts';
import { HealthState } from './healthState.ts';

const CONFIG: Pick<
  Config,
  'pollIntervalMs' | 'kafkaTimeoutMs' | 'historyMs' | 'pollerIdleTimeoutMs' | 'maxStalenessMs' | 'firstPollWaitMs'
> = {
  pollIntervalMs: 60_000,
  kafkaTimeoutMs: 1_000,
  historyMs: 600_000,
  pollerIdleTimeoutMs: 600_000,
  maxStalenessMs: 60_000,
  firstPollWaitMs: 20,
};

interface Env {
  kafka: MemoryKafka;
  registry: PollerRegistry;
  health: HealthState;
  streams: OpenStreams;
  server: RunningGrpcServer;
  client: ScalerClient;
}

async function start(maxStreams = Infinity, maxWatches?: number): Promise<Env> {
  const logger = createLogger('silent');
  const kafka = new MemoryKafka('kafka:9092');
  const registry = new PollerRegistry({ config: CONFIG, createReader: () => kafka, logger, polling: 'manual' });
  const scaler = new ScalerService({ registry, config: CONFIG, logger });
  const health = new HealthState(maxWatches);
  const streams = new OpenStreams(maxStreams);
  const server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    externalScaler: externalScalerHandlers(scaler, streams, logger),
    health,
    streams,
    logger,
  });
  return { kafka, registry, health, streams, server, client: scalerClient(server.port) };
}

/** Waits (bounded) until `done` holds: the server's side of a stream settles after the client's. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), 'not reached within 2 s');
}

const REF = (metadata: Record<string, string> = {}): ScaledObjectRef => ({
  name: 'app',
  namespace: 'ns',
  scalerMetadata: {
    scalerAddress: 'scaler:9090',
    bootstrapServers: 'kafka:9092',
    consumerGroup: 'g',
    topic: 't',
    lagThreshold: '4',
    ...metadata,
  },
});

describe('gRPC ExternalScaler service', () => {
  let env: Env;
  beforeEach(async () => {
    env = await start();
  });
  afterEach(async () => {
    env.client.close();
    await env.server.shutdown(1_000);
    await env.registry.close();
  });

  const getMetricSpec = (ref: ScaledObjectRef) => env.client.getMetricSpec(ref);
  const getMetrics = (ref: ScaledObjectRef, metricName: string) => env.client.getMetrics(ref, metricName);
  const isActive = (ref: ScaledObjectRef) => env.client.isActive(ref);

  it('GetMetricSpec answers from the metadata alone, while Kafka is down', async () => {
    env.kafka.failWith('unavailable', 'kafka is down');
    const spec = await getMetricSpec(REF());
    assert.equal(spec.metricSpecs.length, 1);
    const [metric] = spec.metricSpecs;
    assert.match(metric!.metricName, /^kstreams-offset-g-t-[0-9a-f]{8}$/);
    assert.equal(metric!.targetSizeFloat, 4);
    assert.equal(metric!.targetSize, 4);
    assert.deepEqual(env.kafka.requests, [], 'no Kafka request was made');
    assert.equal(env.registry.pollers().length, 0, 'no poller was started');
  });

  it('GetMetrics fills the double and the deprecated int64 value; IsActive agrees', async () => {
    env.kafka
      .createTopic('t', 3)
      .produce('t', 0, 7)
      .commit('g', 't', 0, 0)
      .commit('g', 't', 1, 0)
      .commit('g', 't', 2, 0);
    const { metricSpecs } = await getMetricSpec(REF());
    await isActive(REF()).catch(() => undefined); // creates the poller
    await env.registry.pollAll();
    const metrics = await getMetrics(REF(), metricSpecs[0]!.metricName);
    assert.deepEqual(metrics.metricValues, [
      { metricName: metricSpecs[0]!.metricName, metricValue: 7, metricValueFloat: 7 },
    ]);
    assert.deepEqual(await isActive(REF()), { result: true });
  });

  it('invalid metadata is INVALID_ARGUMENT listing every problem', async () => {
    await assert.rejects(
      isActive(REF({ consumerGroup: '', lagThreshold: '-3', offsetResetPolicy: 'oldest' })),
      (err: ServiceError) => {
        assert.equal(err.code, status.INVALID_ARGUMENT);
        assert.equal(
          err.details,
          'invalid trigger metadata: missing required parameter "consumerGroup"; parameter "lagThreshold" value "-3" must be greater than 0; parameter "offsetResetPolicy" value "oldest" must be one of [earliest latest]',
        );
        return true;
      },
    );
    await assert.rejects(getMetricSpec(REF({ bootstrapServers: '' })), { code: status.INVALID_ARGUMENT });
  });

  it('a missing topic is NOT_FOUND and unreachable Kafka is UNAVAILABLE, never a value', async () => {
    await isActive(REF()).catch(() => undefined);
    await env.registry.pollAll();
    await assert.rejects(getMetrics(REF(), 'm'), { code: status.NOT_FOUND, details: /topic "t" does not exist/ });
    env.kafka.createTopic('t', 1).failWith('unavailable', 'Connection error: connect ECONNREFUSED');
    await env.registry.pollAll();
    await assert.rejects(getMetrics(REF(), 'm'), {
      code: status.UNAVAILABLE,
      details: /^kafka cluster kafka:9092: Connection error: connect ECONNREFUSED \(no good data yet\)$/,
    });
    await assert.rejects(isActive(REF()), { code: status.UNAVAILABLE });
  });

  describe('StreamMetricSpec (KEDA ≥ 2.21, external-push)', () => {
    const cases: ReadonlyArray<{ name: string; metadata: Record<string, string>; target: number }> = [
      { name: 'offset: lagThreshold', metadata: { lagThreshold: '250' }, target: 250 },
      { name: 'time: timeLagThreshold', metadata: { lagStrategy: 'time', timeLagThreshold: '30' }, target: 30 },
      { name: 'rate: 1 (the metric is the replica count)', metadata: { lagStrategy: 'rate' }, target: 1 },
    ];
    for (const c of cases) {
      it(`${c.name}: the spec at once, the same GetMetricSpec answers, while Kafka is down`, async () => {
        env.kafka.failWith('unavailable', 'Connection error: connect ECONNREFUSED');
        const call = env.client.raw.streamMetricSpec(REF(c.metadata));
        const first = await new Promise<GetMetricSpecResponse>((resolve, reject) => {
          call.once('data', resolve);
          call.once('error', reject);
        });
        // What a KEDA without StreamMetricSpec (v2.20) reads instead: the same.
        assert.deepEqual(first, await getMetricSpec(REF(c.metadata)));
        assert.equal(first.metricSpecs[0]!.targetSizeFloat, c.target);
        assert.equal(env.streams.byMethod().StreamMetricSpec, 1);
        call.cancel();
        await until(() => env.streams.size === 0);
      });
    }

    it('sends nothing more while the target holds, and ends with OK on shutdown', async () => {
      env.kafka.createTopic('t', 1).commit('g', 't', 0, 0);
      const call = env.client.raw.streamMetricSpec(REF());
      const received: GetMetricSpecResponse[] = [];
      call.on('data', (m: GetMetricSpecResponse) => received.push(m));
      const ended = new Promise<{ code: number }>((resolve) => call.on('status', resolve));
      await until(() => received.length === 1);
      await isActive(REF()).catch(() => undefined);
      await env.registry.pollAll();
      // Offsets move and decisions change; the target does not.
      for (let i = 0; i < 3; i++) {
        env.kafka.produce('t', 0, 5);
        await env.registry.pollAll();
        await isActive(REF());
      }
      assert.equal(received.length, 1);
      await env.server.shutdown(1_000);
      assert.equal((await ended).code, status.OK);
    });

    it('beyond SCALER_MAX_STREAMS open streams of either method: RESOURCE_EXHAUSTED until one closes', async () => {
      env.client.close();
      await env.server.shutdown(1_000);
      await env.registry.close();
      env = await start(2);
      const firstMessage = (call: NodeJS.EventEmitter): Promise<unknown> =>
        new Promise((resolve, reject) => {
          call.once('data', resolve);
          call.once('error', reject);
        });
      const spec = env.client.raw.streamMetricSpec(REF());
      await firstMessage(spec);
      const active = env.client.raw.streamIsActive(REF({ lagThreshold: '7' }));
      active.on('error', () => {});
      await until(() => env.streams.size === 2);
      for (const open of [() => env.client.raw.streamMetricSpec(REF()), () => env.client.raw.streamIsActive(REF())]) {
        await assert.rejects(firstMessage(open()), (err: ServiceError) => {
          assert.equal(err.code, status.RESOURCE_EXHAUSTED);
          assert.match(err.details, /already holds 2 open streams, its limit \(SCALER_MAX_STREAMS\)/);
          return true;
        });
      }
      assert.deepEqual(env.streams.byMethod(), { StreamIsActive: 1, StreamMetricSpec: 1 });
      spec.cancel();
      await until(() => env.streams.size === 1);
      await firstMessage(env.client.raw.streamMetricSpec(REF()));
    });

    it('invalid metadata ends it at once with INVALID_ARGUMENT listing every problem', async () => {
      const call = env.client.raw.streamMetricSpec(REF({ consumerGroup: '', lagThreshold: '-1' }));
      const err = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.details, /consumerGroup.*lagThreshold/);
      assert.equal(env.streams.size, 0);
    });
  });

  it('StreamIsActive sends the state when opened, then transitions only, and ends with OK on shutdown', async () => {
    env.kafka.createTopic('t', 1).commit('g', 't', 0, 0);
    await isActive(REF()).catch(() => undefined);
    await env.registry.pollAll();
    const call = env.client.raw.streamIsActive(REF());
    const received: boolean[] = [];
    const waiters: Array<() => void> = [];
    call.on('data', (m: IsActiveResponse) => {
      received.push(m.result);
      waiters.shift()?.();
    });
    const ended = new Promise<{ code: number }>((resolve) => call.on('status', resolve));
    const next = () => new Promise<void>((resolve) => waiters.push(resolve));

    await next();
    assert.deepEqual(received, [false]);
    await env.registry.pollAll();
    env.kafka.produce('t', 0, 3);
    const gotTrue = next();
    await env.registry.pollAll();
    await gotTrue;
    await env.registry.pollAll();
    await env.registry.pollAll();
    env.kafka.commit('g', 't', 0, 3);
    const gotFalse = next();
    await env.registry.pollAll();
    await gotFalse;
    assert.deepEqual(received, [false, true, false], 'no repeated true');
    assert.equal(env.streams.size, 1);

    await env.server.shutdown(1_000);
    assert.equal((await ended).code, status.OK);
    assert.equal(env.streams.size, 0);
  });

  it('a StreamIsActive with invalid metadata ends at once with INVALID_ARGUMENT', async () => {
    const call = env.client.raw.streamIsActive(REF({ consumerGroup: '' }));
    const err = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(err.details, /missing required parameter "consumerGroup"/);
  });

  it('health: "", liveness and readiness serve; draining keeps liveness only; unknown is NOT_FOUND', async () => {
    const check = async (service: string) => (await env.client.healthCheck(service)).status;
    /** Every service's status over gRPC, each checked against what the HTTP probes read. */
    const statuses = async () => {
      const answers: Record<string, string> = {};
      for (const service of ['', 'liveness', 'readiness']) {
        answers[service] = await check(service);
        assert.equal(env.health.isServing(service), answers[service] === 'SERVING', `HTTP and gRPC on "${service}"`);
      }
      return answers;
    };
    assert.deepEqual(await statuses(), { '': 'SERVING', liveness: 'SERVING', readiness: 'SERVING' });
    await assert.rejects(check('fake'), { code: status.NOT_FOUND, details: 'Health status unknown for service fake' });
    env.health.drain();
    assert.deepEqual(await statuses(), { '': 'NOT_SERVING', liveness: 'SERVING', readiness: 'NOT_SERVING' });
    await assert.rejects(check('fake'), { code: status.NOT_FOUND });
    assert.equal(env.health.isServing('fake'), false);
  });

  /** Opens a Watch on `service`: what it has received, a wait for the next message, and how it ended. */
  function watch(service: string) {
    const call = env.client.health.watch({ service });
    const statuses: string[] = [];
    const waiters: Array<() => void> = [];
    call.on('data', (m: HealthCheckResponse) => {
      statuses.push(m.status);
      waiters.shift()?.();
    });
    call.on('error', () => {}); // a cancel by the test; the status below says how it ended
    const ended = new Promise<{ code: number }>((resolve) => call.on('status', resolve));
    const next = () => new Promise<void>((resolve) => waiters.push(resolve));
    return { call, statuses, next, ended };
  }

  it('health Watch sends the status, then changes only', async () => {
    const readiness = watch('readiness');
    await readiness.next();
    const changed = readiness.next();
    env.health.drain();
    await changed;
    env.health.drain(); // no change: nothing is sent
    // A message on another stream of the connection, sent after anything the second drain could have sent.
    const liveness = watch('liveness');
    await liveness.next();
    assert.deepEqual(liveness.statuses, ['SERVING']);
    assert.deepEqual(readiness.statuses, ['SERVING', 'NOT_SERVING']);
    readiness.call.cancel();
    liveness.call.cancel();
    assert.equal((await readiness.ended).code, status.CANCELLED);
  });

  it('health Watch of an unknown service says SERVICE_UNKNOWN and stays open', async () => {
    const unknown = watch('fake');
    await unknown.next();
    assert.deepEqual(unknown.statuses, ['SERVICE_UNKNOWN']);
    let endedEarly = false;
    void unknown.ended.then(() => (endedEarly = true));
    // Another call's answer on the same connection comes after anything the server sent on the Watch.
    assert.equal((await env.client.healthCheck('liveness')).status, 'SERVING');
    assert.equal(endedEarly, false, 'the stream is still open');
    unknown.call.cancel();
    assert.equal((await unknown.ended).code, status.CANCELLED);
  });

  it('health: unknown names never reach grpc-health-check, which would keep one entry per name forever', async () => {
    const watched: string[] = [];
    // The library's own (private) bookkeeping: one entry per name it is asked to watch.
    const library = HealthImplementation.prototype as unknown as {
      addWatcher: (this: unknown, service: string, watcher: unknown) => void;
    };
    const original = library.addWatcher;
    library.addWatcher = function (service, watcher) {
      watched.push(service);
      original.call(this, service, watcher);
    };
    try {
      const calls = Array.from({ length: 20 }, (_, i) => watch(`${'x'.repeat(1_000)}-${i}`));
      await Promise.all(calls.map((c) => c.next()));
      const known = watch('readiness');
      await known.next();
      assert.deepEqual(watched, ['readiness']);
      for (const c of [...calls, known]) c.call.cancel();
      await Promise.all([...calls, known].map((c) => c.ended));
      // A long unknown name is quoted shortened, not echoed whole.
      await assert.rejects(env.client.healthCheck('y'.repeat(100_000)), (err: ServiceError) => {
        assert.equal(err.code, status.NOT_FOUND);
        assert.ok(err.details.length < 200, `${err.details.length} characters`);
        return true;
      });
    } finally {
      library.addWatcher = original;
    }
  });

  it('health Watch beyond its limit is RESOURCE_EXHAUSTED until one closes', async () => {
    env.client.close();
    await env.server.shutdown(1_000);
    await env.registry.close();
    env = await start(Infinity, 2);
    const [a, b] = [watch('readiness'), watch('fake')];
    await Promise.all([a.next(), b.next()]);
    const third = watch('liveness');
    assert.equal((await third.ended).code, status.RESOURCE_EXHAUSTED);
    a.call.cancel();
    await a.ended;
    // The server hears of the cancel a moment after the client: try until the freed place is taken.
    const fourth = await eventually(
      async () => {
        const w = watch('liveness');
        return (await Promise.race([w.next().then(() => true), w.ended.then(() => false)])) ? w : undefined;
      },
      (w) => w !== undefined,
      { timeoutMs: 5_000, everyMs: 50, what: 'a Watch admitted once one closed' },
    );
    assert.deepEqual(fourth!.statuses, ['SERVING']);
    b.call.cancel();
    fourth!.call.cancel();
    await Promise.all([b.ended, fourth!.ended]);
  });

  it('health Watch streams hear NOT_SERVING at shutdown, then end with OK instead of holding the server', async () => {
    const readiness = watch('readiness');
    const whole = watch('');
    const liveness = watch('liveness');
    await Promise.all([readiness.next(), whole.next(), liveness.next()]);
    // A Watch still open at this deadline would be cut off by the forced shutdown, not end with OK.
    await env.server.shutdown(5_000);
    for (const [w, statuses] of [
      [readiness, ['SERVING', 'NOT_SERVING']],
      [whole, ['SERVING', 'NOT_SERVING']],
      [liveness, ['SERVING']],
    ] as const) {
      assert.equal((await w.ended).code, status.OK);
      assert.deepEqual(w.statuses, statuses);
    }
  });

  it('server reflection lists the services, as grpcurl sees them', async () => {
    assert.deepEqual(await listServicesByReflection(env.server.port), [
      'externalscaler.ExternalScaler',
      'grpc.health.v1.Health',
    ]);
  });
});

describe('metric quantities sent to KEDA', () => {
  const cases = [
    { value: 12.5, want: 12.5 },
    { value: 0, want: 0 },
    { value: -3, want: 0 },
    { value: Number.NaN, want: 0 },
    { value: Number.POSITIVE_INFINITY, want: 0 },
    { value: 2 ** 60, want: Number.MAX_SAFE_INTEGER },
  ];
  for (const c of cases) {
    it(`${c.value} is sent as ${c.want}`, () => assert.equal(safeQuantity(c.value), c.want));
  }
});
