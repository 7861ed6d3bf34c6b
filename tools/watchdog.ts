/**
 * The reaper of one parent process, started detached by managedProcess.ts
 * the first time the parent starts a process or makes a temporary folder:
 *
 *   node watchdog.ts <parentPid> <folder>
 *
 * `<folder>` lists what the parent owns: `p<pid>` files hold "<start time>
 * <process group>" of a process it runs, `d<name>` files the path of a folder
 * to delete. While the folder exists and the parent lives, the watchdog
 * waits. When the parent is gone (SIGKILL, a crash: cases its own exit
 * handlers never see), it SIGKILLs the process group of every listed process
 * while the group has a live member, deletes the listed folders and its own,
 * and exits. When the parent removes the folder itself (its exit hook ran),
 * the watchdog simply exits.
 *
 * A group is killed if its leader is still the process that was started
 * (same start time, so a reused PID is left alone), or if the leader is gone
 * but the group lives on (`sleep 9 &` left behind): a managed process leads
 * its own group, and the kernel reuses neither a PID nor a group's id while
 * the group has members, so that group is still the one that was started.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { liveProcessGroups, processStartTime } from './managedProcess.ts';

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

/** The process groups of the listed processes that are still the ones that were started. */
function ourGroups(): number[] {
  const live = liveProcessGroups();
  return entries('p').flatMap(({ name, text }) => {
    const pid = Number(name);
    const [started, group] = text.trim().split(' ');
    const pgid = Number(group);
    if (!Number.isInteger(pid) || !Number.isInteger(pgid) || pgid <= 1) return [];
    const leader = processStartTime(pid);
    return leader === started || (leader === undefined && live.has(pgid)) ? [pgid] : [];
  });
}

function reap(): void {
  const groups = ourGroups();
  // Until no process is left in them (and a moment for the kernel to release files before removing the folders).
  const deadline = Date.now() + 5_000;
  const live = (): number[] => {
    const now = liveProcessGroups();
    return groups.filter((pgid) => now.has(pgid));
  };
  for (let left = groups; left.length > 0 && Date.now() < deadline; left = live()) {
    for (const pgid of left) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
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
