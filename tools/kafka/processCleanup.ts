/**
 * Last-resort cleanup when the process that started Kafka nodes exits.
 *
 * - On every exit (normal end, process.exit) the registered synchronous
 *   cleanups run: SIGKILL the nodes, delete their folders.
 * - On SIGINT/SIGTERM/SIGHUP, Node's default is to die without running exit
 *   handlers, so the harness listens for them; if nobody else does, it exits
 *   with the conventional 128+N status after cleaning up. A program with its
 *   own signal handling (the demo) keeps it: it must call process.exit or let
 *   the loop drain, and the exit hook still runs.
 * - SIGKILL of this process is covered by the detached watchdog (watchdog.ts).
 */
const cleanups = new Set<() => void>();
let installed = false;
const SIGNALS: ReadonlyArray<readonly [NodeJS.Signals, number]> = [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
];

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // Best effort: keep cleaning up the rest.
    }
  }
  cleanups.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const [signal, number] of SIGNALS) {
    const handler = (): void => {
      if (process.listenerCount(signal) > 1) return;
      runAll();
      process.exit(128 + number);
    };
    process.on(signal, handler);
  }
}

/** Registers a synchronous cleanup; returns a function that unregisters it. */
export function onProcessExit(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
