/**
 * external-push on a real broker: an idle group is inactive, and one produced
 * record makes StreamIsActive push `true` within two poll intervals (counted
 * in polls rather than wall-clock time, so a slow machine cannot make it flaky).
 */
import assert from 'node:assert/strict';
import type { ClientReadableStream } from '@grpc/grpc-js';
import type { Admin, Producer } from 'kafkajs';
import type { IsActiveResponse } from '../../src/generated/externalscaler.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { eventually } from '../../tools/eventually.ts';
import { commitOffsets, createTopic, testBootstrap, testKafkaClient, uniqueName } from '../support/kafka.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';

describe('StreamIsActive on a real broker', () => {
  let app: TestApp;
  let client: ScalerClient;
  let admin: Admin;
  let producer: Producer;
  let stream: ClientReadableStream<IsActiveResponse> | undefined;

  beforeEach(async () => {
    app = await startTestApp({ SCALER_POLL_INTERVAL: '500ms' });
    client = scalerClient(app.grpcPort);
    const kafka = testKafkaClient();
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterEach(async () => {
    stream?.cancel();
    client.close();
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await app.stop();
  });

  it('an idle group is inactive; one record pushes true within two polls, and only once', async () => {
    const topic = uniqueName('events');
    const groupId = uniqueName('events-app');
    await createTopic(admin, topic, 2);
    await producer.send({ topic, messages: [{ partition: 0, value: 'old' }] });
    await commitOffsets(groupId, topic, { 0: 1, 1: 0 });
    const so = ref({ bootstrapServers: testBootstrap(), consumerGroup: groupId, topic });

    const received: Array<{ active: boolean; seq: number }> = [];
    stream = client.raw.streamIsActive(so);
    stream.on('error', () => {}); // cancelled in afterEach
    stream.on('data', (m: IsActiveResponse) => {
      const seq = app.registry.pollers()[0]?.state().latest?.seq ?? -1;
      received.push({ active: m.result, seq });
    });

    await eventually(
      () => received.length,
      (n) => n >= 1,
      { timeoutMs: 10_000, what: 'the state on open' },
    );
    assert.equal(received[0]!.active, false, 'idle group is inactive');
    assert.deepEqual(await client.isActive(so), { result: false }, 'IsActive agrees');

    // Let a few more polls pass: an unchanged state must not be sent again.
    const poller = app.registry.pollers()[0]!;
    const seqBefore = poller.state().latest!.seq;
    await eventually(
      () => poller.state().latest!.seq,
      (seq) => seq >= seqBefore + 2,
      { timeoutMs: 10_000, what: 'two more polls' },
    );
    assert.equal(received.length, 1, 'no repeated false');

    const seqAtProduce = poller.state().latest!.seq;
    await producer.send({ topic, messages: [{ partition: 1, value: 'new' }] });
    await eventually(
      () => received.length,
      (n) => n >= 2,
      { timeoutMs: 10_000, what: 'a push after the record' },
    );
    assert.equal(received[1]!.active, true);
    assert.ok(
      received[1]!.seq <= seqAtProduce + 2,
      `pushed at poll ${received[1]!.seq}, produced after poll ${seqAtProduce}: more than two polls later`,
    );
    assert.deepEqual(await client.isActive(so), { result: true }, 'IsActive agrees');

    const seqAfterPush = poller.state().latest!.seq;
    await eventually(
      () => poller.state().latest!.seq,
      (seq) => seq >= seqAfterPush + 2,
      { timeoutMs: 10_000, what: 'two more polls' },
    );
    assert.equal(received.length, 2, "no repeated true (it would restart KEDA's cooldown)");
  });
});
