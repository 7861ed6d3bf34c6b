/**
 * The topics of one MultiPipelineApp (tools/kafka/multiPipelineApp.ts),
 * created on the test broker: `left` and `right` of 4 partitions, `third` of
 * 3 (11 tasks in all), one-partition outputs; and the app's options for them.
 */
import type { Admin } from 'kafkajs';
import type { MultiPipelineAppOptions } from '../../tools/kafka/multiPipelineApp.ts';
import { testBootstrap, uniqueName } from './kafka.ts';

export async function createPipeline(
  admin: Admin,
  properties: Record<string, string> = {},
): Promise<MultiPipelineAppOptions & { readonly properties: Record<string, string> }> {
  const appId = uniqueName('mp');
  const name = uniqueName('mp-topic');
  const topics = {
    left: `${name}-left`,
    right: `${name}-right`,
    third: `${name}-third`,
    joined: `${name}-joined`,
    counts: `${name}-counts`,
    filtered: `${name}-filtered`,
  };
  await admin.createTopics({
    topics: [
      { topic: topics.left, numPartitions: 4 },
      { topic: topics.right, numPartitions: 4 },
      { topic: topics.third, numPartitions: 3 },
      ...[topics.joined, topics.counts, topics.filtered].map((topic) => ({ topic, numPartitions: 1 })),
    ],
    waitForLeaders: true,
  });
  return { bootstrap: testBootstrap(), appId, ...topics, properties };
}
