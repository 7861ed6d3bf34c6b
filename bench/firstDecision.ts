/**
 * What a trigger's first decision costs when it joins a poller that already
 * holds a full history, and what the request that asked for it pays. An
 * in-memory Kafka holds a Kafka Streams application's group over PARTITIONS
 * partitions (half on its source topic, half on a repartition topic) with a
 * backlog it works on: 15 records/s arrive and 12.5/s are committed per
 * partition. The scaler's own poller reads it every 2 s of a moved clock
 * until it holds 15 minutes of history (450 polls).
 *
 *   first decision   a new evaluator's first decision on that history (its
 *                    memo empty), timed around Evaluator.refresh
 *   per poll         every later decision of those evaluators, one per poll
 *   request: handler the synchronous part of ScalerService.evaluate for a new
 *                    trigger, what GetMetrics/IsActive hold the event loop for
 *   request: answer  until that request has its answer (the first decision
 *                    is made on the next turn, and waited for)
 *
 * Medians of RUNS new triggers per strategy (per poll: of every decision in
 * POLLS more polls). A benchmark that prints figures, not a test.
 *
 *   node bench/firstDecision.ts [--partitions 1000] [--runs 5] [--polls 10]
 */
import { parseArgs } from 'node:util';
import { MemoryKafka } from '../src/kafka/memoryKafka.ts';
import { createLogger } from '../src/logger.ts';
import { PollerRegistry } from '../src/poller/pollerRegistry.ts';
import { Evaluator } from '../src/scaler/evaluator.ts';
import { ScalerService } from '../src/scaler/scalerService.ts';

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    polls: { type: 'string', default: '10' },
  },
});
const PARTITIONS = Number(values.partitions);
const RUNS = Number(values.runs);
const POLLS = Number(values.polls);
const POLL_MS = 2_000;
const HISTORY_MS = 15 * 60_000;
const STRATEGIES = ['offset', 'time', 'rate'] as const;
const BOOTSTRAP = 'bench:9092';
const GROUP = 'app';
const TOPICS = ['words', 'app-by-word-repartition'];

const clock = { now: Date.UTC(2026, 0, 5) };
const now = (): number => clock.now;
const logger = createLogger('silent');
const config = {
  pollIntervalMs: POLL_MS,
  kafkaTimeoutMs: 10_000,
  historyMs: HISTORY_MS,
  pollerIdleTimeoutMs: 3_600_000,
  maxStalenessMs: 60_000,
  firstPollWaitMs: 60_000,
};
const kafka = new MemoryKafka(BOOTSTRAP, now);
const half = Math.ceil(PARTITIONS / 2);
const partitions = Array.from({ length: PARTITIONS }, (_, p) => ({
  topic: TOPICS[p < half ? 0 : 1]!,
  partition: p < half ? p : p - half,
}));
kafka.createTopic(TOPICS[0]!, half).createTopic(TOPICS[1]!, PARTITIONS - half);
kafka.setGroup(GROUP, {
  state: 'Stable',
  members: Array.from({ length: 4 }, (_, i) => ({
    memberId: `m${i}`,
    clientId: `${GROUP}-${i}-StreamThread-1-consumer`,
  })),
});
for (const { topic, partition } of partitions) kafka.produce(topic, partition, 10_000, clock.now - 600_000);
const registry = new PollerRegistry({ config, createReader: () => kafka, logger, now, polling: 'manual' });
const service = new ScalerService({ registry, config, logger, now });

let step = 0;
/** One poll interval: 30 records arrive and 25 are committed per partition, then the poller reads. */
async function poll(): Promise<void> {
  step++;
  clock.now += POLL_MS;
  for (const { topic, partition } of partitions) {
    kafka.produce(topic, partition, 30).commit(GROUP, topic, partition, 25 * step);
  }
  await registry.pollAll();
}

let made = 0;
/** A new trigger of `strategy` (a metadata of its own, so a trigger the scaler has not seen). */
function ref(strategy: string) {
  made++;
  return {
    name: `bench-${made}`,
    namespace: 'bench',
    scalerMetadata: {
      bootstrapServers: BOOTSTRAP,
      consumerGroup: GROUP,
      topic: TOPICS.join(','),
      lagStrategy: strategy,
      lagThreshold: String(1_000 + made),
    },
  };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// One poller for every trigger (same cluster, group and topics); it reads record timestamps for `time`.
const first = service.trigger(ref('time'));
const poller = registry.acquire(first.pollerKey, first.target, first.pollerNeeds);
const built = performance.now();
for (let i = 0; i < HISTORY_MS / POLL_MS; i++) await poll();
const { history } = poller.state();
process.stdout.write(
  `${PARTITIONS} partitions, ${history.length} polls of history (${((history.at(-1)!.at - history[0]!.at) / 60_000).toFixed(1)} min at ${POLL_MS / 1000} s), built in ${((performance.now() - built) / 1000).toFixed(1)} s\n`,
);

// Warm-up, untimed: one first decision per strategy, so the figures are not the JIT's.
for (const strategy of STRATEGIES) {
  const evaluator = new Evaluator(service.trigger(ref(strategy)), poller, { now, logger });
  evaluator.refresh();
  evaluator.close();
}

// Each decision on a poll is timed from the one before it: the poller's observers run in order.
let mark = 0;
poller.observe(() => (mark = performance.now()));
const firstMs = new Map<string, number[]>();
const perPollMs = new Map<string, number[]>();
const evaluators: Evaluator[] = [];
for (const strategy of STRATEGIES) {
  firstMs.set(strategy, []);
  perPollMs.set(strategy, []);
  for (let r = 0; r < RUNS; r++) {
    const evaluator = new Evaluator(service.trigger(ref(strategy)), poller, { now, logger });
    const started = performance.now();
    evaluator.refresh();
    firstMs.get(strategy)!.push(performance.now() - started);
    evaluator.subscribe(() => {
      const at = performance.now();
      perPollMs.get(strategy)!.push(at - mark);
      mark = at;
    });
    evaluators.push(evaluator);
  }
}
for (let i = 0; i < POLLS; i++) await poll();
for (const evaluator of evaluators) evaluator.close();

// The requests: a new trigger each, through the service as the gRPC handlers call it.
const handlerMs = new Map<string, number[]>();
const answerMs = new Map<string, number[]>();
for (const strategy of STRATEGIES) {
  handlerMs.set(strategy, []);
  answerMs.set(strategy, []);
  for (let r = 0; r < RUNS; r++) {
    const started = performance.now();
    const answer = service.evaluate(ref(strategy));
    handlerMs.get(strategy)!.push(performance.now() - started);
    await answer;
    answerMs.get(strategy)!.push(performance.now() - started);
  }
}

const cell = (xs: readonly number[] | undefined, width: number): string => median(xs!).toFixed(2).padStart(width);
process.stdout.write(
  `medians in ms: ${RUNS} new triggers per strategy; per poll over ${POLLS} more polls\n\n` +
    `strategy  first decision  per poll  request: handler  request: answer\n` +
    STRATEGIES.map(
      (s) =>
        `${s.padEnd(8)}  ${cell(firstMs.get(s), 14)}  ${cell(perPollMs.get(s), 8)}  ${cell(handlerMs.get(s), 16)}  ${cell(answerMs.get(s), 15)}`,
    ).join('\n') +
    '\n',
);
await registry.close();
