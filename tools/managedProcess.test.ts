import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from './eventually.ts';
import {
  MAX_RUN_OUTPUT,
  ManagedProcess,
  managedProcessesOf,
  processAlive,
  processStartTime,
  run,
} from './managedProcess.ts';

const MODULE = path.join(import.meta.dirname, 'managedProcess.ts');

/** The watchdogs (`node watchdog.ts <parentPid> <folder>`) that watch `parentPid`. */
function watchdogsOf(parentPid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return args[1]?.endsWith('watchdog.ts') === true && args[2] === String(parentPid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('managed processes', function () {
  this.timeout(20_000);
  const started: ManagedProcess[] = [];
  const launch = (...args: ConstructorParameters<typeof ManagedProcess>): ManagedProcess => {
    const p = new ManagedProcess(...args);
    started.push(p);
    return p;
  };
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'managed-process-test-'));
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a parent that dies of SIGKILL', () => {
    it('has one watchdog for all its children, which then kills them and deletes its folders', async () => {
      // A parent with three children and a temporary folder, that prints them and waits.
      const script = [
        `import { ManagedProcess, temporaryFolder } from ${JSON.stringify(MODULE)};`,
        `const folder = temporaryFolder('managed-process-test-parent-');`,
        `const children = [1, 2, 3].map((n) => new ManagedProcess('sleep-' + n, 'sleep', ['300']));`,
        `console.log(JSON.stringify({ pids: children.map((c) => c.pid), folder: folder.path }));`,
        `setInterval(() => {}, 1000);`,
      ].join('\n');
      const parent = launch('parent', process.execPath, ['--input-type=module', '-e', script]);
      await parent.waitFor(
        (line) => line.startsWith('{'),
        10_000,
        () => `the parent exited: ${parent.tail.join('\n')}`,
      );
      const { pids, folder } = JSON.parse(parent.tail.at(-1)!) as { pids: number[]; folder: string };
      assert.equal(pids.length, 3);
      assert.deepEqual(pids.filter(processAlive), pids, 'the children run');
      assert.deepEqual(managedProcessesOf(parent.pid!).sort(), [...pids].sort(), 'registered with the watchdog');
      assert.equal(watchdogsOf(parent.pid!).length, 1, 'one watchdog for three children');
      const watchdog = watchdogsOf(parent.pid!)[0]!;

      await parent.kill();
      await eventually(
        () => [
          ...pids.filter(processAlive),
          ...(existsSync(folder) ? [folder] : []),
          ...(processAlive(watchdog) ? ['watchdog'] : []),
        ],
        (left) => left.length === 0,
        { timeoutMs: 10_000, what: 'children, folder and watchdog gone' },
      );
    });
  });

  describe('a parent whose children have children of their own', () => {
    // A parent with a sleep, a shell that waits for its own background sleep, and a temporary folder.
    const script = [
      `import { ManagedProcess, temporaryFolder } from ${JSON.stringify(MODULE)};`,
      `const folder = temporaryFolder('managed-process-test-parent-');`,
      `const sleeper = new ManagedProcess('sleep', 'sleep', ['300']);`,
      `const shell = new ManagedProcess('sh', '/bin/sh', ['-c', 'sleep 300 & echo $!; wait'], {`,
      `  onLine: (line) => console.log(JSON.stringify({`,
      `    pids: [sleeper.pid, shell.pid, Number(line)],`,
      `    folder: folder.path,`,
      `  })),`,
      `});`,
      `setInterval(() => {}, 1000);`,
    ].join('\n');

    /** Starts that parent; `check` gets the parent, its children and grandchild, and its folder. */
    async function withParent(check: (parent: ManagedProcess, pids: number[], folder: string) => Promise<void>) {
      const file = path.join(dir, 'parent.mjs');
      writeFileSync(file, script);
      const parent = launch('parent', process.execPath, [file]);
      const parentPid = parent.pid!;
      await parent.waitFor(
        (line) => line.startsWith('{'),
        10_000,
        () => `the parent exited: ${parent.tail.join('\n')}`,
      );
      const { pids, folder } = JSON.parse(parent.tail.at(-1)!) as { pids: number[]; folder: string };
      const startTimes = pids.map(processStartTime);
      try {
        assert.equal(pids.length, 3);
        assert.deepEqual(pids.filter(processAlive), pids, 'the children and the grandchild run');
        assert.ok(existsSync(folder));
        await check(parent, pids, folder);
      } finally {
        // Whatever the outcome, nothing is left behind.
        pids.forEach((pid, i) => {
          if (startTimes[i] !== undefined && processStartTime(pid) === startTimes[i]) process.kill(pid, 'SIGKILL');
        });
        rmSync(folder, { recursive: true, force: true });
        // The parent's watchdog folder too, had neither its exit hook nor its watchdog removed it.
        if (!processAlive(parentPid)) {
          for (const name of readdirSync(os.tmpdir()).filter((n) => n.startsWith(`kstreams-watch-${parentPid}-`))) {
            rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
          }
        }
      }
    }

    const gone = (pids: number[], folder: string): Promise<unknown> =>
      eventually(
        () => [...pids.filter(processAlive), ...(existsSync(folder) ? [folder] : [])],
        (left) => left.length === 0,
        { timeoutMs: 10_000, what: 'children, grandchild and folder gone' },
      );

    it('dies of SIGKILL: its watchdog kills the process group of each child', async () => {
      await withParent(async (parent, pids, folder) => {
        await parent.kill();
        await gone(pids, folder);
      });
    });

    it('gets SIGTERM after its watchdog died: its exit hook kills the children and deletes the folder', async () => {
      await withParent(async (parent, pids, folder) => {
        const parentPid = parent.pid!;
        const watchdogs = watchdogsOf(parentPid);
        assert.equal(watchdogs.length, 1);
        process.kill(watchdogs[0]!, 'SIGKILL');
        await eventually(
          () => processAlive(watchdogs[0]!),
          (alive) => !alive,
          { timeoutMs: 10_000, what: 'the watchdog gone' },
        );
        parent.signal('SIGTERM');
        assert.equal(await parent.exited, 128 + 15);
        await gone(pids, folder);
        assert.deepEqual(managedProcessesOf(parentPid), [], 'the watchdog folder deleted');
      });
    });
  });

  describe('what a child left running in its process group, once the child has exited', () => {
    // A parent whose child (a shell) exits at once, leaving a sleep in its group that holds its output open.
    const script = [
      `import { run } from ${JSON.stringify(MODULE)};`,
      `void run('/bin/sh', ['-c', 'sleep 301 & echo $$ $!'], { onLine: (line) => console.log(line) });`,
      `setInterval(() => {}, 1000);`,
    ].join('\n');
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`is killed when the parent gets ${signal}`, async () => {
        const file = path.join(dir, 'parent.mjs');
        writeFileSync(file, script);
        const parent = launch('parent', process.execPath, [file]);
        await parent.waitFor(
          (line) => /^\d+ \d+$/.test(line),
          10_000,
          () => `the parent exited: ${parent.tail.join('\n')}`,
        );
        const [shell, sleeper] = parent.tail.at(-1)!.split(' ').map(Number) as [number, number];
        const sleeperStarted = processStartTime(sleeper);
        try {
          await eventually(
            () => processAlive(shell),
            (alive) => !alive,
            { timeoutMs: 10_000, what: 'the shell gone' },
          );
          assert.ok(processAlive(sleeper), 'the sleep it left runs on');
          parent.signal(signal);
          await parent.exited;
          await eventually(
            () => processAlive(sleeper),
            (alive) => !alive,
            {
              timeoutMs: 10_000,
              what: 'the sleep it left gone',
            },
          );
        } finally {
          if (sleeperStarted !== undefined && processStartTime(sleeper) === sleeperStarted) {
            process.kill(sleeper, 'SIGKILL');
          }
        }
      });
    }
  });

  describe('stop()', () => {
    // A grace period far longer than `slowest` shows SIGTERM (not the SIGKILL after it) ended the process.
    const cases = [
      {
        name: 'a process that ends on SIGTERM ends with it',
        script: 'echo ready; sleep 300',
        graceMs: 30_000,
        slowest: 10_000,
      },
      {
        name: 'a process that ignores SIGTERM is killed after the grace period, not before',
        script: 'trap "" TERM; echo ready; sleep 300',
        graceMs: 300,
        fastest: 300,
        slowest: 10_000,
      },
      {
        // A stopped process dies of SIGTERM's default action, but holds a handled SIGTERM until it is continued.
        name: 'a paused process is resumed to take SIGTERM',
        script: 'trap "echo term; exit 7" TERM; echo ready; while :; do sleep 0.1; done',
        pause: true,
        graceMs: 30_000,
        slowest: 10_000,
        code: 7,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const p = launch('sh', '/bin/sh', ['-c', c.script], { graceMs: c.graceMs });
        // Signalled before the shell set its trap, it would die at once.
        await p.waitFor(
          (line) => line === 'ready',
          10_000,
          (code) => `exited (${code}) before it was ready`,
        );
        if (c.pause) p.pause();
        assert.equal(p.paused, c.pause === true);
        const t = Date.now();
        await p.stop();
        assert.equal(p.running, false);
        assert.ok(Date.now() - t < c.slowest, `stopped in ${Date.now() - t} ms`);
        assert.ok(Date.now() - t >= (c.fastest ?? 0), `stopped in ${Date.now() - t} ms, before the grace period`);
        if (c.code !== undefined) assert.equal(await p.exited, c.code, 'its SIGTERM handler ran');
      });
    }
  });

  it('stop(): what the process left running in its group, ignoring SIGTERM, is killed after the grace period', async () => {
    // The shell ends on SIGTERM; the process it started ignores it and holds the output open.
    const script = `sh -c 'trap "" TERM; echo left $$; exec sleep 300' & wait`;
    const p = launch('sh', '/bin/sh', ['-c', script], { graceMs: 300 });
    let left: number | undefined;
    await p.waitFor(
      (line) => {
        const pid = /^left (\d+)$/.exec(line)?.[1];
        if (pid !== undefined) left = Number(pid);
        return pid !== undefined;
      },
      10_000,
      (code) => `exited (${code}) before it was ready`,
    );
    await p.stop();
    assert.equal(p.running, false);
    await eventually(
      () => processAlive(left!),
      (alive) => !alive,
      { timeoutMs: 5_000, everyMs: 50, what: `the process it left (${left}) gone` },
    );
  });

  describe('output', () => {
    it('goes to the log file and the tail, and the last error-looking line names what failed', async () => {
      const logFile = path.join(dir, 'out.log');
      const p = launch('sh', '/bin/sh', ['-c', 'echo starting; echo "ERROR: no disk" >&2; echo bye; exit 3'], {
        logFile,
      });
      assert.equal(await p.exited, 3);
      await p.closed;
      // stdout and stderr are separate pipes: their lines may interleave either way.
      assert.deepEqual([...p.tail].sort(), ['ERROR: no disk', 'bye', 'starting']);
      assert.equal(p.lastInterestingLine(), 'ERROR: no disk');
      assert.equal(readFileSync(logFile, 'utf8').split('\n').sort().join(','), ',ERROR: no disk,bye,starting');
    });

    it('waitFor() rejects with the exit described when the process ends before it is ready', async () => {
      const p = launch('sh', '/bin/sh', ['-c', 'echo nope; exit 2'], { error: (m) => new RangeError(m) });
      await assert.rejects(
        p.waitFor(
          (line) => line === 'ready',
          5_000,
          (code) => `exited ${code}`,
        ),
        { name: 'RangeError', message: 'exited 2' },
      );
    });
  });

  describe('run()', () => {
    const cases = [
      {
        name: 'keeps stdout and stderr apart and hands back a non-zero exit',
        command: '/bin/sh',
        args: ['-c', 'echo out; echo err >&2; exit 4'],
        want: { code: 4, stdout: 'out\n', stderr: 'err\n', lastLine: 'err' },
      },
      {
        name: 'writes its input to stdin',
        command: '/bin/cat',
        args: [],
        input: 'fed\n',
        want: { code: 0, stdout: 'fed\n', stderr: '', lastLine: 'fed' },
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        assert.deepEqual(await run(c.command, c.args, c.input === undefined ? {} : { input: c.input }), c.want);
      });
    }

    const failures = [
      {
        name: 'a missing command is said with what is needed',
        command: 'no-such-command-here',
        options: { needs: 'install it' },
        message: 'no-such-command-here is not on PATH; install it',
      },
      {
        name: 'a command that overruns its time is killed',
        command: 'sleep',
        options: { timeoutMs: 200, name: 'a nap' },
        message: 'a nap did not finish within 0.2 s',
      },
    ];
    for (const c of failures) {
      it(c.name, async () => {
        await assert.rejects(run(c.command, ['300'], c.options), { message: c.message });
      });
    }

    it('is not started in earnest when its signal has already aborted', async () => {
      const abort = new AbortController();
      abort.abort();
      assert.equal((await run('sleep', ['300'], { signal: abort.signal })).code, null);
    });

    it('a timeout also kills what the command left running in its process group', async () => {
      // The shell exits at once; its background sleep holds the output open.
      const running = run('/bin/sh', ['-c', 'sleep 300 & echo started'], { timeoutMs: 300, name: 'a leaver' });
      await assert.rejects(running, { message: 'a leaver did not finish within 0.3 s' });
    });

    it('a command that prints without end is stopped', async () => {
      await assert.rejects(run('yes', [], { timeoutMs: 60_000, name: 'chatter' }), {
        message: new RegExp(`^chatter printed more than ${MAX_RUN_OUTPUT} characters on one stream; it was stopped`),
      });
    });

    it('decodes a UTF-8 character split between two reads', async () => {
      // 65,535 'a' and the first byte of '€', then, once that has been read, the rest.
      const script = [
        `const euro = Buffer.from('€'.repeat(10));`,
        `process.stdout.write(Buffer.concat([Buffer.from('a'.repeat(65535)), euro.subarray(0, 1)]), () =>`,
        `  setTimeout(() => process.stdout.write(Buffer.concat([euro.subarray(1), Buffer.from('\\n')])), 200));`,
      ].join('\n');
      const line = 'a'.repeat(65535) + '€'.repeat(10);
      assert.deepEqual(await run(process.execPath, ['-e', script]), {
        code: 0,
        stdout: `${line}\n`,
        stderr: '',
        lastLine: line,
      });
    });

    it('is killed when its signal aborts', async () => {
      const abort = new AbortController();
      const running = run('sleep', ['300'], { signal: abort.signal });
      abort.abort();
      assert.equal((await running).code, null);
    });
  });
});
