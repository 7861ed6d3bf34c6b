/**
 * The Kafka side of the soak benchmark (bench/soak.ts): topics of 12
 * partitions, one consumer group per trigger spread over them, a small
 * producer that keeps adding records, and a committer that plays the groups'
 * consumers, so offsets move and the lag follows a few shapes:
 *
 *   caught-up  commits everything: lag about 0 (an inactive trigger)
 *   small      a few records behind per partition
 *   steady     a few hundred behind, draining as fast as records arrive
 *   bursty     falls behind and catches up again over an 8-minute cycle
 *   stuck      never commits after the first time: lag and time lag grow
 *
 * Offsets are committed as admin tools do (OffsetCommit with generation -1
 * and no member), over one connection kept for the whole run, every 10 s per
 * group (spread over the 10 s). Committed offsets never go backwards and
 * never pass the end offsets the producer saw acknowledged.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createInternalCluster, type InternalCluster, READ_COMMITTED } from '../src/kafka/kafkajsInternals.ts';

export const PARTITIONS = 12;
/** Records written to every partition before the groups commit for the first time. */
const SEED_PER_PARTITION = 1_000;
const COMMIT_EVERY_S = 10;
const CYCLE_MS = 8 * 60_000;

export type LagProfile = 'caught-up' | 'small' | 'steady' | 'bursty' | 'stuck';
const PROFILES: readonly LagProfile[] = ['caught-up', 'small', 'steady', 'bursty', 'stuck'];

export interface SoakGroup {
  readonly index: number;
  readonly id: string;
  readonly topics: readonly string[];
  readonly profile: LagProfile;
}

export interface SoakLayout {
  readonly topics: readonly string[];
  readonly groups: readonly SoakGroup[];
}

/**
 * One group per trigger; one topic per 10 groups (at least 2); every 8th
 * group reads two topics (a trigger with a topic list).
 */
export function soakLayout(triggers: number): SoakLayout {
  const topicCount = Math.max(2, Math.ceil(triggers / 10));
  const width = String(topicCount - 1).length;
  const topics = Array.from({ length: topicCount }, (_, k) => `soak-t${String(k).padStart(width, '0')}`);
  const groupWidth = String(triggers - 1).length;
  const groups = Array.from({ length: triggers }, (_, i): SoakGroup => {
    const first = topics[i % topicCount]!;
    const second = topics[(i + 1) % topicCount]!;
    return {
      index: i,
      id: `soak-g${String(i).padStart(groupWidth, '0')}`,
      topics: i % 8 === 7 ? [first, second] : [first],
      profile: PROFILES[i % PROFILES.length]!,
    };
  });
  return { topics, groups };
}

/** Records behind the group wants partition `p` to be at `now` (undefined: it does not commit). */
function desiredLag(group: SoakGroup, p: number, sinceStartMs: number): number | undefined {
  switch (group.profile) {
    case 'caught-up':
      return 0;
    case 'small':
      return 10 + p;
    case 'steady':
      return 200 + 20 * p;
    case 'bursty':
      return Math.round(500 * (1 - Math.cos(2 * Math.PI * (sinceStartMs / CYCLE_MS + group.index / 7))));
    case 'stuck':
      return undefined;
  }
}

interface CommitBroker {
  findGroupCoordinator(request: {
    groupId: string;
    coordinatorType: number;
  }): Promise<{ coordinator: { nodeId: number; host: string; port: number } }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime?: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  }): Promise<unknown>;
}

export interface WorkloadCounts {
  /** Records the broker acknowledged since the start (seed included). */
  readonly produced: number;
  readonly produceErrors: number;
  /** OffsetCommit requests that succeeded. */
  readonly commits: number;
  readonly commitErrors: number;
  readonly lastError: string | undefined;
}

export class SoakWorkload {
  readonly layout: SoakLayout;
  readonly #producer: Producer;
  readonly #cluster: InternalCluster;
  readonly #broker: CommitBroker;
  readonly #coordinators = new Map<string, CommitBroker>();
  /** End offsets per topic and partition, as acknowledged to the producer. */
  readonly #ends = new Map<string, number[]>();
  /** Committed offsets per group, topic and partition. */
  readonly #committed = new Map<string, Map<string, number[]>>();
  readonly #startedAt: number;
  #timers: NodeJS.Timeout[] = [];
  #tick = 0;
  #producing: Promise<void> | undefined;
  #committing: Promise<void> | undefined;
  #counts = { produced: 0, produceErrors: 0, commits: 0, commitErrors: 0, lastError: undefined as string | undefined };

  private constructor(layout: SoakLayout, producer: Producer, cluster: InternalCluster, broker: unknown) {
    this.layout = layout;
    this.#producer = producer;
    this.#cluster = cluster;
    this.#broker = broker as CommitBroker;
    this.#startedAt = Date.now();
    for (const topic of layout.topics) this.#ends.set(topic, new Array<number>(PARTITIONS).fill(0));
  }

  /** Creates the topics, seeds them, commits every group's first offsets; then keeps producing and committing. */
  static async start(bootstrapServers: string, layout: SoakLayout, say: (line: string) => void): Promise<SoakWorkload> {
    const kafka = new Kafka({
      clientId: 'kstreams-soak',
      brokers: bootstrapServers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: layout.topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const cluster = createInternalCluster(kafka, {
      metadataMaxAge: 60_000,
      isolationLevel: READ_COMMITTED,
      instrumentationEmitter: null,
    });
    let workload: SoakWorkload | undefined;
    try {
      await producer.connect();
      await cluster.connect();
      const broker = await cluster.brokerPool.findConnectedBroker();
      workload = new SoakWorkload(layout, producer, cluster, broker);
      say(`seeding ${layout.topics.length} topics x ${PARTITIONS} partitions with ${SEED_PER_PARTITION} records each`);
      await workload.#seed();
      await workload.#awaitCoordinator(bootstrapServers);
      say(`committing first offsets of ${layout.groups.length} consumer groups`);
      for (const group of layout.groups) await workload.#commit(group, true);
      workload.#timers.push(setInterval(() => workload!.#onTick(), 1_000));
      return workload;
    } catch (err) {
      if (workload) await workload.stop();
      else await Promise.allSettled([producer.disconnect(), cluster.disconnect()]);
      throw err;
    }
  }

  counts(): WorkloadCounts {
    return { ...this.#counts };
  }

  /** Stops producing and committing, waits for what is in flight, closes the connections. */
  async stop(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await Promise.allSettled([this.#producing, this.#committing]);
    await Promise.allSettled([this.#producer.disconnect(), this.#cluster.disconnect()]);
  }

  async #seed(): Promise<void> {
    const chunk = 250;
    for (const topic of this.layout.topics) {
      for (let done = 0; done < SEED_PER_PARTITION; done += chunk) {
        const n = Math.min(chunk, SEED_PER_PARTITION - done);
        await this.#send([{ topic, perPartition: n }]);
      }
    }
  }

  /** The first FindCoordinator creates __consumer_offsets; retried while it loads (at most 20 s). */
  async #awaitCoordinator(bootstrapServers: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const { coordinator } = await this.#broker.findGroupCoordinator({
          groupId: this.layout.groups[0]!.id,
          coordinatorType: 0,
        });
        if (!bootstrapServers.split(',').includes(`${coordinator.host}:${coordinator.port}`)) {
          throw new Error(
            `the soak commits through one broker; coordinator is ${coordinator.host}:${coordinator.port}`,
          );
        }
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** The group's coordinator (on a cluster of several brokers), found once; the seed broker on a single one. */
  async #coordinatorOf(groupId: string): Promise<CommitBroker> {
    const cached = this.#coordinators.get(groupId);
    if (cached) return cached;
    const cluster = this.#cluster as unknown as {
      findGroupCoordinator(request: { groupId: string; coordinatorType: number }): Promise<CommitBroker>;
    };
    const broker = await cluster.findGroupCoordinator({ groupId, coordinatorType: 0 });
    this.#coordinators.set(groupId, broker);
    return broker;
  }

  #onTick(): void {
    const tick = this.#tick++;
    if (!this.#producing) {
      // Topic k gets 1, 2 or 3 records per partition and second.
      const batch = this.layout.topics.map((topic, k) => ({ topic, perPartition: 1 + (k % 3) }));
      this.#producing = this.#send(batch)
        .catch((err: unknown) => this.#failed('produce', err))
        .finally(() => (this.#producing = undefined));
    }
    if (!this.#committing) {
      const due = this.layout.groups.filter((g) => g.index % COMMIT_EVERY_S === tick % COMMIT_EVERY_S);
      this.#committing = (async () => {
        for (const group of due) {
          try {
            await this.#commit(group, false);
          } catch (err) {
            this.#failed('commit', err);
          }
        }
      })().finally(() => (this.#committing = undefined));
    }
  }

  #failed(what: 'produce' | 'commit', err: unknown): void {
    if (what === 'produce') this.#counts.produceErrors++;
    else this.#counts.commitErrors++;
    this.#counts.lastError = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  }

  async #send(batch: ReadonlyArray<{ topic: string; perPartition: number }>): Promise<void> {
    const value = String(Date.now());
    await this.#producer.sendBatch({
      topicMessages: batch.map(({ topic, perPartition }) => ({
        topic,
        messages: Array.from({ length: PARTITIONS * perPartition }, (_, i) => ({
          partition: i % PARTITIONS,
          value,
        })),
      })),
    });
    for (const { topic, perPartition } of batch) {
      const ends = this.#ends.get(topic)!;
      for (let p = 0; p < PARTITIONS; p++) ends[p]! += perPartition;
      this.#counts.produced += PARTITIONS * perPartition;
    }
  }

  /** Moves the group's committed offsets to where its profile wants them; commits if anything moved. */
  async #commit(group: SoakGroup, first: boolean): Promise<void> {
    const since = Date.now() - this.#startedAt;
    let committed = this.#committed.get(group.id);
    if (!committed) this.#committed.set(group.id, (committed = new Map<string, number[]>()));
    const topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> = [];
    const next = new Map<string, number[]>();
    for (const topic of group.topics) {
      const ends = this.#ends.get(topic)!;
      const current = committed.get(topic) ?? new Array<number>(PARTITIONS).fill(0);
      const offsets = ends.map((end, p) => {
        const lag = desiredLag(group, p, since) ?? (first ? 150 + 10 * p : undefined);
        if (lag === undefined) return current[p]!;
        return Math.min(end, Math.max(current[p]!, end - lag));
      });
      next.set(topic, offsets);
      if (first || offsets.some((o, p) => o !== current[p])) {
        topics.push({ topic, partitions: offsets.map((o, partition) => ({ partition, offset: String(o) })) });
      }
    }
    if (topics.length === 0) return;
    await (
      await this.#coordinatorOf(group.id)
    ).offsetCommit({
      groupId: group.id,
      groupGenerationId: -1,
      memberId: '',
      retentionTime: -1,
      topics,
    });
    for (const [topic, offsets] of next) committed.set(topic, offsets);
    this.#counts.commits++;
  }
}
