/**
 * The real process (`node src/main.ts`): it serves health over gRPC and
 * HTTP, and on SIGTERM ends open StreamIsActive calls with status OK (so
 * KEDA reconnects after 2 s instead of backing off) and exits 0.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { IsActiveResponse } from '../../src/generated/externalscaler.ts';
import { freePorts } from '../../tools/kafka/ports.ts';
import { eventually } from '../../tools/eventually.ts';
import { commitOffsets, createTopic, testBootstrap, testKafkaClient, uniqueName } from '../support/kafka.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';

const MAIN = path.resolve(import.meta.dirname, '../../src/main.ts');

describe('the scaler process', function () {
  this.timeout(60_000);
  let child: ChildProcess | undefined;
  let client: ScalerClient | undefined;

  afterEach(() => {
    client?.close();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('serves health, and on SIGTERM ends streams with OK and exits 0', async () => {
    const topic = uniqueName('shutdown');
    const groupId = uniqueName('shutdown-app');
    const admin = testKafkaClient().admin();
    await admin.connect();
    await createTopic(admin, topic, 1);
    await admin.disconnect();
    await commitOffsets(groupId, topic, { 0: 0 });

    const [grpcPort, httpPort] = await freePorts(2);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCALER_')));
    child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', MAIN], {
      env: {
        ...env,
        SCALER_HOST: '127.0.0.1',
        SCALER_GRPC_PORT: String(grpcPort),
        SCALER_HTTP_PORT: String(httpPort),
        SCALER_POLL_INTERVAL: '250ms',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Array<Record<string, unknown>> = [];
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts.filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    // 'close', not 'exit': only then has all the child wrote to stdout been read.
    const exited = new Promise<number | null>((resolve) => child!.once('close', (code) => resolve(code)));

    client = scalerClient(grpcPort!);
    const health = await eventually(
      () => client!.healthCheck('readiness'),
      () => true,
      {
        timeoutMs: 20_000,
        everyMs: 200,
        what: 'the process serving gRPC',
      },
    );
    assert.equal(health.status, 'SERVING');
    for (const probe of ['healthz', 'readyz']) {
      const res = await fetch(`http://127.0.0.1:${httpPort}/${probe}`);
      assert.equal(res.status, 200, probe);
      assert.equal(await res.text(), 'ok\n');
    }

    const stream = client.raw.streamIsActive(ref({ bootstrapServers: testBootstrap(), consumerGroup: groupId, topic }));
    const first = new Promise<IsActiveResponse>((resolve) => stream.once('data', resolve));
    const ended = new Promise<{ code: number }>((resolve) => stream.on('status', resolve));
    stream.on('error', () => {});
    assert.deepEqual(await first, { result: false });

    child.kill('SIGTERM');
    const streamStatus = await ended;
    assert.equal(streamStatus.code, status.OK, 'the stream ends with OK');
    assert.equal(await exited, 0, 'exit status 0 (1 if shutdown overran SCALER_SHUTDOWN_TIMEOUT)');
    const messages = lines.map((l) => l['msg']);
    assert.ok(messages.includes('shutting down'), messages.join(' | '));
    assert.equal(messages[messages.length - 1], 'stopped');
  });

  it('exits 1 before listening when the configuration is bad, naming every problem', async () => {
    child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env['PATH'] ?? '', SCALER_GRPC_PORT: 'x', SCALER_LOG_LEVEL: 'chatty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child!.once('close', resolve));
    assert.equal(code, 1);
    const line = JSON.parse(out.trim().split('\n').pop()!) as { level: string; problems: string[] };
    assert.equal(line.level, 'fatal');
    assert.deepEqual(line.problems, [
      'SCALER_GRPC_PORT value "x" must be a port number from 0 to 65535',
      'SCALER_LOG_LEVEL value "chatty" must be one of [fatal error warn info debug trace silent]',
    ]);
    assert.doesNotMatch(out, /listening/);
  });
});
