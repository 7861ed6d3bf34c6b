/**
 * Bootstrap servers that do not answer: a host that accepts connections and
 * never answers must cost one timeout, not every call (the next seed
 * answers); when no seed answers the status is UNAVAILABLE naming the
 * cluster, never INTERNAL; and a cluster that keeps failing is tried with a
 * backoff, not on every poll. Tagged @compat: runs on 4.x and on 3.9.1.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { status } from '@grpc/grpc-js';
import { eventually } from '../../tools/eventually.ts';
import { kedaPoll } from '../../tools/keda/kedaPoll.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';
import { kafkaVersionFromEnv } from '../../tools/kafka/versions.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import {
  commitOffsets,
  createTopic,
  produceToPartitions,
  testBootstrap,
  testKafkaClient,
  uniqueName,
} from '../support/kafka.ts';

/** A TCP server on loopback that accepts connections and then either never answers or closes them at once. */
async function fakeBroker(
  behaviour: 'hang' | 'close',
): Promise<{ address: string; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    if (behaviour === 'close') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe(`bootstrap servers that do not answer, on Kafka ${kafkaVersionFromEnv().text} @compat`, function () {
  this.timeout(60_000);
  let app: TestApp | undefined;
  let client: ScalerClient | undefined;
  const fakes: Array<{ close: () => Promise<void> }> = [];

  afterEach(async () => {
    client?.close();
    await app?.stop();
    await Promise.all(fakes.splice(0).map((f) => f.close()));
    app = undefined;
    client = undefined;
  });

  async function start(): Promise<ScalerClient> {
    app = await startTestApp({ SCALER_KAFKA_TIMEOUT: '3s', SCALER_MAX_STALENESS: '6s' });
    client = scalerClient(app.grpcPort);
    return client;
  }

  it('a first seed that accepts connections and never answers: the next seed answers, with the exact lag', async () => {
    const hung = await fakeBroker('hang');
    fakes.push(hung);
    const topic = uniqueName('failover');
    const groupId = uniqueName('failover-app');
    const admin = testKafkaClient().admin();
    const producer = testKafkaClient().producer();
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      await createTopic(admin, topic, 2);
      await produceToPartitions(producer, topic, { 0: 7, 1: 5 });
    } finally {
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
    await commitOffsets(groupId, topic, { 0: 2, 1: 0 });
    const scaler = await start();
    const so = ref({
      scalerAddress: 'scaler:9090',
      bootstrapServers: `${hung.address},${testBootstrap()}`,
      consumerGroup: groupId,
      topic,
      lagThreshold: '100',
    });
    const poll = await eventually(
      () => kedaPoll(scaler, so),
      (p) => p.metricValue === 10,
      {
        timeoutMs: 20_000,
        what: 'the lag read through the second seed',
      },
    );
    assert.equal(poll.active, true);
    assert.ok(hung.accepted() >= 1, 'the hung seed was tried first');
    // Later calls keep answering from the live seed, without going back to the hung one each poll.
    const acceptedBefore = hung.accepted();
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await kedaPoll(scaler, so)).metricValue, 10);
    }
    assert.equal(hung.accepted(), acceptedBefore, 'the hung seed is not tried again while the live one answers');
  });

  it('no seed answers: UNAVAILABLE naming the cluster and every seed, never INTERNAL', async () => {
    const hung = await fakeBroker('hang');
    const closing = await fakeBroker('close');
    fakes.push(hung, closing);
    const scaler = await start();
    const so = ref({
      scalerAddress: 'scaler:9090',
      bootstrapServers: `${hung.address},${closing.address}`,
      consumerGroup: uniqueName('nobody'),
      topic: 't',
    });
    const { metricSpecs } = await scaler.getMetricSpec(so);
    const failure = await eventually(
      () =>
        scaler.getMetrics(so, metricSpecs[0]!.metricName).then(
          () => undefined,
          (err: { code: status; details: string }) => err,
        ),
      (err) => err !== undefined && err.details.includes('no bootstrap server answered'),
      { timeoutMs: 20_000, what: 'the cluster reported unreachable' },
    );
    assert.equal(failure?.code, status.UNAVAILABLE);
    assert.match(failure?.details ?? '', new RegExp(`kafka cluster .*${hung.address}`));
    assert.match(failure?.details ?? '', new RegExp(`${hung.address} \\(.+\\); ${closing.address} \\(.+\\)`));
    await assert.rejects(scaler.isActive(so), (err: { code: status }) => err.code === status.UNAVAILABLE);
  });

  it('a cluster that keeps failing backs off instead of being tried on every poll', async () => {
    const closing = await fakeBroker('close');
    fakes.push(closing);
    const scaler = await start();
    const so = ref({
      scalerAddress: 'scaler:9090',
      bootstrapServers: closing.address,
      consumerGroup: uniqueName('nobody'),
      topic: 't',
    });
    await scaler.getMetricSpec(so);
    await assert.rejects(scaler.isActive(so), (err: { code: status }) => err.code === status.UNAVAILABLE);
    // 8 s at a 250 ms poll interval is 32 polls; with a backoff of 1, 2, 4 and then 6 s (the staleness limit), 4 or 5 attempts.
    const first = closing.accepted();
    const started = Date.now();
    while (Date.now() - started < 8_000) {
      await assert.rejects(scaler.isActive(so), (err: { code: status }) => err.code === status.UNAVAILABLE);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const attempts = closing.accepted() - first;
    assert.ok(attempts >= 2 && attempts <= 8, `${attempts} connection attempts in 8 s`);
  });
});
