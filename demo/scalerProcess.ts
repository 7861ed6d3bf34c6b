/**
 * The scaler as the demo runs it: its own process (`node src/main.ts`, what
 * the container runs) on free loopback ports, in its own process group, its
 * log in a file. Stopped by PID with SIGTERM (SIGKILL if it overstays); on
 * the demo's exit by the harness's exit hook; and if the demo is killed
 * outright, by the harness's detached watchdog.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '../tools/eventually.ts';
import { startWatchdog } from '../tools/managedProcess.ts';
import { freePorts } from '../tools/kafka/ports.ts';
import { onProcessExit } from '../tools/kafka/processCleanup.ts';

const MAIN = path.resolve(import.meta.dirname, '..', 'src', 'main.ts');
const STOP_GRACE_MS = 12_000;

export interface ScalerProcess {
  readonly pid: number | undefined;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly logFile: string;
  /** SIGTERM, SIGKILL after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

export async function startScalerProcess(options: {
  readonly logFile: string;
  /** SCALER_* settings on top of the demo's defaults. */
  readonly env?: Readonly<Record<string, string>>;
}): Promise<ScalerProcess> {
  const [grpcPort, httpPort] = (await freePorts(2)) as [number, number];
  const log = openSync(options.logFile, 'w');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCALER_')));
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', MAIN], {
    env: {
      ...inherited,
      SCALER_HOST: '127.0.0.1',
      SCALER_GRPC_PORT: String(grpcPort),
      SCALER_HTTP_PORT: String(httpPort),
      SCALER_SHUTDOWN_TIMEOUT: '5s',
      ...options.env,
    },
    stdio: ['ignore', log, log],
    detached: true,
  });
  // The child has its own copy of the descriptor.
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  // The watchdog reaps the PIDs listed in <root>/pids whose command line names MAIN.
  const root = mkdtempSync(path.join(os.tmpdir(), 'kstreams-scaler-'));
  mkdirSync(path.join(root, 'pids'));
  if (child.pid !== undefined) writeFileSync(path.join(root, 'pids', 'scaler'), String(child.pid));
  startWatchdog(root, MAIN);
  const unregister = onProcessExit(() => {
    if (running()) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });
  void exited.then(() => {
    rmSync(root, { recursive: true, force: true });
    unregister();
  });

  const stop = async (): Promise<void> => {
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
  };

  try {
    await eventually(
      async () => {
        if (!running())
          throw new Error(`the scaler exited (${child.exitCode ?? child.signalCode}); see ${options.logFile}`);
        return (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status;
      },
      (status) => status === 200,
      { timeoutMs: 30_000, everyMs: 200, what: 'the scaler ready (/readyz)' },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    get pid() {
      return running() ? child.pid : undefined;
    },
    grpcPort,
    httpPort,
    logFile: options.logFile,
    stop,
  };
}
