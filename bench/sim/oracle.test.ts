import assert from 'node:assert/strict';
import { busiestPod, oracle, ORACLE_LOOKAHEAD_MS } from './oracle.ts';
import { DEFAULT_APP, uniform } from './streamsModel.ts';
import { TRACES, type Trace } from './traces.ts';

const trace = (name: string): Trace => TRACES.find((t) => t.name === name)!;
const none = new Array<number>(DEFAULT_APP.partitions).fill(0);
const idle = { source: none, repartition: none, oldestSeconds: 0, replicas: 2 };
const steady = (rate: number): Trace => ({ ...trace('steady'), rate: () => rate, weights: (_t, n) => uniform(n) });

describe('simulator oracle', () => {
  it('the busiest pod holds the ceil(tasks / n) busiest tasks of each sub-topology, one task from 2 × tasks pods', () => {
    const stateless = [1, 2, 3, 4];
    const stateful = [10, 20, 30, 40];
    assert.equal(busiestPod(1, stateless, stateful), 110);
    assert.equal(busiestPod(3, stateless, stateful), 40 + 30 + 4 + 3);
    assert.equal(busiestPod(4, stateless, stateful), 44);
    assert.equal(busiestPod(8, stateless, stateful), 40);
  });

  it('asks for the fewest replicas whose busiest pod fits: 3 for 300 records/s, 12 for 1000/s', () => {
    // 300/s: 25/s a partition, 30 work units; 3 replicas hold 4 partitions (120), 2 hold 6 (180 > 150).
    assert.deepEqual(oracle(steady(300), DEFAULT_APP, 0, idle, 100), { active: true, replicas: 3 });
    assert.deepEqual(oracle(steady(1000), DEFAULT_APP, 0, idle, 100), { active: true, replicas: 12 });
  });

  it('sizes a hot partition by the pod that holds it: 4 replicas for 180/s with 60 % on one partition', () => {
    assert.equal(oracle(trace('hotPartition'), DEFAULT_APP, 0, idle, 100).replicas, 4);
  });

  it('reads the load ahead: a step within ORACLE_LOOKAHEAD_MS counts, one beyond it does not', () => {
    const burst = trace('burst5x'); // 1000/s from minute 20
    const at = 20 * 60_000;
    assert.equal(oracle(burst, DEFAULT_APP, at - ORACLE_LOOKAHEAD_MS, idle, 100).replicas, 12);
    assert.equal(oracle(burst, DEFAULT_APP, at - ORACLE_LOOKAHEAD_MS - 2_000, idle, 100).replicas, 2);
  });

  it('inactive with no load ahead and nothing waiting; active while a backlog waits', () => {
    const quiet = trace('idleBurstIdle'); // nothing until minute 10
    assert.deepEqual(oracle(quiet, DEFAULT_APP, 0, idle, 100), { active: false, replicas: 0 });
    const waiting = { ...idle, source: none.map((_, p) => (p === 0 ? 10 : 0)) };
    assert.deepEqual(oracle(quiet, DEFAULT_APP, 0, waiting, 100), { active: true, replicas: 1 });
  });

  it('lets a backlog of up to 85 s of arrivals stay, works off the rest in 60 s', () => {
    // 300/s: 25/s a partition. 85 s of it stays; 60 s more (1500 a partition) adds 25/s: 600/s of work in all.
    const allowed = { ...idle, source: none.map(() => 25 * 85) };
    assert.equal(oracle(steady(300), DEFAULT_APP, 0, allowed, 100).replicas, 3);
    const more = { ...idle, source: none.map(() => 25 * 145) };
    // Stateful 50/s and stateless 10/s a partition: 2 partitions a pod (120) at 6 replicas, 3 (180) at 4.
    assert.equal(oracle(steady(300), DEFAULT_APP, 0, more, 100).replicas, 6);
  });

  it('holds the replicas there are while the oldest record is older than the objective less what a scale-in adds', () => {
    const many = { ...idle, replicas: 8 };
    assert.equal(oracle(steady(300), DEFAULT_APP, 0, { ...many, oldestSeconds: 35 }, 100).replicas, 3);
    assert.equal(oracle(steady(300), DEFAULT_APP, 0, { ...many, oldestSeconds: 36 }, 100).replicas, 8);
  });
});
