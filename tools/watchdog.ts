/**
 * Reaper for a harness's processes (a Kafka cluster, the local Kubernetes
 * cluster), started detached by startWatchdog (managedProcess.ts):
 *
 *   node watchdog.ts <parentPid> <root> <marker>
 *
 * While the folder exists and the parent lives, it waits. When the parent is
 * gone (SIGKILL, a crash: cases its own exit handlers never see), it SIGKILLs
 * every process listed in `<root>/pids/` whose command line contains `marker`
 * (kafka.Kafka for brokers, the cluster's folder for Kubernetes' processes),
 * deletes the folder and exits. When the parent removes the folder itself (a
 * normal stop), the watchdog simply exits.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from './managedProcess.ts';

const POLL_MS = 250;
const [parentArg, root, marker] = process.argv.slice(2);
const parentPid = Number(parentArg);
if (!Number.isInteger(parentPid) || !root || !marker) {
  process.stderr.write('usage: watchdog.ts <parentPid> <root> <marker>\n');
  process.exit(2);
}

function isOurs(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker!);
  } catch {
    return false;
  }
}

function reap(): void {
  const pidsDir = path.join(root!, 'pids');
  const pids = existsSync(pidsDir)
    ? readdirSync(pidsDir).map((f) => Number(readFileSync(path.join(pidsDir, f), 'utf8')))
    : [];
  for (const pid of pids) {
    if (Number.isInteger(pid) && isOurs(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  // Give the kernel a moment to release files before removing the folder.
  const deadline = Date.now() + 5_000;
  while (pids.some((pid) => isOurs(pid)) && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  rmSync(root!, { recursive: true, force: true });
}

const timer = setInterval(() => {
  if (!existsSync(root)) {
    clearInterval(timer);
    return;
  }
  if (!processAlive(parentPid)) {
    clearInterval(timer);
    reap();
  }
}, POLL_MS);
