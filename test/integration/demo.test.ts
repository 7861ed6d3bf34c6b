/**
 * `make demo` in its short form, through the same code (demo/runDemo.ts) on
 * the run's broker: the scaler as its own process, the Kafka Streams
 * application as JVMs started and stopped by the KEDA + HPA loop, one burst.
 * It must scale out to at least two instances, come back to zero by itself,
 * and leave no process behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DemoResult, runDemo } from '../../demo/runDemo.ts';
import { SHORT_DEMO } from '../../demo/settings.ts';
import { processAlive } from '../../tools/managedProcess.ts';
import { testBootstrap, uniqueName } from '../support/kafka.ts';

describe('the demo, short form', function () {
  // Bounded by the scenario's own give-up time (SHORT_DEMO.scenario.giveUpMs) plus setup and cleanup.
  this.timeout(SHORT_DEMO.scenario.giveUpMs + 60_000);
  let logDir: string;
  const lines: string[] = [];

  beforeEach(() => {
    logDir = mkdtempSync(path.join(os.tmpdir(), 'kstreams-demo-'));
    lines.length = 0;
  });

  afterEach(function () {
    // The table tells what happened when an assertion fails.
    if (this.currentTest?.state === 'failed') process.stdout.write(`${lines.join('\n')}\n`);
    rmSync(logDir, { recursive: true, force: true });
  });

  it('scales a Kafka Streams application from 0 to at least 2 instances and back to 0, leaving no JVM behind', async () => {
    const result: DemoResult = await runDemo({
      settings: { ...SHORT_DEMO, topic: uniqueName('orders'), appId: uniqueName('order-counts') },
      repeat: false,
      logDir,
      bootstrapServers: testBootstrap(),
      say: (line) => lines.push(line),
      width: 200,
    });

    assert.equal(result.finished, true, 'back at zero by itself');
    assert.ok(result.peakInstances >= 2, `at most ${result.peakInstances} instance(s) ran at once`);
    assert.ok(result.scaledToZeroAtMs !== undefined, 'KEDA scaled it to 0');
    assert.ok(result.pids.streams.length >= 2, `${result.pids.streams.length} JVM(s) started`);
    const left = [...result.pids.streams, result.pids.scaler].filter(
      (pid): pid is number => pid !== undefined && processAlive(pid),
    );
    assert.deepEqual(left, [], 'every process the demo started is gone');
    assert.ok(
      lines.some((l) => /^ +\d+:\d\d +zero /.test(l)),
      'the table ends at zero',
    );
  });
});
