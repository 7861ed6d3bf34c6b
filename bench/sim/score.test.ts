import assert from 'node:assert/strict';
import { formatSpread, report, spread, type Result } from './report.ts';
import type { Run } from './runSim.ts';
import { checkTargets, score, type Score } from './score.ts';
import { TRACES, type Trace } from './traces.ts';

const trace: Trace = {
  name: 't',
  description: 'a test load',
  durationMs: 5_000,
  initialReplicas: 0,
  rate: () => 1,
  weights: () => [1],
  crashes: [],
  endsIdle: true,
};

function run(latency: number[], replicas: number[], events: Run['scaleEvents'] = [], firstRecordAt = 0): Run {
  return {
    trace: 't',
    contender: 'c',
    series: [],
    latencyBySecond: Float64Array.from(latency),
    replicasBySecond: Uint16Array.from(replicas),
    firstRecordAt,
    scaleEvents: events,
    errors: 0,
  };
}

const event = (atSeconds: number, from: number, to: number) => ({
  at: atSeconds * 1000,
  atSeconds,
  from,
  to,
  by: 'keda' as const,
  reason: '',
});

describe('simulator scoring', () => {
  it('counts seconds over the objective, replica-seconds, actions, the first replica and the return to zero', () => {
    const s = score(run([0, 130, 200, 10, 0], [0, 2, 3, 1, 0], [event(1, 0, 2), event(3, 1, 0)], 0), trace, 120);
    assert.deepEqual(
      { ...s },
      {
        trace: 't',
        contender: 'c',
        secondsOverObjective: 2,
        replicaSeconds: 6,
        scalingActions: 2,
        scalingActionsPerHour: 1440,
        secondsToFirstReplica: 1,
        returnedToZero: true,
        peakLatencySeconds: 200,
        peakReplicas: 3,
        errors: 0,
      },
    );
  });

  it('no first-replica time for a trace that starts with replicas; no zero verdict for a load that never ends', () => {
    const s = score(run([0], [2]), { ...trace, initialReplicas: 2, endsIdle: false }, 120);
    assert.equal(s.secondsToFirstReplica, undefined);
    assert.equal(s.returnedToZero, undefined);
  });

  const base: Score = {
    trace: 't',
    contender: 'base',
    secondsOverObjective: 10,
    replicaSeconds: 1000,
    scalingActions: 5,
    scalingActionsPerHour: 5,
    secondsToFirstReplica: undefined,
    returnedToZero: undefined,
    peakLatencySeconds: 0,
    peakReplicas: 0,
    errors: 0,
  };
  const oracle: Score = { ...base, contender: 'oracle', secondsOverObjective: 0, replicaSeconds: 500 };
  const cases: Array<{
    name: string;
    candidate: Partial<Score>;
    expect: Partial<ReturnType<typeof checkTargets>>;
  }> = [
    {
      name: 'all met',
      candidate: { secondsOverObjective: 10, replicaSeconds: 600 },
      expect: { objective: true, oracleRatio: 1.2, oracleTarget: true, baselineRatio: 0.6 },
    },
    {
      name: 'all missed',
      candidate: { secondsOverObjective: 11, replicaSeconds: 601 },
      expect: { objective: false, oracleTarget: false },
    },
  ];
  for (const c of cases) {
    it(`targets: ${c.name}`, () => {
      const check = checkTargets({ ...base, ...c.candidate, contender: 'cand' }, base, oracle);
      for (const [key, value] of Object.entries(c.expect)) assert.equal(check[key as keyof typeof check], value, key);
    });
  }

  it('an oracle without replicas: 0 / 0 is 0, anything more is infinitely many', () => {
    const none = { ...oracle, replicaSeconds: 0 };
    assert.equal(checkTargets({ ...base, replicaSeconds: 0 }, base, none).oracleRatio, 0);
    assert.equal(checkTargets({ ...base, replicaSeconds: 1 }, base, none).oracleRatio, Infinity);
  });

  it('the report has a table per trace, a targets table and the best strategy, for the console and in Markdown', () => {
    const steady = TRACES.find((t) => t.name === 'steady')!;
    const results: Result[] = ['offset-keda', 'offset-tuned', 'time', 'rate', 'oracle'].map((contender, i) => ({
      score: { ...base, trace: 'steady', contender, replicaSeconds: 1000 - i * 100 },
      phase: 0,
      events: [],
      ms: 1,
    }));
    const { console: text, markdown } = report([steady], results, 120);
    assert.match(text, /^steady: 300 records\/s/m);
    assert.match(text, /^rate +10 +700 +1\.17× +5 /m);
    assert.match(markdown, /^\| rate \| 10 \| 700 \| 1\.17× \| 5 \| — \| — \| 0 \| 0 \|$/m);
    assert.match(markdown, /^\| steady \| time \| met 1\/1 \| 1\.33× \| 0\.80× \| 5\.0 \|$/m);
    assert.match(markdown, /^\| steady \| rate \| 1\.17× met 1\/1 \|$/m, 'rate: the fewest replica-seconds');
  });

  it('over several phase sets: medians with their range, targets met under most phase sets, no best without the objective', () => {
    const burst = TRACES.find((t) => t.name === 'burst5x')!;
    const run = (contender: string, phase: number, over: number, replicaSeconds: number, actions: number): Result => ({
      score: {
        ...base,
        trace: 'burst5x',
        contender,
        secondsOverObjective: over,
        replicaSeconds,
        scalingActions: actions,
        scalingActionsPerHour: actions,
      },
      phase,
      events: [],
      ms: 1,
    });
    const results: Result[] = [0, 1, 2].flatMap((phase) => [
      run('offset-keda', phase, 0, 1000, 2),
      run('rate', phase, [0, 30, 0][phase]!, [700, 900, 750][phase]!, [1, 1, 2][phase]!),
      run('oracle', phase, 0, 600, 2),
    ]);
    const { markdown } = report([burst], results, 120);
    assert.match(markdown, /^\| rate \| 0 \(0–30\) \| 750 \(700–900\) \| 1\.25× \(1\.17×–1\.50×\) \| 1 \(1–2\) \|/m);
    assert.match(markdown, /^\| offset-keda \| 0 \| 1000 \| 1\.67× \| 2 \|/m);
    assert.match(
      markdown,
      /^\| burst5x \| rate \| met 2\/3 \| 1\.25× \(1\.17×–1\.50×\) \| 0\.75× \(0\.70×–0\.90×\) \| 1\.0 \(1\.0–2\.0\) \|$/m,
    );
    assert.match(markdown, /^\| burst5x \| rate \| 1\.25× \(1\.17×–1\.50×\) missed 1\/3 \|$/m);
    const missed = report(
      [burst],
      [...results, run('rate', 3, 40, 900, 2), run('offset-keda', 3, 0, 1000, 2), run('oracle', 3, 0, 600, 2)],
      120,
    );
    assert.match(missed.markdown, /^\| burst5x \| rate \| missed 2\/4 \(\+15 s\) \|/m);
    assert.match(missed.markdown, /^\| burst5x \| — \| missed: no strategy meets the objective target \|$/m);
  });

  it('spread: the median (the mean of the middle two for an even count) and the range', () => {
    assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
    assert.deepEqual(spread([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4 });
    assert.equal(formatSpread(spread([5, 5])), '5');
    assert.equal(formatSpread(spread([1, 2, 4])), '2 (1–4)');
    assert.equal(
      formatSpread(spread([0.251, 0.252]), (n) => n.toFixed(2)),
      '0.25',
      'the same once rounded',
    );
  });
});
