/**
 * TLS and mutual TLS on the real gRPC server over loopback, with certificates
 * made for each run: who gets in, who does not, and rotation without a restart.
 */
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { type ChannelCredentials, credentials, type ServiceError, status } from '@grpc/grpc-js';
import { type Authority, certDir, certificateAuthority, type Pem } from '../../test/support/certs.ts';
import { captureLogger, startTestApp, type TestApp } from '../../test/support/app.ts';
import { eventually } from '../../tools/eventually.ts';
import { scalerClient } from '../../tools/keda/scalerClient.ts';
import { HealthState } from './healthState.ts';
import { OpenStreams } from './externalScalerService.ts';
import { startGrpcServer } from './grpcServer.ts';
import { serverTls } from './serverTls.ts';

/** The certificate's name is localhost; the address is 127.0.0.1. */
const CHANNEL = { 'grpc.ssl_target_name_override': 'localhost' };

const tlsClient = (ca: Authority | string, client?: Pem): ChannelCredentials =>
  credentials.createSsl(
    Buffer.from(typeof ca === 'string' ? ca : ca.cert),
    client ? Buffer.from(client.key) : null,
    client ? Buffer.from(client.cert) : null,
  );

/** SERVING, or the gRPC status name and details of the failure. */
async function health(port: number, creds: ChannelCredentials): Promise<string> {
  const client = scalerClient(port, creds, CHANNEL);
  try {
    return (await client.healthCheck('')).status;
  } catch (err) {
    return `${status[(err as ServiceError).code]}: ${(err as ServiceError).details}`;
  } finally {
    client.close();
  }
}

describe('gRPC server TLS', function () {
  this.timeout(30_000);
  let ca: Authority;
  let otherCa: Authority;
  let server: Pem;
  let client: Pem;
  let stranger: Pem;
  let files: ReturnType<typeof certDir>;

  before(async () => {
    // Made here, not when the file loads, so a run that never reaches this suite leaves no folder.
    files = certDir();
    ca = await certificateAuthority('kstreams-scaler test CA');
    otherCa = await certificateAuthority('some other CA');
    server = await ca.issue('kstreams-scaler', 'server');
    client = await ca.issue('keda-operator', 'client');
    stranger = await otherCa.issue('keda-operator', 'client');
    files.write('tls.crt', server.cert);
    files.write('tls.key', server.key);
    files.write('ca.crt', ca.cert);
  });
  after(() => files?.remove());

  describe('TLS', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({
        SCALER_TLS_CERT_FILE: `${files.dir}/tls.crt`,
        SCALER_TLS_KEY_FILE: `${files.dir}/tls.key`,
      });
    });
    after(() => app.stop());

    const cases: Array<[string, () => ChannelCredentials, RegExp]> = [
      ['a client that trusts the CA gets in', () => tlsClient(ca), /^SERVING$/],
      ['a plaintext client does not', () => credentials.createInsecure(), /^UNAVAILABLE: /],
      [
        'a client that trusts another CA does not',
        () => tlsClient(otherCa),
        /^UNAVAILABLE: .*unable to verify the first certificate/,
      ],
    ];
    for (const [name, creds, expected] of cases) {
      it(name, async () => assert.match(await health(app.grpcPort, creds()), expected));
    }

    it('says so at start, naming the certificate but never the key', () => {
      const line = app.logs.find((l) => l['msg'] === 'gRPC TLS enabled');
      assert.ok(line, 'no start line');
      assert.equal(line['serial'], server.serial);
      assert.ok(!JSON.stringify(app.logs).includes(server.key.split('\n')[1]!), 'key material in the logs');
    });
  });

  describe('mutual TLS', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({
        SCALER_TLS_CERT_FILE: `${files.dir}/tls.crt`,
        SCALER_TLS_KEY_FILE: `${files.dir}/tls.key`,
        SCALER_TLS_CLIENT_CA_FILE: `${files.dir}/ca.crt`,
      });
    });
    after(() => app.stop());

    const cases: Array<[string, () => ChannelCredentials, RegExp]> = [
      ['a client with a certificate from the CA gets in', () => tlsClient(ca, client), /^SERVING$/],
      ['a client without a certificate does not', () => tlsClient(ca), /^UNAVAILABLE: .*certificate required/],
      ['a client with a certificate from another CA does not', () => tlsClient(ca, stranger), /^UNAVAILABLE: /],
      ['a plaintext client does not', () => credentials.createInsecure(), /^UNAVAILABLE: /],
    ];
    for (const [name, creds, expected] of cases) {
      it(name, async () => assert.match(await health(app.grpcPort, creds()), expected));
    }
  });

  it('a key that does not match the certificate stops the start, naming the files', async () => {
    const other = await ca.issue('other', 'server');
    const wrongKey = files.write('wrong.key', other.key);
    await assert.rejects(
      startTestApp({ SCALER_TLS_CERT_FILE: `${files.dir}/tls.crt`, SCALER_TLS_KEY_FILE: wrongKey }),
      (err: Error) => {
        assert.match(err.message, /^gRPC TLS: certificate .*tls\.crt, key .*wrong\.key do not make a TLS context/);
        assert.ok(!err.message.includes('PRIVATE KEY'), 'key material in the error');
        return true;
      },
    );
  });

  it('follows rotated files: new connections get the new certificate, the server and open connections stay', async () => {
    const rotating = certDir();
    const { logger, logs } = captureLogger('info');
    const tls = await (async () => {
      rotating.write('tls.crt', server.cert);
      rotating.write('tls.key', server.key);
      return serverTls({ certFile: `${rotating.dir}/tls.crt`, keyFile: `${rotating.dir}/tls.key` }, logger, 200);
    })();
    const health_ = new HealthState();
    const streams = new OpenStreams();
    const grpc = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      externalScaler: {} as never,
      health: health_,
      streams,
      logger,
      credentials: tls.credentials,
    });
    const before = scalerClient(grpc.port, tlsClient(ca), CHANNEL);
    try {
      assert.equal((await before.healthCheck('')).status, 'SERVING');
      // Rotate to a certificate from another CA, file by file then renamed into place, as a Secret update lands.
      const rotated = await otherCa.issue('kstreams-scaler', 'server');
      renameSync(rotating.write('tls.key.new', rotated.key), `${rotating.dir}/tls.key`);
      renameSync(rotating.write('tls.crt.new', rotated.cert), `${rotating.dir}/tls.crt`);
      await eventually(
        () => health(grpc.port, tlsClient(otherCa)),
        (answer) => answer === 'SERVING',
        { timeoutMs: 10_000, what: 'a new connection trusting only the new CA' },
      );
      assert.match(await health(grpc.port, tlsClient(ca)), /^UNAVAILABLE: /, 'the old certificate is gone');
      assert.equal((await before.healthCheck('')).status, 'SERVING', 'the open connection still works');
      assert.ok(logs.some((l) => l['msg'] === 'gRPC TLS certificate reloaded' && l['serial'] === rotated.serial));
    } finally {
      before.close();
      await grpc.shutdown(1_000);
      tls.stop();
      rotating.remove();
    }
  });
});
