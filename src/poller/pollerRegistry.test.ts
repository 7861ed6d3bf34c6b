import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { ScalerError } from '../errors.ts';
import { MemoryKafka } from '../kafka/memoryKafka.ts';
import { createLogger } from '../logger.ts';
import { type ManagedReader, PollerRegistry } from './pollerRegistry.ts';

const CONFIG = { pollIntervalMs: 60_000, kafkaTimeoutMs: 1_000, historyMs: 600_000, pollerIdleTimeoutMs: 600_000 };

describe('poller registry', () => {
  it('an acquire while an unused reader closes gets a fresh reader, never the closing one', async () => {
    const clock = { now: 0 };
    const created: Array<MemoryKafka & { closed: boolean }> = [];
    let releaseClose: () => void = () => {};
    const registry = new PollerRegistry({
      config: CONFIG,
      logger: createLogger('silent'),
      polling: 'manual',
      now: () => clock.now,
      createReader: ({ brokers }): ManagedReader => {
        const reader = Object.assign(new MemoryKafka(brokers.join(',')), { closed: false });
        const slowClose = created.length === 0;
        reader.close = () =>
          new Promise<void>((resolve) => {
            const done = () => {
              reader.closed = true;
              resolve();
            };
            if (slowClose) releaseClose = done;
            else done();
          });
        created.push(reader);
        return reader;
      },
    });
    registry.acquire({ cluster: 'x:1', groupId: 'g', topics: undefined }, { brokers: ['x:1'] });
    clock.now += 601_000;
    const sweeping = registry.sweep();
    const poller = registry.acquire({ cluster: 'x:1', groupId: 'g', topics: undefined }, { brokers: ['x:1'] });
    releaseClose();
    await sweeping;
    assert.equal(created.length, 2, 'a second reader was made for the new poller');
    assert.equal(created[0]!.closed, true);
    assert.equal(created[1]!.closed, false);
    await poller.pollOnce();
    assert.equal(poller.state().failure, undefined);
    await registry.close();
  });

  it('refuses new pollers once closed, as SHUTTING_DOWN', async () => {
    const registry = new PollerRegistry({
      config: CONFIG,
      logger: createLogger('silent'),
      createReader: () => new MemoryKafka(),
    });
    await registry.close();
    assert.throws(() => registry.acquire({ cluster: 'x:1', groupId: 'g', topics: undefined }, { brokers: ['x:1'] }), {
      code: 'SHUTTING_DOWN',
    });
  });

  it('refuses a poller beyond SCALER_MAX_POLLERS and a cluster beyond SCALER_MAX_CLUSTERS as RESOURCE_EXHAUSTED; idle ones free their place', async () => {
    const clock = { now: 0 };
    const closed: string[] = [];
    const registry = new PollerRegistry({
      config: { ...CONFIG, maxPollers: 3, maxClusters: 2 },
      logger: createLogger('silent'),
      polling: 'manual',
      now: () => clock.now,
      createReader: ({ brokers }) => new MemoryKafka(brokers.join(',')),
      onClusterClosed: (cluster) => closed.push(cluster),
    });
    const acquire = (cluster: string, groupId: string) =>
      registry.acquire({ cluster, groupId, topics: undefined }, { brokers: [cluster] });
    const exhausted = (pattern: RegExp) => (err: unknown) =>
      err instanceof ScalerError &&
      err.code === 'LIMIT_REACHED' &&
      err.grpcStatus === status.RESOURCE_EXHAUSTED &&
      pattern.test(err.message);
    acquire('a:1', 'g1');
    acquire('a:1', 'g2');
    acquire('b:1', 'g1');
    assert.throws(() => acquire('b:1', 'g2'), exhausted(/already polls 3 consumer groups.*SCALER_MAX_POLLERS/));
    assert.equal(acquire('a:1', 'g1').key.groupId, 'g1', 'a poller that exists is always served');

    clock.now += 601_000;
    acquire('a:1', 'g1');
    await registry.sweep();
    assert.deepEqual(closed, ['b:1'], 'the cluster whose last poller went is closed and reported');
    assert.equal(registry.pollers().length, 1);
    acquire('c:1', 'g1');
    assert.throws(() => acquire('d:1', 'g1'), exhausted(/already reads 2 Kafka clusters.*SCALER_MAX_CLUSTERS.*d:1/));
    await registry.close();
  });
});
