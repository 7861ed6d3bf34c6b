/**
 * Builders for poll samples in unit tests of strategies and analyses.
 */
import type { GroupInfo, PartitionOffsets, Sample } from '../../src/model/sample.ts';

/** A stable group of `instances` single-threaded members (member ids m0, m1, ...). */
export function stableGroup(instances: number, tag = ''): GroupInfo {
  const memberIds = Array.from({ length: instances }, (_, i) => `m${i}${tag}`);
  return { state: instances > 0 ? 'Stable' : 'Empty', members: instances, instances: undefined, memberIds };
}

export function row(
  topic: string,
  partition: number,
  committed: bigint,
  end: bigint | undefined,
  extra: Partial<PartitionOffsets> = {},
): PartitionOffsets {
  return { topic, partition, committed, end, start: 0n, ...extra };
}

/** A sample at `at` (ms) with `rows`, its seq equal to `at`, and a stable one-member group by default. */
export function sample(at: number, rows: readonly PartitionOffsets[], group: GroupInfo = stableGroup(1)): Sample {
  return { seq: at, at, partitions: rows, group };
}

/** A sample of topic `t` with [committed, end] per partition. */
export function topicSample(at: number, partitions: Array<[bigint, bigint]>, group?: GroupInfo, topic = 't'): Sample {
  return sample(
    at,
    partitions.map(([committed, end], partition) => row(topic, partition, committed, end)),
    group,
  );
}
