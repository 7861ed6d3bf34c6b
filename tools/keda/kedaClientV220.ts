/**
 * KEDA v2.20.2's own gRPC client of external scalers (tools/keda/client-v2.20,
 * a Go program on KEDA's generated `externalscaler` package of that release,
 * whose service has no StreamMetricSpec), built once into the per-user cache
 * and run against a scaler: what a KEDA before v2.21 reads.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SOURCE = path.join(import.meta.dirname, 'client-v2.20');

export interface KedaV220Answer {
  readonly metricName: string;
  readonly targetSize: number;
  readonly targetSizeFloat: number;
  readonly metricValue: number;
  readonly metricValueFloat: number;
  readonly active: boolean;
  /** The first StreamIsActive message. */
  readonly streamActive: boolean;
}

/** The client's binary, built when what it is built from changed (seconds with a warm Go cache). */
export async function buildKedaClientV220(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(path.join(SOURCE, file)));
  const cache = process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache');
  const dir = path.join(cache, 'kstreams-scaler', 'keda-client-v2.20', hash.digest('hex').slice(0, 16));
  const bin = path.join(dir, 'keda-client-v2.20');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  await new Promise<void>((resolve, reject) => {
    execFile(
      'go',
      ['build', '-trimpath', '-o', tmp, '.'],
      { cwd: SOURCE, env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' } },
      (err, _stdout, stderr) => {
        if (err) {
          const first = stderr.trim().split('\n')[0];
          reject(new Error(`building ${SOURCE} failed: ${first || err.message}`, { cause: err }));
        } else resolve();
      },
    );
  });
  renameSync(tmp, bin);
  return bin;
}

/** One round of KEDA v2.20.2's calls against the scaler at `address` (plaintext). */
export function kedaV220Poll(
  bin: string,
  address: string,
  ref: { readonly name: string; readonly namespace: string; readonly metadata: Readonly<Record<string, string>> },
): Promise<KedaV220Answer> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ['-address', address, '-name', ref.name, '-namespace', ref.namespace, '-metadata', JSON.stringify(ref.metadata)],
      { timeout: 20_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(stderr.trim() || err.message, { cause: err }));
        else resolve(JSON.parse(stdout) as KedaV220Answer);
      },
    );
  });
}
