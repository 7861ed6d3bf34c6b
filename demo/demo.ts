/**
 * `make demo`: the scaler doing its job end to end on this machine.
 *
 *   make demo                        # idle → burst → scale out → drain → zero, then exits
 *   make demo ARGS=--keep-running    # bursts repeat each time it is back at zero, until Ctrl-C
 *   make demo-keda                   # the same with the real KEDA operator and HPA (make demo ARGS=--keda)
 *   npm run demo -- --short          # the integration test's shorter form
 *
 * A real Kafka broker, the scaler as its own process, a Kafka Streams
 * application run as one JVM per replica and a loop that behaves like KEDA
 * and the HPA (runDemo.ts); with --keda, a local Kubernetes control plane
 * with the real KEDA operator and metrics adapter decides instead
 * (tools/k8s/localCluster.ts: built once per machine, 20-25 min the first
 * time). Logs go to .cache/demo/ (--log-dir to change).
 * Ctrl-C or SIGTERM stops everything it started, by PID; a second one exits
 * at once (the harness's exit hooks still kill the JVMs).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from './runDemo.ts';
import { FULL_DEMO, SHORT_DEMO } from './settings.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'keep-running': { type: 'boolean', default: false },
      short: { type: 'boolean', default: false },
      keda: { type: 'boolean', default: false },
      'log-dir': { type: 'string' },
    },
  });
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(130);
    say(`\n  ${signal}: stopping everything the demo started (again to exit at once)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const repeat = values['keep-running'];
  say(
    'kstreams-scaler demo: a real Kafka broker, the scaler, and a Kafka Streams application whose instances\n' +
      '(one JVM each) are started and stopped the way KEDA and the HPA would.\n',
  );
  const result = await runDemo({
    settings: values.short ? SHORT_DEMO : FULL_DEMO,
    repeat,
    logDir: values['log-dir'] ?? path.join(ROOT, '.cache', 'demo'),
    say,
    width: process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : 200,
    signal: stop.signal,
    ...(values.keda ? { keda: true as const } : {}),
  });
  if (!result.finished && !stop.signal.aborted) return 1;
  say(stop.signal.aborted ? '  stopped.' : '');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
