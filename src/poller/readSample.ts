/**
 * One poll: the group's committed offsets and description first, then the
 * end offsets, then log start offsets for partitions nothing was committed
 * for, then a read-committed peek where the gap needs one. Reading the end
 * after the commits means records produced in between can only make lag look
 * a little larger, and a commit racing the reads can never make it negative.
 *
 * A committed offset can still lie beyond the end. Beyond the last stable
 * offset but within the high watermark, it is a consumer that reads
 * uncommitted records past an open transaction: it is caught up (lag 0).
 * Beyond the high watermark, no consumer can resume there (the log was
 * truncated or the offset restored from elsewhere): Kafka answers
 * OFFSET_OUT_OF_RANGE and the consumer resets by its `auto.offset.reset`, so
 * the partition counts as uncommitted (see PartitionOffsets.outOfRange).
 */
import { asScalerError, ScalerError } from '../errors.ts';
import {
  type GroupDescription,
  KafkaPortError,
  type KafkaReader,
  type Outcome,
  type PartitionOffset,
  type PeekRequest,
  type PeekResult,
  type TopicPartition,
} from '../kafka/kafkaReader.ts';
import type { PeekCache } from './peekCache.ts';
import {
  type GroupInfo,
  NO_COMMIT,
  partitionKey,
  type PartitionOffsets,
  type Sample,
  UNKNOWN_GROUP,
} from '../model/sample.ts';

/**
 * Gaps of at most this many offsets are peeked at: an exactly-once app that
 * caught up has one transaction marker per partition (or a few, after
 * aborts) between its committed offset and the end.
 */
export const MARKER_GAP = 64n;

/**
 * A record timestamp read for a partition whose committed offset is older
 * than the poll history stays good for dating it this long, while the
 * offset moves on: a group reprocessing a long backlog is not fetched from on
 * every poll.
 */
export const ANCHOR_REFRESH_MS = 30_000;

export interface SampleTarget {
  readonly groupId: string;
  /** Sorted topic names, or undefined for "every topic the group has committed offsets for". */
  readonly topics: readonly string[] | undefined;
}

export interface SampleContext {
  readonly peeks: PeekCache;
  /** Whether a trigger wants record timestamps (the `time` strategy). */
  readonly timestamps: boolean;
  /**
   * End offsets of the oldest sample in the poll history: a committed offset
   * below it is older than the history can date, so its record's timestamp
   * is read. Empty before the first poll.
   */
  readonly oldestEnds: ReadonlyMap<string, bigint>;
  /**
   * End offsets of the latest sample. A small gap is looked at for transaction
   * markers only once its end stood still since then: an end that moves means
   * records arrive, and the gap counts as lag until it settles. Empty before
   * the first poll (every small gap is looked at).
   */
  readonly latestEnds?: ReadonlyMap<string, bigint>;
  /**
   * Committed offsets of a sample about a minute old (or the oldest). A group
   * without members is looked at even while its gap's end moves (scaled to
   * zero, a transaction marker must not wake it), unless its commit on the
   * partition moved since then: then something consumes it without joining
   * the group, and the gap is treated as a member's would be.
   */
  readonly committedBefore?: ReadonlyMap<string, bigint>;
  /**
   * The input topics a Kafka Streams application last reported, for a group
   * that has had no members since: its topics are still read (records that
   * wait while every instance is gone, or scaled to zero, are still demand).
   */
  readonly reportedInputs?: readonly string[];
}

/** One poller's part of a cycle: what it reads, its next sequence number, and its caches. */
export interface CycleItem {
  readonly target: SampleTarget;
  readonly seq: number;
  readonly context?: SampleContext;
}

/** One poller's outcome of a cycle. */
export type CycleResult =
  { readonly ok: true; readonly sample: Sample } | { readonly ok: false; readonly error: ScalerError };

/** Reads one sample; throws its error. A cycle of one. */
export async function readSample(
  reader: KafkaReader,
  target: SampleTarget,
  seq: number,
  at: number,
  context?: SampleContext,
): Promise<Sample> {
  const [result] = await readCycle(reader, [{ target, seq, ...(context ? { context } : {}) }], at);
  if (!result!.ok) throw result!.error;
  return result!.sample;
}

/**
 * One cycle for many pollers of a cluster, in the order above: topic
 * metadata for every named topic, the committed offsets of every group (one
 * OffsetFetch per coordinator where the brokers allow it), every group's
 * description, then the end offsets of every partition any poller reads in
 * one ListOffsets per leader, and the rare extra reads (high watermarks, log
 * starts, peeks) batched the same way. A poller fails alone for what is its
 * own (a missing topic, its group's coordinator); a read shared by all fails
 * every poller still standing.
 */
export async function readCycle(reader: KafkaReader, items: readonly CycleItem[], at: number): Promise<CycleResult[]> {
  const failed: Array<ScalerError | undefined> = items.map(() => undefined);
  const standing = (): number[] => items.flatMap((_, i) => (failed[i] === undefined ? [i] : []));
  const failAll = (err: unknown): void => {
    const error = asScalerError(err);
    for (const i of standing()) failed[i] = error;
  };
  const partitionsOf: TopicPartition[][] = items.map(() => []);
  const committedOf: PartitionOffset[][] = items.map(() => []);
  const groupOf: GroupInfo[] = items.map(() => UNKNOWN_GROUP);

  try {
    // Topic metadata of the named topics; a poller with a missing or failing topic fails alone.
    const named = [...new Set(items.flatMap((item) => item.target.topics ?? []))].sort();
    const topics =
      named.length > 0 ? await reader.topicPartitions(named) : new Map<string, Outcome<TopicPartition[]>>();
    items.forEach((item, i) => {
      if (!item.target.topics) return;
      const error = topicError(reader.cluster, item.target.topics, topics);
      if (error) failed[i] = error;
      else partitionsOf[i] = item.target.topics.flatMap((t) => (topics.get(t) as { value: TopicPartition[] }).value);
    });

    // Committed offsets of every group, before any end offset.
    const asked = standing();
    const offsets = await reader.groupOffsets(
      asked.map((i) => ({
        groupId: items[i]!.target.groupId,
        partitions: items[i]!.target.topics ? partitionsOf[i] : undefined,
      })),
    );
    asked.forEach((i, n) => {
      const outcome = offsets[n]!;
      if (outcome.ok) committedOf[i] = outcome.value;
      else failed[i] = outcome.error;
    });

    const described = await reader.describeGroups([...new Set(standing().map((i) => items[i]!.target.groupId))]);
    for (const i of standing()) {
      const outcome = described.get(items[i]!.target.groupId)!;
      if (!outcome.ok) failed[i] = outcome.error;
      else {
        // What one group's members wrote fails that group's pollers alone.
        try {
          groupOf[i] = toGroupInfo(outcome.value);
        } catch (err) {
          failed[i] = asScalerError(err);
        }
      }
    }

    // Topic-less pollers: the topics their group committed to (kedacore/keda#8104), and the input topics a Kafka
    // Streams application reports, committed to or not yet; a deleted one is left out.
    const topicLess = standing().filter((i) => !items[i]!.target.topics);
    const topicsOf = (i: number): string[] =>
      [
        ...new Set([
          ...committedOf[i]!.map((c) => c.topic),
          ...(groupOf[i]!.reported ?? []).flatMap((s) => s.inputs),
          ...(items[i]!.context?.reportedInputs ?? []),
        ]),
      ].sort();
    const committedTopics = [...new Set(topicLess.flatMap(topicsOf))].sort();
    const found =
      committedTopics.length > 0
        ? await reader.topicPartitions(committedTopics)
        : new Map<string, Outcome<TopicPartition[]>>();
    for (const i of topicLess) {
      const mine = topicsOf(i);
      const errors = mine
        .map((t) => found.get(t))
        .filter((o): o is { ok: false; error: KafkaPortError } => o?.ok === false);
      const hard = errors.find((o) => o.error.kind !== 'topic-missing');
      if (hard) failed[i] = hard.error;
      else
        partitionsOf[i] = mine.flatMap((t) => {
          const outcome = found.get(t);
          return outcome?.ok ? outcome.value : [];
        });
    }
  } catch (err) {
    failAll(err);
  }

  // The reads every poller shares; a failure here fails them all (a topic deleted meanwhile fails its pollers only).
  let live = standing();
  const rows: PartitionOffsets[][] = items.map(() => []);
  try {
    const endBy = indexOffsets(await endOffsetsOf(reader, live, partitionsOf, failed));
    live = standing();
    const committedBy = live.map((i) => indexOffsets(committedOf[i]!));

    const ahead = uniquePartitions(
      live.flatMap((i, n) => partitionsOf[i]!.filter((p) => beyondEnd(committedBy[n]!, endBy, p))),
    );
    const watermarks = indexOffsets(ahead.length > 0 ? await reader.highWatermarks(ahead) : []);
    const outOfRange = live.map((i, n) => {
      const beyond = new Map<string, bigint>();
      for (const p of partitionsOf[i]!) {
        const key = partitionKey(p.topic, p.partition);
        const committed = committedBy[n]!.get(key);
        const hw = watermarks.get(key);
        if (committed !== undefined && hw !== undefined && beyondEnd(committedBy[n]!, endBy, p) && committed > hw) {
          beyond.set(key, committed);
        }
      }
      for (const key of beyond.keys()) committedBy[n]!.set(key, NO_COMMIT);
      return beyond;
    });

    const uncommitted = uniquePartitions(
      live.flatMap((i, n) =>
        partitionsOf[i]!.filter(
          (p) => (committedBy[n]!.get(partitionKey(p.topic, p.partition)) ?? NO_COMMIT) === NO_COMMIT,
        ),
      ),
    );
    const startBy = indexOffsets(uncommitted.length > 0 ? await reader.startOffsets(uncommitted) : []);

    // A group without members (scaled to zero) is looked at even while its gap's end moves, as long as its
    // commits have stood still for a minute: an aborted upstream transaction must not wake it for a poll.
    const plans = live.map((i, n) =>
      planPeeks(partitionsOf[i]!, committedBy[n]!, endBy, items[i]!.context, at, groupOf[i]!.members === 0),
    );
    // Peeks are best effort: one that fails (a topic the scaler may not read) leaves the gap counted as lag.
    const peeked = await peekInRounds(
      reader,
      plans.flatMap((plan) => plan.requests),
    ).catch(() => new Map<string, PeekResult>());
    live.forEach((i, n) => {
      const context = items[i]!.context;
      const peekBy = applyPeeks(plans[n]!, peeked, context, at);
      if (context) context.peeks.retain(new Set(partitionsOf[i]!.map((p) => partitionKey(p.topic, p.partition))));
      rows[i] = partitionsOf[i]!.map(({ topic, partition }) => {
        const key = partitionKey(topic, partition);
        const peek = peekBy.get(key);
        const anchor = context?.timestamps ? context.peeks.anchor(key) : undefined;
        const committedOffset = committedBy[n]!.get(key) ?? NO_COMMIT;
        const beyond = outOfRange[n]!.get(key);
        return {
          topic,
          partition,
          committed: committedOffset,
          end: endBy.get(key),
          start: startBy.get(key),
          ...(beyond === undefined ? {} : { outOfRange: beyond }),
          ...(peek?.dataPending === undefined ? {} : { dataPending: peek.dataPending }),
          // Only a trigger that dates records reads it; kept for no other, since every poll keeps its rows.
          ...(peek?.firstDataTimestamp === undefined || !context?.timestamps
            ? {}
            : { committedTimestamp: peek.firstDataTimestamp }),
          ...(anchor && peek?.firstDataTimestamp === undefined && anchor.offset <= committedOffset
            ? { timestampAnchor: { offset: anchor.offset, timestamp: anchor.timestamp } }
            : {}),
        };
      });
    });
  } catch (err) {
    failAll(err);
  }

  return items.map((item, i): CycleResult => {
    const error = failed[i];
    if (error) return { ok: false, error };
    return { ok: true, sample: { seq: item.seq, at, partitions: rows[i]!.sort(byTopicPartition), group: groupOf[i]! } };
  });
}

/**
 * End offsets of every partition the pollers `live` read, in one ListOffsets
 * per leader. A topic deleted since the cycle read its metadata fails that
 * read as a whole: the topics are looked up again, the pollers of the missing
 * ones fail (in `failed`), and the rest are read once more.
 */
async function endOffsetsOf(
  reader: KafkaReader,
  live: readonly number[],
  partitionsOf: readonly TopicPartition[][],
  failed: Array<ScalerError | undefined>,
): Promise<PartitionOffset[]> {
  const union = uniquePartitions(live.flatMap((i) => partitionsOf[i]!));
  if (union.length === 0) return [];
  try {
    return await reader.endOffsets(union);
  } catch (err) {
    if (!(err instanceof KafkaPortError) || err.kind !== 'topic-missing') throw err;
    const topics = [...new Set(union.map((p) => p.topic))].sort();
    const outcomes = await reader.topicPartitions(topics);
    for (const i of live) {
      const error = topicError(reader.cluster, [...new Set(partitionsOf[i]!.map((p) => p.topic))], outcomes);
      if (error) failed[i] = error;
    }
    const rest = uniquePartitions(live.filter((i) => failed[i] === undefined).flatMap((i) => partitionsOf[i]!));
    return rest.length > 0 ? await reader.endOffsets(rest) : [];
  }
}

/** A poller's topic error: the first that is not "missing", else TOPIC_NOT_FOUND naming every missing topic. */
function topicError(
  cluster: string,
  topics: readonly string[],
  outcomes: ReadonlyMap<string, Outcome<TopicPartition[]>>,
): ScalerError | undefined {
  const errors = topics.flatMap((t) => {
    const outcome = outcomes.get(t);
    return outcome && !outcome.ok ? [{ topic: t, error: outcome.error }] : [];
  });
  const hard = errors.find((e) => e.error.kind !== 'topic-missing');
  if (hard) return hard.error;
  if (errors.length === 0) return undefined;
  return new ScalerError(
    'TOPIC_NOT_FOUND',
    `kafka cluster ${cluster}: topic ${errors.map((e) => `"${e.topic}"`).join(', ')} does not exist`,
  );
}

function beyondEnd(
  committedBy: ReadonlyMap<string, bigint>,
  endBy: ReadonlyMap<string, bigint>,
  p: TopicPartition,
): boolean {
  const key = partitionKey(p.topic, p.partition);
  const committed = committedBy.get(key) ?? NO_COMMIT;
  const end = endBy.get(key);
  return committed !== NO_COMMIT && end !== undefined && committed > end;
}

function uniquePartitions(partitions: readonly TopicPartition[]): TopicPartition[] {
  const seen = new Map<string, TopicPartition>();
  for (const p of partitions) seen.set(partitionKey(p.topic, p.partition), { topic: p.topic, partition: p.partition });
  return [...seen.values()].sort(byTopicPartition);
}

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

interface PeekPlan {
  /** Answers already in the poller's cache, by partition key. */
  readonly cached: Map<string, PeekResult>;
  readonly requests: PeekRequest[];
}

/** Which partitions of one poller need a look at their records, and which of those its cache answers. */
function planPeeks(
  partitions: readonly TopicPartition[],
  committedBy: ReadonlyMap<string, bigint>,
  endBy: ReadonlyMap<string, bigint>,
  context: SampleContext | undefined,
  at: number,
  noMembers: boolean,
): PeekPlan {
  const plan: PeekPlan = { cached: new Map(), requests: [] };
  if (!context) return plan;
  const { peeks, timestamps, oldestEnds, latestEnds, committedBefore } = context;
  for (const { topic, partition } of partitions) {
    const key = partitionKey(topic, partition);
    const from = committedBy.get(key) ?? NO_COMMIT;
    const end = endBy.get(key);
    if (from === NO_COMMIT || end === undefined || end <= from) continue;
    const oldestEnd = oldestEnds.get(key);
    const anchor = peeks.anchor(key);
    const anchored = anchor !== undefined && anchor.offset <= from && at - anchor.at < ANCHOR_REFRESH_MS;
    const wantTimestamp = timestamps && (oldestEnd === undefined || from < oldestEnd) && !anchored;
    const latestEnd = latestEnds?.get(key);
    const idle = noMembers && (committedBefore === undefined || committedBefore.get(key) === from);
    const settled = idle || latestEnd === undefined || latestEnd === end;
    if ((end - from > MARKER_GAP || !settled) && !wantTimestamp) continue;
    const cached = peeks.lookup(key, from, end);
    if (cached) plan.cached.set(key, cached);
    else plan.requests.push({ topic, partition, from, end });
  }
  return plan;
}

/** The peeks of every poller, in as few Fetch rounds as partitions repeat (usually one). */
async function peekInRounds(reader: KafkaReader, requests: readonly PeekRequest[]): Promise<Map<string, PeekResult>> {
  const rounds: PeekRequest[][] = [];
  const keys = new Set<string>();
  for (const r of requests) {
    const key = `${partitionKey(r.topic, r.partition)}\u0000${r.from}\u0000${r.end}`;
    if (keys.has(key)) continue;
    keys.add(key);
    const round = rounds.find((list) => !list.some((o) => o.topic === r.topic && o.partition === r.partition));
    if (round) round.push(r);
    else rounds.push([r]);
  }
  const results = new Map<string, PeekResult>();
  for (const round of rounds) {
    for (const result of await reader.peek(round)) {
      const request = round.find((r) => r.topic === result.topic && r.partition === result.partition)!;
      results.set(`${partitionKey(result.topic, result.partition)}\u0000${request.from}\u0000${request.end}`, result);
    }
  }
  return results;
}

/** One poller's peek answers, from its cache or this cycle's reads, stored back in its cache. */
function applyPeeks(
  plan: PeekPlan,
  peeked: ReadonlyMap<string, PeekResult>,
  context: SampleContext | undefined,
  at: number,
): Map<string, PeekResult> {
  const results = new Map(plan.cached);
  for (const request of plan.requests) {
    const key = partitionKey(request.topic, request.partition);
    const result = peeked.get(`${key}\u0000${request.from}\u0000${request.end}`);
    if (!result || !context) continue;
    context.peeks.store(key, request.from, request.end, result);
    if (result.firstDataTimestamp !== undefined) {
      context.peeks.setAnchor(key, { offset: request.from, timestamp: result.firstDataTimestamp, at });
    }
    results.set(key, result);
  }
  return results;
}

const STREAMS_CLIENT = /^(.+)-StreamThread-(\d+)-consumer$/;

/**
 * Kafka Streams processes from their threads' client ids: every process has
 * a thread 1 (and 2, ...), so the most members with one thread number is the
 * process count, whether each process has its own client id (the default,
 * `<application.id>-<process uuid>`) or all share a constant `client.id`.
 */
function streamsProcesses(clientIds: readonly string[]): number | undefined {
  const byThread = new Map<string, number>();
  for (const id of clientIds) {
    const match = STREAMS_CLIENT.exec(id);
    if (!match) return undefined;
    byThread.set(match[2]!, (byThread.get(match[2]!) ?? 0) + 1);
  }
  // A loop, not Math.max(...): a group of a few hundred thousand members would overflow the stack.
  let most: number | undefined;
  for (const count of byThread.values()) if (most === undefined || count > most) most = count;
  return most;
}

/**
 * Group state, members, and Kafka Streams instances (process ids where the
 * group tells them, else the client ids when they show them); and what the
 * members' assignments say: the owner of each partition and, for Kafka
 * Streams, the sub-topologies with their input topics and tasks.
 */
export function toGroupInfo(description: GroupDescription): GroupInfo {
  const { members } = description;
  const processes = members.map((m) => m.processId);
  const byProcess = processes.length > 0 && processes.every((p) => p !== undefined);

  const owners = new Map<string, string>();
  const topics = new Map<string, Set<string>>();
  const tasks = new Map<string, Set<number>>();
  for (const m of members) {
    for (const p of m.partitions ?? []) {
      owners.set(partitionKey(p.topic, p.partition), m.memberId);
      if (p.subTopology === undefined) continue;
      (topics.get(p.subTopology) ?? topics.set(p.subTopology, new Set()).get(p.subTopology)!).add(p.topic);
      (tasks.get(p.subTopology) ?? tasks.set(p.subTopology, new Set()).get(p.subTopology)!).add(p.partition);
    }
  }
  const registered = description.topology;
  const reported = registered
    ? registered.map((s) => ({ id: s.id, inputs: [...s.inputs].sort(), assignedTasks: tasks.get(s.id)?.size ?? 0 }))
    : topics.size > 0 && description.assignmentProblem === undefined
      ? [...topics].map(([id, set]) => ({ id, inputs: [...set].sort(), assignedTasks: tasks.get(id)!.size }))
      : undefined;
  reported?.sort(bySubTopologyId);
  return {
    state: description.state,
    members: members.length,
    instances: byProcess ? new Set(processes).size : streamsProcesses(members.map((m) => m.clientId)),
    memberIds: members.map((m) => m.memberId).sort(),
    ...(description.protocol === undefined ? {} : { protocol: description.protocol }),
    ...(description.reconciling ? { reconciling: true } : {}),
    ...(reported === undefined ? {} : { reported }),
    ...(owners.size === 0 ? {} : { owners }),
    ...(description.assignmentProblem === undefined ? {} : { reportProblem: description.assignmentProblem }),
  };
}

/** Kafka's sub-topology ids are numbers ("0", "1", ...), named-topology ones "name/0": numeric order where they are. */
function bySubTopologyId(a: { readonly id: string }, b: { readonly id: string }): number {
  return a.id.localeCompare(b.id, 'en', { numeric: true });
}

function indexOffsets(offsets: readonly PartitionOffset[]): Map<string, bigint> {
  return new Map(offsets.map((o) => [partitionKey(o.topic, o.partition), o.offset]));
}
