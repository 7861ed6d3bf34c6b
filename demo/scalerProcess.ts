/**
 * The scaler as the demo and the benchmarks run it: its own process (`node
 * src/main.ts`, what the container runs, or the compiled `dist/main.js`) on
 * free loopback ports, a managed process (tools/managedProcess.ts: its own
 * process group, its log in a file, stopped with SIGTERM and SIGKILL if it
 * overstays, killed with the process that started it).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../tools/eventually.ts';
import { freePorts } from '../tools/kafka/ports.ts';
import { ManagedProcess } from '../tools/managedProcess.ts';

const MAIN = path.resolve(import.meta.dirname, '..', 'src', 'main.ts');
const STOP_GRACE_MS = 15_000;

export interface ScalerProcess {
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly logFile: string;
  /** SIGTERM, SIGKILL after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

export async function startScalerProcess(options: {
  readonly logFile: string;
  /** SCALER_* settings on top of the demo's defaults (the shipped ones but a 5 s shutdown timeout). */
  readonly env?: Readonly<Record<string, string>>;
  /** The entry point; src/main.ts by default. */
  readonly main?: string;
}): Promise<ScalerProcess> {
  const [grpcPort, httpPort] = (await freePorts(2)) as [number, number];
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCALER_')));
  writeFileSync(options.logFile, '');
  const scaler = new ManagedProcess(
    'scaler',
    process.execPath,
    ['--disable-warning=TimeoutNegativeWarning', options.main ?? MAIN],
    {
      logFile: options.logFile,
      graceMs: STOP_GRACE_MS,
      env: {
        ...inherited,
        SCALER_HOST: '127.0.0.1',
        SCALER_GRPC_PORT: String(grpcPort),
        SCALER_HTTP_PORT: String(httpPort),
        SCALER_SHUTDOWN_TIMEOUT: '5s',
        ...options.env,
      },
    },
  );
  try {
    await eventually(
      async () => {
        if (!scaler.running) {
          // Its last lines may come in after the exit.
          await scaler.closed;
          throw new Error(`the scaler exited: ${scaler.lastInterestingLine()}; see ${options.logFile}`);
        }
        return (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status;
      },
      (status) => status === 200,
      { timeoutMs: 30_000, everyMs: 200, what: 'the scaler ready (/readyz)' },
    );
  } catch (err) {
    await scaler.stop();
    throw err;
  }
  return {
    get pid() {
      return scaler.pid;
    },
    get running() {
      return scaler.running;
    },
    grpcPort,
    httpPort,
    logFile: options.logFile,
    stop: () => scaler.stop(),
  };
}
