/**
 * The demo's numbers, in two forms: the full one `make demo` runs and the
 * short one the integration tests run through the same code. Time is
 * compressed in both: KEDA's polling, cooldown and the HPA's stabilisation,
 * and the `rate` strategy's windows, are seconds instead of minutes.
 */
import type { KedaHpaParams } from '../tools/keda/kedaHpa.ts';
import type { ScenarioSettings } from './scenario.ts';

export interface DemoSettings {
  /** The application's input topic. */
  readonly topic: string;
  /** Kafka Streams application.id: the consumer group, and the prefix of its internal topics. */
  readonly appId: string;
  /** Partitions of the input topic (and so of the repartition topic): tasks per sub-topology. */
  readonly partitions: number;
  /** Milliseconds the counting sub-topology sleeps per record: one instance processes 1000 / delayMs records/s. */
  readonly delayMs: number;
  readonly scenario: ScenarioSettings;
  /** KEDA's and the HPA's settings (tools/keda/kedaHpa.ts), compressed. */
  readonly keda: Partial<KedaHpaParams> & { readonly pollingIntervalMs: number };
  /** The `rate` strategy's windows, compressed like KEDA's. */
  readonly rate: {
    readonly rateWindow: string;
    readonly catchUpSeconds: number;
    readonly scaleDownDelay: string;
    readonly rebalanceCooldown: string;
  };
  /** Kafka Streams configuration of the application's instances. */
  readonly streamsProperties: Readonly<Record<string, string>>;
  /** SCALER_POLL_INTERVAL. */
  readonly scalerPollInterval: string;
}

/** `make demo`: about 2 to 3 minutes from an idle start back to zero, the broker's start included. */
export const FULL_DEMO: DemoSettings = {
  topic: 'orders',
  appId: 'order-counts',
  partitions: 4,
  delayMs: 20,
  scenario: { idleMs: 15_000, burstMs: 30_000, burstPerSecond: 100, giveUpMs: 240_000 },
  keda: {
    pollingIntervalMs: 5_000,
    hpaSyncMs: 5_000,
    cooldownMs: 20_000,
    scaleDownStabilizationMs: 15_000,
    maxReplicas: 8,
  },
  rate: { rateWindow: '10s', catchUpSeconds: 30, scaleDownDelay: '15s', rebalanceCooldown: '10s' },
  streamsProperties: {
    // A record takes delayMs, so fetch few at a time: a busy stream thread then polls, and so
    // joins a rebalance, within a second or two instead of after its whole buffer.
    'max.poll.records': '50',
    // The counts are in memory, restored from the changelog by every new instance: let it take
    // its tasks at once, however long the changelog grew, rather than warm up for 10 minutes.
    'acceptable.recovery.lag': '1000000000',
    // A stopped instance's member is gone after 6 s (the broker's minimum) instead of 10 s.
    'consumer.session.timeout.ms': '6000',
  },
  scalerPollInterval: '1s',
};

/** The integration tests' form: the same story with shorter phases and intervals. */
export const SHORT_DEMO: DemoSettings = {
  ...FULL_DEMO,
  scenario: { idleMs: 3_000, burstMs: 20_000, burstPerSecond: 100, giveUpMs: 100_000 },
  keda: {
    pollingIntervalMs: 3_000,
    hpaSyncMs: 3_000,
    cooldownMs: 9_000,
    scaleDownStabilizationMs: 6_000,
    maxReplicas: 8,
  },
  rate: { rateWindow: '5s', catchUpSeconds: 20, scaleDownDelay: '6s', rebalanceCooldown: '6s' },
  scalerPollInterval: '500ms',
};

/** Records per second one instance processes. */
export function instanceThroughput(settings: DemoSettings): number {
  return 1000 / settings.delayMs;
}

/** The repartition topic Kafka Streams names after the app id and the `Grouped` name "by-word". */
export function repartitionTopic(settings: DemoSettings): string {
  return `${settings.appId}-by-word-repartition`;
}

/** The sub-topologies, as the trigger names them and the table shows them. */
export function subTopologies(settings: DemoSettings): Array<{ readonly id: string; readonly topic: string }> {
  return [
    { id: 'sources', topic: settings.topic },
    { id: 'by-word', topic: repartitionTopic(settings) },
  ];
}

/**
 * The ScaledObject's trigger metadata. `rate` sizes each sub-topology by its
 * arrival rate and backlog against what one instance processes and takes the
 * largest: here the counting sub-topology behind the repartition topic,
 * which a lag on the input topic alone would never show.
 */
export function triggerMetadata(settings: DemoSettings, bootstrapServers: string): Record<string, string> {
  const perInstance = instanceThroughput(settings);
  return {
    bootstrapServers,
    consumerGroup: settings.appId,
    topology: subTopologies(settings)
      .map((s) => `${s.id}:${s.topic}`)
      .join(';'),
    // Kafka Streams' own auto.offset.reset: before its first commit, what is in the log is waiting.
    offsetResetPolicy: 'earliest',
    lagStrategy: 'rate',
    // What one instance does (the sleep makes it exact); `rate` can learn it, but only from a
    // backlog of at least a minute of arrivals, longer than this demo's bursts last.
    replicaThroughput: String(perInstance),
    // Sizes a group at zero: what one instance works off in catchUpSeconds.
    lagThreshold: String(perInstance * settings.rate.catchUpSeconds),
    catchUpSeconds: String(settings.rate.catchUpSeconds),
    rateWindow: settings.rate.rateWindow,
    scaleDownDelay: settings.rate.scaleDownDelay,
    rebalanceCooldown: settings.rate.rebalanceCooldown,
  };
}
