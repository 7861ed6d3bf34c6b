/**
 * The kafkajs reader and pollers against real brokers: requests per cycle
 * (one OffsetFetch and one DescribeGroups per coordinator for every group,
 * one ListOffsets per partition leader for every topic), and a deleted topic
 * that breaks only its own trigger.
 */
import assert from 'node:assert/strict';
import { ScalerError } from '../../src/errors.ts';
import { KafkajsReader } from '../../src/kafka/kafkajsReader.ts';
import { createLogger } from '../../src/logger.ts';
import { PollerRegistry } from '../../src/poller/pollerRegistry.ts';
import { type LocalKafka, startKafka } from '../../tools/kafka/localKafka.ts';
import { kafkaVersionFromEnv } from '../../tools/kafka/versions.ts';
import { commitOffsets, createTopic, testBootstrap, testKafkaClient, uniqueName } from '../support/kafka.ts';

const CONFIG = { pollIntervalMs: 60_000, kafkaTimeoutMs: 10_000, historyMs: 600_000, pollerIdleTimeoutMs: 600_000 };

function registryFor(requests: string[]): { registry: PollerRegistry; readers: KafkajsReader[] } {
  const readers: KafkajsReader[] = [];
  const registry = new PollerRegistry({
    config: CONFIG,
    logger: createLogger('silent'),
    polling: 'manual',
    createReader: ({ brokers }) => {
      const reader = new KafkajsReader({ brokers, logger: createLogger('silent'), requestTimeoutMs: 5_000 });
      reader.onRequest((api, broker) => requests.push(`${api}@${broker}`));
      readers.push(reader);
      return reader;
    },
  });
  return { registry, readers };
}

describe('kafka reader on a 3-node cluster', function () {
  this.timeout(180_000);
  let kafka: LocalKafka;
  before(async () => {
    kafka = await startKafka({ nodes: 3 });
  });
  after(async () => {
    await kafka.stop();
  });

  it('40 groups on 2 topics: one OffsetFetch and one DescribeGroups per coordinator, one ListOffsets per leader, exact offsets', async () => {
    const admin = testKafkaClient(kafka.bootstrapServers).admin();
    await admin.connect();
    const topics = ['clicks', 'views'];
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: 6, replicationFactor: 3 })),
      waitForLeaders: true,
    });
    const metadata = await admin.fetchTopicMetadata({ topics });
    const { brokers } = await admin.describeCluster();
    const addressOf = new Map(brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]));
    const leaders = new Set(metadata.topics.flatMap((t) => t.partitions.map((p) => addressOf.get(p.leader)!)));
    await admin.disconnect();
    const producer = testKafkaClient(kafka.bootstrapServers).producer();
    await producer.connect();
    try {
      for (const topic of topics) {
        await producer.send({
          topic,
          acks: -1,
          messages: [0, 1, 2, 3, 4, 5].flatMap((partition) =>
            Array.from({ length: 100 }, () => ({ partition, value: 'x' })),
          ),
        });
      }
    } finally {
      await producer.disconnect();
    }
    const groups = Array.from({ length: 40 }, (_, i) => `app-${i}`);
    const committedAt = (i: number, p: number) => i + p;
    for (const [i, groupId] of groups.entries()) {
      for (const topic of topics) {
        const offsets = Object.fromEntries([0, 1, 2, 3, 4, 5].map((p) => [p, committedAt(i, p)]));
        await commitOffsets(groupId, topic, offsets, kafka.bootstrapServers);
      }
    }

    const requests: string[] = [];
    const { registry } = registryFor(requests);
    try {
      // Half name their topics; half are topic-less (every topic the group committed to).
      for (const [i, groupId] of groups.entries()) {
        registry.acquire(
          { cluster: kafka.bootstrapServers, groupId, topics: i % 2 === 0 ? topics : undefined },
          { brokers: kafka.bootstrapServers.split(',') },
        );
      }
      await registry.pollAll(); // connects, reads metadata, finds the coordinators
      for (const poller of registry.pollers()) assert.equal(poller.state().failure, undefined, poller.id);

      requests.length = 0;
      await registry.pollAll();
      const byApi = (api: string) => requests.filter((r) => r.startsWith(`${api}@`));
      const coordinators = new Set(byApi('OffsetFetch').map((r) => r.split('@')[1]));
      assert.ok(coordinators.size >= 1 && coordinators.size <= 3, `coordinators: ${[...coordinators].join(', ')}`);
      assert.equal(
        byApi('OffsetFetch').length,
        coordinators.size,
        `one OffsetFetch per coordinator: ${requests.join(', ')}`,
      );
      assert.deepEqual(
        byApi('DescribeGroups')
          .map((r) => r.split('@')[1])
          .sort(),
        byApi('OffsetFetch')
          .map((r) => r.split('@')[1])
          .sort(),
        'one DescribeGroups per coordinator',
      );
      assert.deepEqual(
        byApi('ListOffsets')
          .map((r) => r.split('@')[1])
          .sort(),
        [...leaders].sort(),
        'one ListOffsets per leader, for both topics of every group',
      );
      assert.equal(requests.length, 2 * coordinators.size + leaders.size, `nothing else: ${requests.join(', ')}`);

      for (const poller of registry.pollers()) {
        const i = groups.indexOf(poller.key.groupId);
        const rows = poller.state().latest!.partitions.map((p) => `${p.topic}-${p.partition}:${p.committed}/${p.end}`);
        assert.deepEqual(
          rows,
          topics.flatMap((t) => [0, 1, 2, 3, 4, 5].map((p) => `${t}-${p}:${committedAt(i, p)}/100`)),
          poller.id,
        );
      }
    } finally {
      await registry.close();
    }
  });

  it('sends one OffsetFetch and one DescribeGroups per group and one ListOffsets per partition leader per poll, and finds a new coordinator after a crash', async () => {
    const admin = testKafkaClient(kafka.bootstrapServers).admin();
    await admin.connect();
    const topics = ['orders', 'payments'];
    await admin.createTopics({
      topics: [
        { topic: 'orders', numPartitions: 6, replicationFactor: 3 },
        { topic: 'payments', numPartitions: 3, replicationFactor: 3 },
      ],
      waitForLeaders: true,
    });
    const metadata = await admin.fetchTopicMetadata({ topics });
    const { brokers } = await admin.describeCluster();
    const addressOf = new Map(brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]));
    const leaders = new Set(metadata.topics.flatMap((t) => t.partitions.map((p) => addressOf.get(p.leader)!)));
    await admin.disconnect();
    for (const topic of topics) {
      const partitions = metadata.topics.find((t) => t.name === topic)!.partitions.length;
      await commitOffsets(
        'billing',
        topic,
        Object.fromEntries(Array.from({ length: partitions }, (_, p) => [p, 0])),
        kafka.bootstrapServers,
      );
    }

    const requests: string[] = [];
    const { registry } = registryFor(requests);
    try {
      registry.acquire(
        { cluster: kafka.bootstrapServers, groupId: 'billing', topics },
        { brokers: kafka.bootstrapServers.split(',') },
      );
      await registry.pollAll(); // connects, reads metadata, finds the coordinator
      assert.equal(registry.pollers()[0]!.state().failure, undefined);
      assert.ok(leaders.size >= 2, `partitions spread over ${leaders.size} leaders`);

      for (let poll = 1; poll <= 3; poll++) {
        requests.length = 0;
        await registry.pollAll();
        assert.equal(registry.pollers()[0]!.state().failure, undefined);
        const byApi = (api: string) => requests.filter((r) => r.startsWith(`${api}@`));
        assert.equal(byApi('OffsetFetch').length, 1, `poll ${poll}: ${requests.join(', ')}`);
        assert.deepEqual(
          byApi('DescribeGroups'),
          byApi('OffsetFetch').map((r) => r.replace('OffsetFetch', 'DescribeGroups')),
          'one DescribeGroups, to the coordinator',
        );
        assert.deepEqual(
          byApi('ListOffsets')
            .map((r) => r.split('@')[1])
            .sort(),
          [...leaders].sort(),
          `poll ${poll}: one ListOffsets to each leader`,
        );
        assert.equal(requests.length, 2 + leaders.size, `poll ${poll}: nothing else (${requests.join(', ')})`);
      }
      const sample = registry.pollers()[0]!.state().latest!;
      assert.equal(sample.partitions.length, 9);

      // Kill the group coordinator: polling finds the new one and recovers.
      const coordinator = requests.find((r) => r.startsWith('OffsetFetch@'))!.split('@')[1]!;
      const victim = brokers.find((b) => `${b.host}:${b.port}` === coordinator)!;
      await kafka.killNode(victim.nodeId);
      const poller = registry.pollers()[0]!;
      const deadline = Date.now() + 60_000;
      for (;;) {
        await registry.pollAll();
        if (!poller.state().failure) break;
        assert.ok(Date.now() < deadline, `still failing after 60s: ${poller.state().failure?.error.message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      requests.length = 0;
      await registry.pollAll();
      const offsetFetch = requests.filter((r) => r.startsWith('OffsetFetch@'));
      assert.equal(offsetFetch.length, 1);
      assert.notEqual(offsetFetch[0], `OffsetFetch@${coordinator}`, 'a new coordinator answers');
      assert.equal(poller.state().latest!.partitions.length, 9);
      await kafka.startNode(victim.nodeId);
    } finally {
      await registry.close();
    }
  });
});

describe(`kafka reader: many groups in one OffsetFetch (v8) on Kafka ${kafkaVersionFromEnv().text} @compat`, () => {
  it('answers what one OffsetFetch per group answers, for named partitions and for every committed partition', async () => {
    const topic = uniqueName('batch');
    const admin = testKafkaClient().admin();
    await admin.connect();
    try {
      await createTopic(admin, topic, 3);
    } finally {
      await admin.disconnect();
    }
    const groups = ['a', 'b', 'c'].map((g) => uniqueName(`batch-${g}`));
    await commitOffsets(groups[0]!, topic, { 0: 0, 2: 0 });
    await commitOffsets(groups[1]!, topic, { 1: 0 });
    const requests: string[] = [];
    const reader = new KafkajsReader({
      brokers: testBootstrap().split(','),
      logger: createLogger('silent'),
      requestTimeoutMs: 5_000,
    });
    reader.onRequest((api) => requests.push(api));
    try {
      const partitions = [0, 1, 2].map((partition) => ({ topic, partition }));
      const singles = await Promise.all(groups.map((g) => reader.committedOffsets(g, partitions)));
      const allSingles = await Promise.all(groups.map((g) => reader.committedOffsets(g, undefined)));
      requests.length = 0;
      const batch = await reader.groupOffsets([
        ...groups.map((groupId) => ({ groupId, partitions })),
        ...groups.map((groupId) => ({ groupId, partitions: undefined })),
      ]);
      assert.deepEqual(
        requests.filter((r) => r === 'OffsetFetch'),
        ['OffsetFetch'],
        `one request: ${requests.join(', ')}`,
      );
      assert.deepEqual(
        batch.map((o) => (o.ok ? o.value : o.error.message)),
        [...singles, ...allSingles],
      );
      assert.deepEqual(
        singles[0]!.map((p) => p.offset),
        [0n, -1n, 0n],
      );
    } finally {
      await reader.close();
    }
  });
});

describe('kafka reader: a deleted topic', () => {
  it('fails only the trigger that names it; another trigger on the same cluster keeps working', async () => {
    const kept = uniqueName('kept');
    const doomed = uniqueName('doomed');
    const admin = testKafkaClient().admin();
    await admin.connect();
    await createTopic(admin, kept, 1);
    await createTopic(admin, doomed, 1);
    await commitOffsets('g', kept, { 0: 0 });

    const requests: string[] = [];
    const { registry, readers } = registryFor(requests);
    const brokers = testBootstrap().split(',');
    try {
      const keptPoller = registry.acquire({ cluster: testBootstrap(), groupId: 'g', topics: [kept] }, { brokers });
      const doomedPoller = registry.acquire({ cluster: testBootstrap(), groupId: 'g', topics: [doomed] }, { brokers });
      await registry.pollAll();
      assert.equal(readers.length, 1, 'one reader per cluster, shared');
      assert.equal(keptPoller.state().failure, undefined);
      assert.equal(doomedPoller.state().failure, undefined);

      await admin.deleteTopics({ topics: [doomed] });
      // Deletion propagates asynchronously; a few polls at most.
      for (let i = 0; i < 40 && doomedPoller.state().failure?.error.code !== 'TOPIC_NOT_FOUND'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        await registry.pollAll();
      }
      const failure = doomedPoller.state().failure;
      assert.ok(failure?.error instanceof ScalerError);
      assert.equal(failure.error.code, 'TOPIC_NOT_FOUND');
      assert.match(failure.error.message, new RegExp(`topic "${doomed}" does not exist`));
      assert.equal(keptPoller.state().failure, undefined, 'the other trigger is unaffected');
      await registry.pollAll();
      assert.equal(keptPoller.state().failure, undefined, 'and stays so');
    } finally {
      await admin.disconnect();
      await registry.close();
    }
  });
});

describe('kafka reader: a committed offset below the log start', () => {
  it('does not fail the poll (Kafka fails the whole fetch for it): that partition answers unknown', async () => {
    const topic = uniqueName('retention');
    const admin = testKafkaClient().admin();
    const producer = testKafkaClient().producer();
    await Promise.all([admin.connect(), producer.connect()]);
    const requests: string[] = [];
    const { registry } = registryFor(requests);
    try {
      await createTopic(admin, topic, 2);
      await producer.send({
        topic,
        messages: [0, 1].flatMap((partition) => Array.from({ length: 20 }, () => ({ partition, value: 'x' }))),
      });
      // The group stopped at 10 and 18 of 20; retention then deleted everything below 15 on both partitions.
      await commitOffsets('behind', topic, { 0: 10, 1: 18 });
      await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords routes by metadata it does not load itself
      await admin.deleteTopicRecords({ topic, partitions: [0, 1].map((partition) => ({ partition, offset: '15' })) });
      const poller = registry.acquire(
        { cluster: testBootstrap(), groupId: 'behind', topics: [topic] },
        { brokers: testBootstrap().split(',') },
        {
          recordTimestamps: true,
        },
      );
      await registry.pollAll();
      assert.equal(poller.state().failure, undefined, poller.state().failure?.error.message);
      const rows = poller.state().latest!.partitions;
      assert.equal(rows[0]!.committedTimestamp, undefined, 'below the log start: unknown');
      assert.equal(rows[1]!.dataPending, true, 'the other partition was still read');
      assert.ok(rows[1]!.committedTimestamp !== undefined);
    } finally {
      await Promise.all([admin.disconnect(), producer.disconnect()]);
      await registry.close();
    }
  });
});
