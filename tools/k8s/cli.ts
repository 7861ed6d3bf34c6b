/**
 * `make cluster`: the local Kubernetes control plane with the real KEDA
 * operator and metrics adapter (localCluster.ts), until Ctrl-C.
 *
 *   make cluster                     # builds once (cached per user), starts, prints KUBECONFIG
 *   make cluster ARGS="--log-dir d"  # process logs in d (default .cache/cluster)
 *
 * Ctrl-C or SIGTERM stops every process it started, by PID.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ClusterError, startCluster } from './localCluster.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'log-dir': { type: 'string' }, 'build-only': { type: 'boolean' } } });
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  if (values['build-only']) {
    const { buildCluster } = await import('./localCluster.ts');
    const bins = await buildCluster(say);
    say(`binaries: ${bins.k8s}, ${bins.keda}`);
    return;
  }
  const cluster = await startCluster({ log: say, logDir: values['log-dir'] ?? path.join(ROOT, '.cache', 'cluster') });
  say(`\nexport KUBECONFIG=${cluster.kubeconfig}\nlogs in ${cluster.logDir}; Ctrl-C stops everything`);
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  say('stopping');
  await cluster.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof ClusterError ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
