/**
 * KafkaReader over kafkajs, one per Kafka cluster, shared by every poller of
 * that cluster. Per poll of a group it sends one OffsetFetch and one
 * DescribeGroups to the group's coordinator (found once, then cached), one
 * ListOffsets per partition leader for all the partitions asked for, and a
 * Fetch per leader when the poller asks to peek. Metadata is requested only for the
 * topics a poller reads, when they are new or their metadata is older than
 * `metadataMaxAgeMs`, or after an error that says routing changed.
 *
 * End offsets are read with READ_COMMITTED isolation: the last stable offset
 * (LSO), equal to the high watermark unless a transaction is open.
 *
 * Routing (metadata per topic, broker addresses, coordinators) is kept here
 * rather than in kafkajs's shared metadata cache, which fails as a whole when
 * any one topic in it has an error and asks for every topic of the cluster
 * when it holds none: here a deleted, offline or forbidden topic fails only
 * the pollers that read it.
 *
 * The kafkajs client is built on first use, with the TLS and SASL settings
 * `security()` gives then (secrets are read from their files at that moment,
 * in the poller, never in an RPC). When the brokers refuse those credentials
 * (a SASL login or a TLS handshake fails) the client is thrown away and the
 * next call builds a new one, so a rotated secret file is picked up without
 * a restart.
 */
import { Kafka, logLevel } from 'kafkajs';
import InstrumentationEventEmitter from 'kafkajs/src/instrumentation/emitter.js';
import networkEvents from 'kafkajs/src/network/instrumentationEvents.js';
import type { Logger } from '../logger.ts';
import { NO_COMMIT } from '../model/sample.ts';
import {
  classifyKafkajsError,
  isConnectionError,
  isCredentialError,
  isKafkaError,
  isRoutingError,
  kafkaErrorType,
} from './kafkajsErrors.ts';
import { createErrorFromCode } from 'kafkajs/src/protocol/error.js';
import {
  decodeOffsetFetchBatch,
  encodeOffsetFetchBatch,
  OFFSET_FETCH_API_KEY,
  OFFSET_FETCH_BATCH_VERSION,
} from './protocol/offsetFetchBatch.ts';
import { type RawBroker, sendRaw, supports } from './protocol/sendRaw.ts';
import {
  CONSUMER_GROUP_DESCRIBE_API_KEY,
  decodeConsumerGroupDescribe,
  decodeStreamsGroupDescribe,
  encodeGroupDescribe,
  GROUP_DESCRIBE_VERSION,
  GROUP_ID_NOT_FOUND,
  STREAMS_GROUP_DESCRIBE_API_KEY,
} from './protocol/groupDescribe.ts';
import {
  classicDescription,
  consumerGroupDescription,
  type KindAnswer,
  kindVerdict,
  streamsGroupDescription,
} from './groupDescriptions.ts';
import {
  assertBroker,
  type BrokerAddress,
  createInternalCluster,
  EARLIEST_TIMESTAMP,
  type InternalBroker,
  type InternalCluster,
  LATEST_TIMESTAMP,
  type MetadataResponse,
  READ_COMMITTED,
  READ_UNCOMMITTED,
} from './kafkajsInternals.ts';
import {
  type GroupDescription,
  type GroupOffsetsQuery,
  KafkaPortError,
  type KafkaReader,
  type Outcome,
  type PartitionOffset,
  type PeekRequest,
  type PeekResult,
  type TopicPartition,
} from './kafkaReader.ts';
import type { KafkaSecurity } from './kafkaSecurity.ts';
import { analyzePeek } from './peekAnalysis.ts';
import { withDeadline } from '../deadline.ts';

/**
 * Bytes asked for per partition by peek(): a few batches. Kafka still returns
 * a whole first batch if it is larger.
 */
const PEEK_PARTITION_BYTES = 16 * 1024;

/** FindCoordinator requests in flight at once when many new groups arrive together. */
const COORDINATOR_LOOKUPS = 32;
/** A group DescribeGroups shows as Dead is asked whether it is a KIP-848 or streams group at most this often. */
const PROBE_AGAIN_MS = 60_000;
/** Kafka error codes the group describes are told apart by. */
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;
const UNSUPPORTED_VERSION = 35;

export interface KafkajsReaderOptions {
  readonly brokers: readonly string[];
  /** How errors and logs name the cluster (default: the brokers). */
  readonly name?: string;
  readonly logger: Logger;
  readonly clientId?: string;
  /** Per request; the socket connect timeout is a third of it. */
  readonly requestTimeoutMs: number;
  readonly metadataMaxAgeMs?: number;
  /** While no bootstrap server answers, the longest wait between attempts (default 30 s). */
  readonly retryBackoffMaxMs?: number;
  /**
   * TLS and SASL settings, passed to kafkajs as they are. Called when the
   * kafkajs client is built: on first use and after the brokers refused the
   * credentials. May throw a KafkaPortError (a secret that cannot be read).
   */
  readonly security?: () => KafkaSecurity;
}

/** Called for every completed Kafka request, e.g. ("ListOffsets", "10.0.0.7:9092"). */
export type RequestListener = (apiName: string, broker: string) => void;

/** Partition → leader node, for one topic, as of `at`. */
interface TopicRoute {
  readonly at: number;
  readonly leaders: ReadonlyMap<number, number>;
}

type TopicFailure = 'missing' | KafkaPortError;

/** One group's answer from its coordinator: offsets, or the Kafka error for that group. */
interface GroupAnswer {
  readonly groupId: string;
  readonly offsets: PartitionOffset[];
  readonly error?: unknown;
}

export class KafkajsReader implements KafkaReader {
  readonly cluster: string;
  readonly #options: KafkajsReaderOptions;
  /** The kafkajs client, built on first use and dropped when the brokers refuse its credentials. */
  #kafkaCluster: InternalCluster | undefined;
  /** Counts dropped clients, so one refusal drops one client even when several calls see it. */
  #generation = 0;
  #closed = false;
  readonly #log: Logger;
  readonly #metadataMaxAgeMs: number;
  readonly #emitter = new InstrumentationEventEmitter();
  readonly #routes = new Map<string, TopicRoute>();
  readonly #addresses = new Map<number, BrokerAddress>();
  readonly #brokers = new Map<number, { readonly address: string; readonly broker: Promise<InternalBroker> }>();
  readonly #coordinators = new Map<string, number>();
  /** Groups found to be KIP-848 consumer groups or streams groups: described with their own request. */
  readonly #groupProtocols = new Map<string, 'consumer' | 'streams'>();
  /** Dead-looking groups found to be neither, and when to ask again. */
  readonly #probed = new Map<string, number>();
  /** The bootstrap broker in use, and the index in `brokers` of the last seed that answered. */
  #seedBroker: { readonly address: string; readonly broker: Promise<InternalBroker> } | undefined;
  #seedIndex = 0;
  /** The round through the seeds in progress, shared by concurrent callers. */
  #seedRound: Promise<InternalBroker> | undefined;
  /** While no seed answers: when to try again, how many rounds failed, and the error calls get meanwhile. */
  #backoff: { readonly until: number; readonly failures: number; readonly error: KafkaPortError } | undefined;
  readonly #retryBackoffMaxMs: number;
  readonly #connectionTimeoutMs: number;

  constructor(options: KafkajsReaderOptions) {
    this.cluster = options.name ?? options.brokers.join(',');
    this.#options = options;
    this.#log = options.logger.child({ component: 'kafka', cluster: this.cluster });
    this.#metadataMaxAgeMs = options.metadataMaxAgeMs ?? 30_000;
    this.#retryBackoffMaxMs = options.retryBackoffMaxMs ?? 30_000;
    this.#connectionTimeoutMs = Math.max(1000, Math.round(options.requestTimeoutMs / 3));
  }

  /** The kafkajs client, built now if there is none. */
  #client(): InternalCluster {
    if (this.#kafkaCluster) return this.#kafkaCluster;
    if (this.#closed) throw new KafkaPortError('unavailable', `kafka cluster ${this.cluster}: the reader is closed`);
    const options = this.#options;
    const security = options.security?.() ?? {};
    const kafka = new Kafka({
      clientId: options.clientId ?? 'kstreams-scaler',
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: this.#connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      enforceRequestTimeout: true,
      // Each poll has its own deadline and the next is seconds away: retry briefly, then report.
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
      ...(security.ssl === undefined ? {} : { ssl: security.ssl }),
      ...(security.sasl === undefined ? {} : { sasl: security.sasl }),
    });
    this.#kafkaCluster = createInternalCluster(kafka, {
      metadataMaxAge: this.#metadataMaxAgeMs,
      isolationLevel: READ_COMMITTED,
      instrumentationEmitter: this.#emitter,
    });
    return this.#kafkaCluster;
  }

  /**
   * Runs one public call, whose errors all leave it as KafkaPortErrors; if
   * the brokers refused the credentials, drops the client (once per client)
   * so the next call builds one with the secrets read again.
   */
  async #guard<T>(call: () => Promise<T>): Promise<T> {
    const generation = this.#generation;
    try {
      return await call();
    } catch (err) {
      const error = classifyKafkajsError(err, this.cluster);
      if (generation === this.#generation && error.kind === 'credentials') {
        this.#log.info('the brokers refused the credentials; the next poll reads the secrets again');
        this.#dropClient();
      }
      throw error;
    }
  }

  /**
   * `#guard` for batched calls, whose errors come back per item: a refused
   * login in any item drops the client too, so the secrets are read again.
   */
  async #guardOutcomes<C extends Map<string, Outcome<unknown>> | Array<Outcome<unknown>>>(
    call: () => Promise<C>,
  ): Promise<C> {
    const generation = this.#generation;
    const outcomes = await this.#guard(call);
    const refused = [...outcomes.values()].some((o) => !o.ok && o.error.kind === 'credentials');
    if (refused && generation === this.#generation) {
      this.#log.info('the brokers refused the credentials; the next poll reads the secrets again');
      this.#dropClient();
    }
    return outcomes;
  }

  #dropClient(): void {
    this.#generation++;
    const client = this.#kafkaCluster;
    const brokers = [...this.#brokers.values()];
    this.#kafkaCluster = undefined;
    this.#brokers.clear();
    this.#coordinators.clear();
    this.#dropSeed();
    void this.#disconnect(client, brokers);
  }

  /** Disconnects a client and its brokers; never rejects. */
  async #disconnect(
    client: InternalCluster | undefined,
    brokers: ReadonlyArray<{ readonly broker: Promise<InternalBroker> }>,
  ): Promise<void> {
    const logged = (err: unknown): void => this.#log.debug({ err }, 'error while disconnecting');
    await Promise.all(brokers.map((b) => b.broker.then((broker) => broker.disconnect()).catch(logged)));
    await client?.disconnect().catch(logged);
  }

  /** Subscribes to completed requests (metrics, tests); returns the unsubscribe function. */
  onRequest(listener: RequestListener): () => void {
    return this.#emitter.addListener(networkEvents.NETWORK_REQUEST, (event) =>
      listener(String(event.payload['apiName']), String(event.payload['broker'])),
    );
  }

  partitions(topics: readonly string[], options?: { readonly skipMissing?: boolean }): Promise<TopicPartition[]> {
    return this.#guard(() => this.#partitions(topics, options?.skipMissing ?? false));
  }

  async #partitions(topics: readonly string[], skipMissing: boolean): Promise<TopicPartition[]> {
    const failures = await this.#ensureRoutes(topics);
    this.#throwFailures(failures, skipMissing);
    return topics
      .filter((t) => !failures.has(t))
      .flatMap((topic) => [...this.#routes.get(topic)!.leaders.keys()].map((partition) => ({ topic, partition })))
      .sort(byTopicPartition);
  }

  committedOffsets(groupId: string, partitions: readonly TopicPartition[] | undefined): Promise<PartitionOffset[]> {
    return this.#guard(() => this.#committedOffsets(groupId, partitions));
  }

  async #committedOffsets(
    groupId: string,
    partitions: readonly TopicPartition[] | undefined,
  ): Promise<PartitionOffset[]> {
    // An empty list is sent as null: every partition the group has committed.
    const request = { groupId, topics: partitions === undefined ? [] : groupByTopic(partitions, () => ({})) };
    const response = await this.#retryOnce(
      async () => (await this.#node(await this.#coordinator(groupId))).offsetFetch(request),
      () => this.#coordinators.delete(groupId),
    );
    const committed = response.responses.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset) })),
    );
    return (partitions === undefined ? committed.filter((p) => p.offset !== NO_COMMIT) : committed).sort(
      byTopicPartition,
    );
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const outcome = (await this.describeGroups([groupId])).get(groupId)!;
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async #describeGroup(groupId: string): Promise<GroupDescription> {
    const response = await this.#retryOnce(
      async () => (await this.#node(await this.#coordinator(groupId))).describeGroups({ groupIds: [groupId] }),
      () => this.#coordinators.delete(groupId),
    );
    const group = response.groups.find((g) => g.groupId === groupId);
    return group ? classicDescription(group) : { state: '', members: [] };
  }

  topicPartitions(topics: readonly string[]): Promise<Map<string, Outcome<TopicPartition[]>>> {
    return this.#guard(async () => {
      const failures = await this.#ensureRoutes(topics);
      const results = new Map<string, Outcome<TopicPartition[]>>();
      for (const topic of topics) {
        const failure = failures.get(topic);
        if (failure === undefined) {
          const partitions = [...this.#routes.get(topic)!.leaders.keys()].sort((a, b) => a - b);
          results.set(topic, { ok: true, value: partitions.map((partition) => ({ topic, partition })) });
        } else {
          results.set(topic, { ok: false, error: failure === 'missing' ? this.#missing([topic]) : failure });
        }
      }
      return results;
    });
  }

  groupOffsets(queries: readonly GroupOffsetsQuery[]): Promise<Array<Outcome<PartitionOffset[]>>> {
    return this.#guardOutcomes(async () => {
      // One entry per group: the union of what its queries ask (every partition if any asks for all).
      const wanted = new Map<string, Map<string, Set<number>> | null>();
      for (const q of queries) {
        const current = wanted.get(q.groupId);
        if (current === null) continue;
        if (q.partitions === undefined) {
          wanted.set(q.groupId, null);
          continue;
        }
        const byTopic = current ?? new Map<string, Set<number>>();
        for (const p of q.partitions) {
          let set = byTopic.get(p.topic);
          if (!set) byTopic.set(p.topic, (set = new Set()));
          set.add(p.partition);
        }
        wanted.set(q.groupId, byTopic);
      }
      const read = await this.#offsetsOfGroups(wanted);
      return queries.map((q): Outcome<PartitionOffset[]> => {
        const result = read.get(q.groupId)!;
        if (!result.ok) return result;
        if (q.partitions === undefined) {
          return { ok: true, value: result.value.filter((p) => p.offset !== NO_COMMIT).sort(byTopicPartition) };
        }
        const by = new Map(result.value.map((p) => [`${p.topic}\u0000${p.partition}`, p.offset]));
        return {
          ok: true,
          value: q.partitions
            .map((p) => ({ ...p, offset: by.get(`${p.topic}\u0000${p.partition}`) ?? NO_COMMIT }))
            .sort(byTopicPartition),
        };
      });
    });
  }

  /**
   * Committed offsets of many groups: one OffsetFetch v8 per coordinator
   * where it is supported, else one per group. A group whose coordinator
   * moved is looked up again and asked once more.
   */
  async #offsetsOfGroups(
    wanted: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<number>> | null>,
  ): Promise<Map<string, Outcome<PartitionOffset[]>>> {
    const results = new Map<string, Outcome<PartitionOffset[]>>();
    let pending = [...wanted.keys()];
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const retry: string[] = [];
      const byCoordinator = await this.#byCoordinator(pending, results);
      await Promise.all(
        [...byCoordinator].map(async ([nodeId, groupIds]) => {
          try {
            const broker = await this.#node(nodeId);
            const answers = supports(broker as unknown as RawBroker, OFFSET_FETCH_API_KEY, OFFSET_FETCH_BATCH_VERSION)
              ? await this.#offsetFetchBatch(broker, groupIds, wanted)
              : await Promise.all(
                  groupIds.map((groupId) => this.#offsetFetchOne(broker, groupId, wanted.get(groupId)!)),
                );
            for (const answer of answers) {
              if (answer.error !== undefined && attempt === 0 && isRoutingError(answer.error)) {
                this.#coordinators.delete(answer.groupId);
                retry.push(answer.groupId);
              } else {
                results.set(
                  answer.groupId,
                  answer.error === undefined
                    ? { ok: true, value: answer.offsets }
                    : { ok: false, error: classifyKafkajsError(answer.error, this.cluster) },
                );
              }
            }
          } catch (err) {
            // The coordinator itself failed (a broken connection): every group on it.
            for (const groupId of groupIds) {
              if (attempt === 0 && isRoutingError(err)) {
                this.#coordinators.delete(groupId);
                retry.push(groupId);
              } else results.set(groupId, { ok: false, error: classifyKafkajsError(err, this.cluster) });
            }
            if (isRoutingError(err)) this.#dropBrokenConnections();
          }
        }),
      );
      pending = retry;
    }
    return results;
  }

  async #offsetFetchBatch(
    broker: InternalBroker,
    groupIds: readonly string[],
    wanted: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<number>> | null>,
  ): Promise<GroupAnswer[]> {
    const body = await sendRaw(broker as unknown as RawBroker, {
      apiKey: OFFSET_FETCH_API_KEY,
      apiVersion: OFFSET_FETCH_BATCH_VERSION,
      apiName: 'OffsetFetch',
      body: encodeOffsetFetchBatch(
        groupIds.map((groupId) => {
          const topics = wanted.get(groupId)!;
          return {
            groupId,
            topics:
              topics === null
                ? null
                : [...topics].map(([topic, partitions]) => ({
                    topic,
                    partitions: [...partitions].sort((a, b) => a - b),
                  })),
          };
        }),
      ),
    });
    let decoded;
    try {
      decoded = decodeOffsetFetchBatch(body);
    } catch (err) {
      throw new KafkaPortError(
        'unavailable',
        `kafka cluster ${this.cluster}: an OffsetFetch answer could not be read (${(err as Error).message})`,
        { cause: err },
      );
    }
    const groups = new Map(decoded.map((g) => [g.groupId, g]));
    return groupIds.map((groupId): GroupAnswer => {
      const group = groups.get(groupId);
      if (!group) return { groupId, offsets: [], error: createErrorFromCode(-1) };
      const failed =
        group.errorCode !== 0 ? group.errorCode : group.partitions.find((p) => p.errorCode !== 0)?.errorCode;
      if (failed !== undefined) return { groupId, offsets: [], error: createErrorFromCode(failed) };
      return {
        groupId,
        offsets: group.partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })),
      };
    });
  }

  async #offsetFetchOne(
    broker: InternalBroker,
    groupId: string,
    topics: ReadonlyMap<string, ReadonlySet<number>> | null,
  ): Promise<GroupAnswer> {
    try {
      const response = await broker.offsetFetch({
        groupId,
        topics:
          topics === null
            ? []
            : [...topics].map(([topic, partitions]) => ({
                topic,
                partitions: [...partitions].map((partition) => ({ partition })),
              })),
      });
      return {
        groupId,
        offsets: response.responses.flatMap((t) =>
          t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset) })),
        ),
      };
    } catch (err) {
      if (!isKafkaError(err)) throw err;
      return { groupId, offsets: [], error: err };
    }
  }

  describeGroups(groupIds: readonly string[]): Promise<Map<string, Outcome<GroupDescription>>> {
    return this.#guardOutcomes(async () => {
      const results = new Map<string, Outcome<GroupDescription>>();
      const started = Date.now();
      // Only groups probed in the last minute are remembered: a group no longer asked about is let go.
      for (const [id, again] of this.#probed) if (again <= started) this.#probed.delete(id);
      const describeOn = async ([nodeId, ids]: [number, string[]]): Promise<void> => {
        // Groups known to be KIP-848 or streams groups skip DescribeGroups, which shows them as Dead.
        const classic = ids.filter((id) => !this.#groupProtocols.has(id));
        const known = ids.filter((id) => this.#groupProtocols.has(id));
        const now = Date.now();
        await this.#describeClassic(nodeId, classic, results);
        const probe = classic.filter((id) => {
          const outcome = results.get(id);
          return (
            outcome?.ok === true &&
            outcome.value.state === 'Dead' &&
            outcome.value.members.length === 0 &&
            (this.#probed.get(id) ?? 0) <= now
          );
        });
        if (known.length === 0 && probe.length === 0) return;
        const { neither, failed } = await this.#describeNewGroups(nodeId, known, probe, results);
        // A probe that could not be answered is asked again next time, not taken for "neither" for a minute.
        for (const id of probe)
          if (!this.#groupProtocols.has(id) && !failed.has(id)) this.#probed.set(id, now + PROBE_AGAIN_MS);
        // Seen as one kind before and neither now: gone, or back to classic (a downgraded KIP-848 group).
        if (neither.length > 0) await this.#describeClassic(nodeId, neither, results);
      };
      const ids = [...new Set(groupIds)];
      await Promise.all([...(await this.#byCoordinator(ids, results))].map(describeOn));
      // A group whose coordinator moved (its lookup forgotten on NOT_COORDINATOR) is asked once more at the new one,
      // as the classic path's retry does.
      const moved = ids.filter((id) => results.get(id)?.ok === false && !this.#coordinators.has(id));
      if (moved.length > 0) await Promise.all([...(await this.#byCoordinator(moved, results))].map(describeOn));
      return results;
    });
  }

  /** DescribeGroups for `ids` on one coordinator, into `results`. */
  async #describeClassic(
    nodeId: number,
    ids: readonly string[],
    results: Map<string, Outcome<GroupDescription>>,
  ): Promise<void> {
    if (ids.length === 0) return;
    try {
      const broker = await this.#node(nodeId);
      const response = await broker.describeGroups({ groupIds: [...ids] });
      for (const id of ids) {
        const group = response.groups.find((g) => g.groupId === id);
        results.set(id, { ok: true, value: group ? classicDescription(group) : { state: '', members: [] } });
      }
    } catch {
      // kafkajs fails the whole answer when one group has an error: ask each alone, with the usual retry.
      for (const id of ids) {
        try {
          results.set(id, { ok: true, value: await this.#describeGroup(id) });
        } catch (err) {
          results.set(id, { ok: false, error: classifyKafkajsError(err, this.cluster) });
        }
      }
    }
  }

  /**
   * KIP-848 consumer groups and KIP-1071 streams groups on one coordinator:
   * `known` were seen as one before, `probe` answered DescribeGroups as Dead
   * with no members and may be either. A probe found to be neither keeps its
   * classic answer; one that could not be told (an error) gets the error;
   * a known group found to be neither is returned in `neither`. A broker
   * without the request (Kafka before 3.7 or 4.2) is not asked.
   */
  async #describeNewGroups(
    nodeId: number,
    known: readonly string[],
    probe: readonly string[],
    results: Map<string, Outcome<GroupDescription>>,
  ): Promise<{ readonly neither: string[]; readonly failed: ReadonlySet<string> }> {
    const failed = new Set<string>();
    let broker: InternalBroker;
    try {
      broker = await this.#node(nodeId);
    } catch (err) {
      const error = classifyKafkajsError(err, this.cluster);
      for (const id of [...known, ...probe]) {
        results.set(id, { ok: false, error });
        failed.add(id);
      }
      return { neither: [], failed };
    }
    const ask = (protocol: 'consumer' | 'streams'): string[] => [
      ...known.filter((id) => this.#groupProtocols.get(id) === protocol),
      ...probe,
    ];
    const kinds = [
      {
        protocol: 'consumer' as const,
        apiKey: CONSUMER_GROUP_DESCRIBE_API_KEY,
        apiName: 'ConsumerGroupDescribe',
        decode: (body: Buffer) =>
          decodeConsumerGroupDescribe(body).map((g) => ({ g, d: () => consumerGroupDescription(g) })),
      },
      {
        protocol: 'streams' as const,
        apiKey: STREAMS_GROUP_DESCRIBE_API_KEY,
        apiName: 'StreamsGroupDescribe',
        decode: (body: Buffer) =>
          decodeStreamsGroupDescribe(body).map((g) => ({ g, d: () => streamsGroupDescription(g) })),
      },
    ];
    const answers = await Promise.all(
      kinds.map(async (kind): Promise<Map<string, KindAnswer<KafkaPortError>>> => {
        const ids = ask(kind.protocol);
        const said = new Map<string, KindAnswer<KafkaPortError>>();
        const all = (answer: KindAnswer<KafkaPortError>): Map<string, KindAnswer<KafkaPortError>> => {
          for (const id of ids) said.set(id, answer);
          return said;
        };
        if (ids.length === 0) return said;
        if (!supports(broker as unknown as RawBroker, kind.apiKey, GROUP_DESCRIBE_VERSION)) return all('neither');
        let body: Buffer;
        try {
          body = await sendRaw(broker as unknown as RawBroker, {
            apiKey: kind.apiKey,
            apiVersion: GROUP_DESCRIBE_VERSION,
            apiName: kind.apiName,
            body: encodeGroupDescribe(ids),
          });
        } catch (err) {
          if (isRoutingError(err)) for (const id of ids) this.#coordinators.delete(id);
          return all({ ok: false, error: classifyKafkajsError(err, this.cluster) });
        }
        let decoded;
        try {
          decoded = kind.decode(body);
        } catch (err) {
          return all({
            ok: false,
            error: new KafkaPortError(
              'unavailable',
              `kafka cluster ${this.cluster}: a ${kind.apiName} answer could not be read (${(err as Error).message})`,
              { cause: err },
            ),
          });
        }
        const byId = new Map(decoded.map((a) => [a.g.groupId, a]));
        for (const id of ids) {
          const answer = byId.get(id);
          const code = answer?.g.errorCode ?? GROUP_ID_NOT_FOUND;
          if (code === 0) said.set(id, { ok: true, value: answer!.d() });
          else if (code === GROUP_ID_NOT_FOUND || code === UNSUPPORTED_VERSION) said.set(id, 'neither');
          else {
            if (code === NOT_COORDINATOR || code === COORDINATOR_NOT_AVAILABLE) this.#coordinators.delete(id);
            said.set(id, { ok: false, error: classifyKafkajsError(createErrorFromCode(code), this.cluster) });
          }
        }
        return said;
      }),
    );
    const neither: string[] = [];
    for (const id of [...known, ...probe]) {
      const verdict = kindVerdict(kinds.map((kind, i) => [kind.protocol, answers[i]!.get(id)] as const));
      if (verdict === 'neither') {
        if (this.#groupProtocols.delete(id)) neither.push(id);
      } else if ('error' in verdict) {
        results.set(id, { ok: false, error: verdict.error });
        failed.add(id);
      } else {
        this.#groupProtocols.set(id, verdict.found);
        this.#probed.delete(id);
        results.set(id, { ok: true, value: verdict.value });
      }
    }
    return { neither, failed };
  }

  /** Groups by their coordinator's node id; a group whose coordinator cannot be found gets its error in `failed`. */
  async #byCoordinator<T>(
    groupIds: readonly string[],
    failed: Map<string, Outcome<T>>,
  ): Promise<Map<number, string[]>> {
    const byNode = new Map<number, string[]>();
    // Coordinators are cached: lookups happen for new groups, at most COORDINATOR_LOOKUPS at a time.
    let next = 0;
    const lookUp = async (): Promise<void> => {
      while (next < groupIds.length) {
        const groupId = groupIds[next++]!;
        try {
          const nodeId = await this.#coordinator(groupId);
          let list = byNode.get(nodeId);
          if (!list) byNode.set(nodeId, (list = []));
          list.push(groupId);
        } catch (err) {
          failed.set(groupId, { ok: false, error: classifyKafkajsError(err, this.cluster) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(COORDINATOR_LOOKUPS, groupIds.length) }, lookUp));
    return byNode;
  }

  peek(requests: readonly PeekRequest[]): Promise<PeekResult[]> {
    return this.#guard(() => this.#peek(requests));
  }

  async #peek(requests: readonly PeekRequest[]): Promise<PeekResult[]> {
    if (requests.length === 0) return [];
    const topics = [...new Set(requests.map((r) => r.topic))];
    const read = async (): Promise<PeekResult[]> => {
      this.#throwFailures(await this.#ensureRoutes(topics), false);
      const results = await Promise.all(
        [...this.#byLeader(requests)].map(([leader, list]) => this.#peekLeader(leader, list)),
      );
      return results.flat().sort(byTopicPartition);
    };
    return this.#retryOnce(read, () => topics.forEach((t) => this.#routes.delete(t)));
  }

  /**
   * One Fetch to a leader. Kafka fails the whole response when one partition's
   * offset is below its log start (records deleted by retention while the
   * group was away); then each partition is asked alone, and the one that is
   * out of range answers "unknown".
   */
  async #peekLeader(leader: number, list: readonly PeekRequest[]): Promise<PeekResult[]> {
    try {
      return await this.#fetchPeek(leader, list);
    } catch (err) {
      if (kafkaErrorType(err) !== 'OFFSET_OUT_OF_RANGE') throw err;
      if (list.length === 1) {
        const [r] = list;
        return [{ topic: r!.topic, partition: r!.partition, dataPending: undefined, firstDataTimestamp: undefined }];
      }
      return (await Promise.all(list.map((r) => this.#peekLeader(leader, [r])))).flat();
    }
  }

  async #fetchPeek(leader: number, list: readonly PeekRequest[]): Promise<PeekResult[]> {
    const wanted = new Map(list.map((r) => [`${r.topic}\u0000${r.partition}`, r]));
    const response = await (
      await this.#node(leader)
    ).fetch({
      replicaId: -1,
      isolationLevel: READ_COMMITTED,
      maxWaitTime: 0,
      minBytes: 0,
      maxBytes: PEEK_PARTITION_BYTES * list.length,
      topics: groupByTopic(list, () => ({ maxBytes: PEEK_PARTITION_BYTES })).map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => ({
          ...p,
          fetchOffset: String(wanted.get(`${t.topic}\u0000${p.partition}`)!.from),
        })),
      })),
    });
    const results: PeekResult[] = [];
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const request = wanted.get(`${topic.topicName}\u0000${p.partition}`);
        if (!request) continue;
        const analysis = analyzePeek(
          p.messages.map((m) => ({
            offset: BigInt(m.offset),
            timestamp: Number(m.timestamp),
            isControlRecord: m.isControlRecord === true,
            inTransaction: m.batchContext?.inTransaction === true,
            producerId: String(m.batchContext?.producerId ?? '-1'),
          })),
          (p.abortedTransactions ?? []).map((a) => ({
            producerId: String(a.producerId),
            firstOffset: BigInt(a.firstOffset),
          })),
          request.from,
          request.end,
        );
        results.push({ topic: request.topic, partition: request.partition, ...analysis });
      }
    }
    return results;
  }

  endOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#guard(() => this.#listOffsets(partitions, LATEST_TIMESTAMP, READ_COMMITTED));
  }

  highWatermarks(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#guard(() => this.#listOffsets(partitions, LATEST_TIMESTAMP, READ_UNCOMMITTED));
  }

  startOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return this.#guard(() => this.#listOffsets(partitions, EARLIEST_TIMESTAMP, READ_COMMITTED));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#kafkaCluster;
    const brokers = [...this.#brokers.values()];
    this.#kafkaCluster = undefined;
    this.#brokers.clear();
    this.#coordinators.clear();
    this.#groupProtocols.clear();
    this.#probed.clear();
    const seed = this.#seedBroker;
    this.#seedBroker = undefined;
    await this.#disconnect(client, seed ? [...brokers, seed] : brokers);
  }

  async #listOffsets(
    partitions: readonly TopicPartition[],
    timestamp: number,
    isolationLevel: number,
  ): Promise<PartitionOffset[]> {
    if (partitions.length === 0) return [];
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const read = async (): Promise<PartitionOffset[]> => {
      this.#throwFailures(await this.#ensureRoutes(topics), false);
      const responses = await Promise.all(
        [...this.#byLeader(partitions)].map(async ([leader, list]) =>
          (await this.#node(leader)).listOffsets({
            replicaId: -1,
            isolationLevel,
            topics: groupByTopic(list, () => ({ timestamp })),
          }),
        ),
      );
      return responses
        .flatMap((r) =>
          r.responses.flatMap((t) =>
            t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset) })),
          ),
        )
        .sort(byTopicPartition);
    };
    // A leader moved or a broker went away: read the metadata again and retry once.
    return this.#retryOnce(read, () => topics.forEach((t) => this.#routes.delete(t)));
  }

  /**
   * Makes sure every topic has fresh routing. Returns the topics that could
   * not be routed: 'missing' (does not exist) or the error for that topic.
   * Topics are asked for together; if that fails, one by one, so one bad
   * topic cannot hide the others.
   */
  async #ensureRoutes(topics: readonly string[]): Promise<Map<string, TopicFailure>> {
    const now = Date.now();
    const stale = topics.filter((t) => {
      const route = this.#routes.get(t);
      return !route || now - route.at > this.#metadataMaxAgeMs;
    });
    const failures = new Map<string, TopicFailure>();
    if (stale.length === 0) return failures;
    const seed = await this.#seed();
    try {
      this.#remember(await seed.metadata([...stale]), now);
    } catch (err) {
      this.#seedFailed(seed, err);
      if (stale.length === 1 || !isTopicError(err)) {
        if (isTopicError(err)) failures.set(stale[0]!, topicFailure(err, stale[0]!, this.cluster));
        else throw classifyKafkajsError(err, this.cluster);
      } else {
        for (const topic of stale) {
          try {
            this.#remember(await seed.metadata([topic]), now);
          } catch (single) {
            if (!isTopicError(single)) throw classifyKafkajsError(single, this.cluster);
            failures.set(topic, topicFailure(single, topic, this.cluster));
          }
        }
      }
    }
    for (const topic of failures.keys()) this.#routes.delete(topic);
    return failures;
  }

  /** Partitions grouped by their leader node (routes must be fresh). */
  #byLeader<P extends TopicPartition>(partitions: readonly P[]): Map<number, P[]> {
    const byLeader = new Map<number, P[]>();
    for (const p of partitions) {
      const leader = this.#routes.get(p.topic)?.leaders.get(p.partition);
      if (leader === undefined || leader < 0) {
        throw new KafkaPortError(
          'unavailable',
          `kafka cluster ${this.cluster}: partition ${p.topic}-${p.partition} has no leader`,
        );
      }
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(p);
    }
    return byLeader;
  }

  /** Throws the first topic error, else TOPIC_NOT_FOUND naming the missing topics (unless skipped). */
  #throwFailures(failures: ReadonlyMap<string, TopicFailure>, skipMissing: boolean): void {
    const errors = [...failures.values()].filter((f): f is KafkaPortError => f instanceof KafkaPortError);
    if (errors[0]) throw errors[0];
    const missing = [...failures].filter(([, f]) => f === 'missing').map(([topic]) => topic);
    if (missing.length > 0 && !skipMissing) throw this.#missing(missing);
  }

  #missing(topics: readonly string[]): KafkaPortError {
    return new KafkaPortError(
      'topic-missing',
      `kafka cluster ${this.cluster}: topic ${topics.map((t) => `"${t}"`).join(', ')} does not exist`,
    );
  }

  #remember(metadata: MetadataResponse, at: number): void {
    for (const broker of metadata.brokers) this.#addresses.set(broker.nodeId, broker);
    for (const topic of metadata.topicMetadata) {
      this.#routes.set(topic.topic, {
        at,
        leaders: new Map(topic.partitionMetadata.map((p) => [p.partitionId, p.leader])),
      });
    }
  }

  async #coordinator(groupId: string): Promise<number> {
    const cached = this.#coordinators.get(groupId);
    if (cached !== undefined) return cached;
    const seed = await this.#seed();
    const { coordinator } = await seed.findGroupCoordinator({ groupId, coordinatorType: 0 }).catch((err: unknown) => {
      this.#seedFailed(seed, err);
      throw err;
    });
    this.#addresses.set(coordinator.nodeId, coordinator);
    this.#coordinators.set(groupId, coordinator.nodeId);
    return coordinator.nodeId;
  }

  /**
   * A connected bootstrap broker. The seeds are tried in order, starting with
   * the last one that answered, each within one connect and one request
   * timeout, so a seed that accepts connections and never answers costs one
   * timeout, not every call. When none answers, the cluster backs off: calls
   * fail at once with the same error until the backoff (doubling from one
   * second up to `retryBackoffMaxMs`) has passed, then the seeds are tried again.
   */
  async #seed(): Promise<InternalBroker> {
    const current = this.#seedBroker;
    if (current) {
      const broker = await current.broker.catch(() => undefined);
      if (broker?.isConnected() && this.#seedBroker === current) return broker;
      if (this.#seedBroker === current) this.#dropSeed(current);
    }
    // One round through the seeds at a time: concurrent callers share it.
    this.#seedRound ??= this.#seedRoundOnce().finally(() => (this.#seedRound = undefined));
    return this.#seedRound;
  }

  async #seedRoundOnce(): Promise<InternalBroker> {
    const backoff = this.#backoff;
    if (backoff && Date.now() < backoff.until) throw backoff.error;
    const failures: string[] = [];
    let lastError: KafkaPortError | undefined;
    const seeds = this.#options.brokers;
    for (let i = 0; i < seeds.length; i++) {
      const index = (this.#seedIndex + i) % seeds.length;
      const address = seeds[index]!;
      const entry = { address, broker: this.#connectSeed(address) };
      this.#seedBroker = entry;
      try {
        const broker = await entry.broker;
        this.#seedIndex = index;
        this.#backoff = undefined;
        return broker;
      } catch (err) {
        this.#dropSeed(entry);
        // Refused credentials are the cluster's answer, not a dead seed: report them as they are.
        if (isCredentialError(err)) throw err;
        lastError = classifyKafkajsError(err, this.cluster);
        failures.push(`${address} (${lastError.message.replace(`kafka cluster ${this.cluster}: `, '')})`);
      }
    }
    const failed = (backoff?.failures ?? 0) + 1;
    const waitMs = Math.min(this.#retryBackoffMaxMs, 1_000 * 2 ** Math.min(failed - 1, 20));
    // One seed: its own error, as before; several: every seed and why it failed.
    const error =
      seeds.length === 1 && lastError !== undefined
        ? lastError
        : new KafkaPortError(
            'unavailable',
            `kafka cluster ${this.cluster}: no bootstrap server answered: ${failures.join('; ')}`,
          );
    this.#backoff = { until: Date.now() + waitMs, failures: failed, error };
    this.#log.debug({ failures: failed, waitMs }, 'no bootstrap server answered; backing off');
    throw error;
  }

  /** A request on the seed failed: after a broken or silent connection, the next call tries the next seed. */
  #seedFailed(broker: InternalBroker, err: unknown): void {
    const current = this.#seedBroker;
    if (!current || !isConnectionError(err)) return;
    void current.broker.then(
      (seed) => {
        if (seed === broker && this.#seedBroker === current) {
          this.#dropSeed(current);
          this.#seedIndex = (this.#seedIndex + 1) % this.#options.brokers.length;
        }
      },
      () => undefined,
    );
  }

  /** Connects to one seed within a connect and a request timeout; disconnects it on failure. */
  async #connectSeed(address: string): Promise<InternalBroker> {
    const { host, port } = splitHostPort(address);
    const { brokerPool, connectionPoolBuilder } = this.#client();
    const connectionPool = await connectionPoolBuilder.build({ host, port, rack: null });
    const broker = assertBroker(
      brokerPool.createBroker({ nodeId: -1, logger: brokerPool.rootLogger, versions: null, connectionPool }),
    );
    const limitMs = this.#connectionTimeoutMs + this.#options.requestTimeoutMs;
    try {
      await withDeadline(
        broker.connect(),
        limitMs,
        () => new KafkaPortError('unavailable', `kafka cluster ${this.cluster}: no answer within ${limitMs}ms`),
      );
      return broker;
    } catch (err) {
      void broker.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /** Forgets the seed entry (the current one, or `only` if it is still current) and disconnects it. */
  #dropSeed(only?: { readonly broker: Promise<InternalBroker> }): void {
    const entry = only ?? this.#seedBroker;
    if (this.#seedBroker === entry) this.#seedBroker = undefined;
    void entry?.broker.then(
      (broker) => broker.disconnect(),
      () => undefined,
    );
  }

  /** The connected broker for a node id, created from the last metadata seen. */
  async #node(nodeId: number): Promise<InternalBroker> {
    const address = this.#addresses.get(nodeId);
    if (!address)
      throw new KafkaPortError('unavailable', `kafka cluster ${this.cluster}: broker ${nodeId} is not in the metadata`);
    const key = `${address.host}:${address.port}`;
    let entry = this.#brokers.get(nodeId);
    if (entry && entry.address !== key) {
      this.#forget(nodeId);
      entry = undefined;
    }
    if (!entry) {
      const { brokerPool, connectionPoolBuilder } = this.#client();
      const created = connectionPoolBuilder
        .build({ host: address.host, port: address.port, rack: address.rack ?? null })
        .then((connectionPool) =>
          assertBroker(
            brokerPool.createBroker({
              nodeId,
              logger: brokerPool.rootLogger,
              versions: null,
              connectionPool,
            }),
          ),
        );
      entry = { address: key, broker: created };
      this.#brokers.set(nodeId, entry);
    }
    const broker = await entry.broker;
    await broker.connect();
    return broker;
  }

  #forget(nodeId: number): void {
    const entry = this.#brokers.get(nodeId);
    if (!entry) return;
    this.#brokers.delete(nodeId);
    void entry.broker.then(
      (broker) => broker.disconnect(),
      () => undefined,
    );
  }

  /**
   * Runs `attempt`; after an error that means routing changed (coordinator or
   * leader moved, a connection broke), forgets the routing through `reset` and
   * tries once more. Any error that remains is turned into a KafkaPortError.
   */
  async #retryOnce<T>(attempt: () => Promise<T>, reset: () => void): Promise<T> {
    try {
      return await attempt();
    } catch (err) {
      if (!isRoutingError(err)) throw classifyKafkajsError(err, this.cluster);
      reset();
      this.#dropBrokenConnections();
      try {
        return await attempt();
      } catch (again) {
        throw classifyKafkajsError(again, this.cluster);
      }
    }
  }

  #dropBrokenConnections(): void {
    for (const [nodeId, entry] of this.#brokers) {
      void entry.broker.then(
        (broker) => {
          if (!broker.isConnected() && this.#brokers.get(nodeId) === entry) this.#forget(nodeId);
        },
        () => this.#forget(nodeId),
      );
    }
  }
}

/** Errors about a topic itself (rather than the cluster), from a Metadata request. */
function isTopicError(err: unknown): boolean {
  const type = kafkaErrorType(err);
  return (
    type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
    type === 'TOPIC_AUTHORIZATION_FAILED' ||
    type === 'LEADER_NOT_AVAILABLE' ||
    type === 'INVALID_TOPIC_EXCEPTION' ||
    type === 'REPLICA_NOT_AVAILABLE'
  );
}

function topicFailure(err: unknown, topic: string, cluster: string): TopicFailure {
  if (kafkaErrorType(err) === 'UNKNOWN_TOPIC_OR_PARTITION') return 'missing';
  const error = classifyKafkajsError(err, cluster);
  return new KafkaPortError(
    error.kind,
    error.message.replace(`kafka cluster ${cluster}: `, `kafka cluster ${cluster}: topic "${topic}": `),
    {
      cause: err,
    },
  );
}

/** "host:port" or "[v6]:port" (validated by the trigger schema or the cluster profile). */
function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(colon + 1)) };
}

function groupByTopic<T extends object>(
  partitions: readonly TopicPartition[],
  extra: () => T,
): Array<{ topic: string; partitions: Array<{ partition: number } & T> }> {
  const byTopic = new Map<string, Array<{ partition: number } & T>>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push({ partition, ...extra() });
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
}

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
