import assert from 'node:assert/strict';
import { MemoryKafka } from '../kafka/memoryKafka.ts';
import { createLogger } from '../logger.ts';
import { Poller } from '../poller/poller.ts';
import { Evaluator } from './evaluator.ts';
import { parseTrigger } from './trigger.ts';

const silent = createLogger('silent');

/** A poller of group g on topic t (30 records, 10 committed) and a trigger on it; polls when the test says so. */
function setup() {
  const clock = { now: 1_000_000 };
  const kafka = new MemoryKafka('kafka:9092', () => clock.now).createTopic('t', 1).produce('t', 0, 30);
  kafka.commit('g', 't', 0, 10);
  const trigger = parseTrigger({
    name: 'app',
    namespace: 'ns',
    scalerMetadata: { bootstrapServers: 'kafka:9092', consumerGroup: 'g', topic: 't', lagThreshold: '100' },
  });
  const poller = new Poller({
    key: trigger.pollerKey,
    reader: kafka,
    timeoutMs: 1_000,
    historyMs: 600_000,
    logger: silent,
    now: () => clock.now,
  });
  const evaluator = () => new Evaluator(trigger, poller, { now: () => clock.now, logger: silent });
  return { clock, kafka, poller, evaluator };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('evaluator: the first decision', () => {
  it('on a poller holding samples: made on the next turn, not in the constructor', async () => {
    const env = setup();
    await env.poller.pollOnce();
    const evaluator = env.evaluator();
    assert.equal(evaluator.deciding, true);
    assert.equal(evaluator.current(), undefined);
    let told = 0;
    evaluator.subscribe(() => told++);
    await evaluator.firstDecision(60_000);
    assert.equal(evaluator.deciding, false);
    assert.equal(evaluator.current()?.decision.metricValue, 20);
    assert.equal(told, 1, 'its listeners hear of it');
    evaluator.close();
  });

  it('on a poller without samples: made by the first poll, nothing pending before', async () => {
    const env = setup();
    const evaluator = env.evaluator();
    assert.equal(evaluator.deciding, false);
    await evaluator.firstDecision(60_000);
    assert.equal(evaluator.snapshot(), undefined);
    await env.poller.pollOnce();
    assert.equal(evaluator.current()?.decision.metricValue, 20);
    evaluator.close();
  });

  it('a poll before the scheduled turn makes it; the turn then decides nothing more', async () => {
    const env = setup();
    await env.poller.pollOnce();
    let turned = false;
    setImmediate(() => (turned = true));
    const evaluator = env.evaluator();
    let told = 0;
    evaluator.subscribe(() => told++);
    env.kafka.produce('t', 0, 5);
    env.clock.now += 2_000;
    await env.poller.pollOnce();
    assert.equal(turned, false, 'the poll came within the turn');
    assert.equal(evaluator.deciding, false);
    const first = evaluator.current();
    assert.equal(first?.decision.metricValue, 25);
    assert.equal(told, 1, 'the poll’s decision was told');
    await nextTurn();
    assert.equal(evaluator.snapshot(), first);
    assert.equal(told, 1, 'the scheduled turn made no second decision');
    evaluator.close();
  });

  it('closing the evaluator settles a pending first decision at once, and none is made', async () => {
    const env = setup();
    await env.poller.pollOnce();
    const evaluator = env.evaluator();
    const waiting = evaluator.firstDecision(600_000);
    evaluator.close();
    await waiting;
    assert.equal(evaluator.deciding, false);
    await nextTurn();
    assert.equal(evaluator.snapshot(), undefined);
  });

  it('stopping the poller settles a pending first decision at once, and none is made', async () => {
    const env = setup();
    await env.poller.pollOnce();
    const evaluator = env.evaluator();
    const waiting = evaluator.firstDecision(600_000);
    env.poller.stop();
    await waiting;
    assert.equal(evaluator.closed, true);
    await nextTurn();
    assert.equal(evaluator.snapshot(), undefined);
  });
});
