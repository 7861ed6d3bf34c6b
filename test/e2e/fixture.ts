/**
 * Mocha global fixture of the end-to-end run: one real Kafka broker (the
 * project's harness) and one local Kubernetes control plane with the real
 * KEDA operator and metrics adapter (tools/k8s/localCluster.ts), shared by
 * every scenario. Process logs go to .cache/e2e/ and stay after the run.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startKafka, type LocalKafka } from '../../tools/kafka/localKafka.ts';
import { type LocalCluster, startCluster } from '../../tools/k8s/localCluster.ts';

export const LOG_DIR = path.resolve(import.meta.dirname, '..', '..', '.cache', 'e2e');

let kafka: LocalKafka | undefined;
let cluster: LocalCluster | undefined;

const say = (line: string): void => void process.stdout.write(`  ${line}\n`);

export async function mochaGlobalSetup(): Promise<void> {
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  try {
    kafka = await startKafka({ log: (line) => say(`[kafka] ${line}`) });
    cluster = await startCluster({ log: (line) => say(`[k8s] ${line}`), logDir: LOG_DIR });
  } catch (err) {
    await mochaGlobalTeardown();
    throw err;
  }
}

export async function mochaGlobalTeardown(): Promise<void> {
  await cluster?.stop();
  await kafka?.stop();
  cluster = undefined;
  kafka = undefined;
}

/** The shared broker and cluster (after the global setup). */
export function e2e(): { readonly kafka: LocalKafka; readonly cluster: LocalCluster } {
  if (!kafka || !cluster) throw new Error('the e2e fixture is not set up (run with .mocharc.e2e.json)');
  return { kafka, cluster };
}
