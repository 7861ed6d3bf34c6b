/**
 * The reaper of one parent process, started detached by managedProcess.ts
 * the first time the parent starts a process or makes a temporary folder:
 *
 *   node watchdog.ts <parentPid> <folder>
 *
 * `<folder>` lists what the parent owns: `p<pid>` files hold the start time
 * of a process it runs, `d<name>` files the path of a folder to delete. While
 * the folder exists and the parent lives, the watchdog waits. When the parent
 * is gone (SIGKILL, a crash: cases its own exit handlers never see), it
 * SIGKILLs the process group of every listed process that is still the one
 * that was started (same start time, so a reused PID is left alone), deletes
 * the listed folders and its own, and exits. When the parent removes the
 * folder itself (its exit hook ran), the watchdog simply exits.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { processStartTime } from './managedProcess.ts';

const POLL_MS = 250;
const [parentArg, folder] = process.argv.slice(2);
const parentPid = Number(parentArg);
if (!Number.isInteger(parentPid) || !folder) {
  process.stderr.write('usage: watchdog.ts <parentPid> <folder>\n');
  process.exit(2);
}

function entries(kind: 'p' | 'd'): Array<{ name: string; text: string }> {
  let names: string[];
  try {
    names = readdirSync(folder!).filter((name) => name.startsWith(kind));
  } catch {
    return [];
  }
  // One entry that cannot be read (removed in the meantime) does not hide the others.
  return names.flatMap((name) => {
    try {
      return [{ name: name.slice(1), text: readFileSync(path.join(folder!, name), 'utf8') }];
    } catch {
      return [];
    }
  });
}

function reap(): void {
  const ours = entries('p')
    .map(({ name, text }) => ({ pid: Number(name), started: text }))
    .filter(({ pid, started }) => Number.isInteger(pid) && processStartTime(pid) === started);
  for (const { pid } of ours) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  // Give the kernel a moment to release files before removing the folders.
  const deadline = Date.now() + 5_000;
  while (ours.some(({ pid, started }) => processStartTime(pid) === started) && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  for (const { text } of entries('d')) rmSync(text, { recursive: true, force: true });
  rmSync(folder!, { recursive: true, force: true });
}

// Once the parent is gone this process has another parent: no PID to be fooled by.
const timer = setInterval(() => {
  if (!existsSync(folder)) {
    clearInterval(timer);
  } else if (process.ppid !== parentPid) {
    clearInterval(timer);
    reap();
  }
}, POLL_MS);
