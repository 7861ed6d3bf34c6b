/**
 * The container image without a Docker engine: the Dockerfile's stages are
 * replayed in plain folders (tools/image/replay.ts): `npm ci` and the
 * TypeScript build in one, a production-only `npm ci` in another, then the
 * runtime stage's files copied exactly as its COPY lines say. The runtime
 * folder is started the way the distroless image starts it (its entrypoint
 * is node; the Dockerfile's CMD are node's arguments), without a shell, with
 * nothing from the repository on its module path.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '../../tools/eventually.ts';
import { parseDockerfile } from '../../tools/image/dockerfile.ts';
import { type ReplayedStage, replayStage } from '../../tools/image/replay.ts';
import { freePorts } from '../../tools/kafka/ports.ts';
import { listServicesByReflection, ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every file under dir, relative, with / separators. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

describe('the container image, its stages replayed without Docker', function () {
  this.timeout(180_000);
  let workDir: string;
  let runtime: ReplayedStage;
  let child: ChildProcess | undefined;
  let client: ScalerClient | undefined;
  /** PATH for the replay and the process: the Node 24 of the tests first, never the repository's node_modules/.bin. */
  let pathEnv: string;

  before(() => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'kstreams-scaler-image-'));
    const bin = path.join(workDir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const repoBin = path.join(ROOT, 'node_modules', '.bin');
    pathEnv = [bin, ...(process.env['PATH'] ?? '').split(':').filter((p) => path.resolve(p) !== repoBin)].join(':');
    const stages = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    runtime = replayStage(stages, 'runtime', {
      contextDir: ROOT,
      workDir: path.join(workDir, 'stages'),
      // The caller's environment (npm's registry, proxy and CA settings), with PATH replaced.
      env: { ...process.env, PATH: pathEnv },
    });
  });

  after(() => {
    client?.close();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });

  it('holds the built server, the proto files and production dependencies only', () => {
    const files = filesUnder(runtime.workdir);
    assert.ok(files.includes('dist/main.js'));
    assert.ok(files.includes('proto/externalscaler.proto'), 'gRPC reflection reads proto/ at run time');
    assert.deepEqual(
      files.filter((f) => f.startsWith('web/')).sort(),
      ['web/favicon.svg', 'web/index.html', 'web/status.css', 'web/status.js'],
      'the status page',
    );
    assert.deepEqual(
      files.filter((f) => !f.startsWith('node_modules/') && (f.startsWith('src/') || /\.test\.js$/.test(f))),
      [],
      'no sources, no tests',
    );
    // package-lock.json marks what only development needs ("dev": true).
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    const installed = Object.entries(lock.packages).filter(([p]) => p.startsWith('node_modules/'));
    const missing = installed.filter(
      ([p, info]) => !info.dev && !info.optional && !existsSync(path.join(runtime.workdir, p)),
    );
    assert.deepEqual(missing, [], 'every production dependency is installed');
    const dev = installed.filter(([p, info]) => info.dev && existsSync(path.join(runtime.workdir, p)));
    assert.deepEqual(dev, [], 'no development dependency is');
    assert.ok(installed.filter(([, info]) => info.dev).length > 100, 'the lock file marks development dependencies');
    assert.equal(runtime.user, 'nonroot');
    // The base image's entrypoint (node) runs the CMD; the start below relies on that.
    assert.equal(runtime.entrypoint, undefined);
    assert.equal(runtime.env['NODE_ENV'], 'production');
  });

  it('runs the explain command as `kubectl exec` would: node dist/cli.js explain', async () => {
    const run = (args: readonly string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const cli = spawn(process.execPath, ['dist/cli.js', 'explain', ...args], {
          cwd: runtime.workdir,
          env: { PATH: pathEnv, ...runtime.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        cli.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        cli.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        cli.once('close', (code) => resolve({ code, stdout, stderr }));
      });
    const help = await run(['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^usage: kstreams-scaler explain /);
    const [port] = await freePorts(1);
    const down = await run(['--bootstrap-servers', `127.0.0.1:${port}`, '--group', 'orders-app', '--topic', 'orders']);
    assert.equal(down.code, 1);
    assert.equal(
      down.stderr,
      `kstreams-scaler explain: kafka cluster 127.0.0.1:${port}: Connection error: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });

  it('starts as the image does, serves health, KEDA calls and reflection, and exits 0 on SIGTERM', async () => {
    const [grpcPort, httpPort] = await freePorts(2);
    // No shell: node is spawned directly with the CMD as its arguments.
    child = spawn(process.execPath, [...runtime.cmd], {
      cwd: runtime.workdir,
      env: {
        PATH: pathEnv,
        ...runtime.env,
        SCALER_HOST: '127.0.0.1',
        SCALER_GRPC_PORT: String(grpcPort),
        SCALER_HTTP_PORT: String(httpPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    // 'close', not 'exit': only then has all the child wrote been read.
    const exited = new Promise<number | null>((resolve) => child!.once('close', (code) => resolve(code)));

    client = scalerClient(grpcPort!);
    const health = await eventually(
      () => client!.healthCheck(''),
      () => true,
      { timeoutMs: 20_000, everyMs: 200, what: `the replayed image serving gRPC (output: ${output})` },
    );
    assert.equal(health.status, 'SERVING');
    assert.equal((await client.healthCheck('liveness')).status, 'SERVING');
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status, 200);
    // The status page and uPlot, found from dist/ and the production node_modules.
    for (const [urlPath, contentType] of [
      ['/', 'text/html; charset=utf-8'],
      ['/assets/status.js', 'text/javascript; charset=utf-8'],
      ['/assets/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
      ['/assets/uPlot.min.css', 'text/css; charset=utf-8'],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${httpPort}${urlPath}`);
      assert.equal(res.status, 200, urlPath);
      assert.equal(res.headers.get('content-type'), contentType, urlPath);
      assert.ok((await res.arrayBuffer()).byteLength > 0, urlPath);
    }

    const spec = await client.getMetricSpec(
      ref({ bootstrapServers: '127.0.0.1:9', consumerGroup: 'orders-app', topic: 'orders' }),
    );
    assert.equal(spec.metricSpecs.length, 1);
    assert.ok((await listServicesByReflection(grpcPort!)).includes('externalscaler.ExternalScaler'));

    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    const lines = output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    assert.equal(lines.at(-1)?.msg, 'stopped');
  });
});
