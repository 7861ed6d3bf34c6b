/**
 * Compact history: a poll that finds a partition as the poll before found it
 * keeps the earlier row object instead of a copy, and a group unchanged keeps
 * the earlier group. Idle partitions and quiet groups (most of them, most of
 * the time) then cost a pointer per poll in the history rather than a row of
 * bigints and strings; every reader sees the same values as before.
 */
import type { GroupInfo, PartitionOffsets, Sample } from '../model/sample.ts';

/** `sample`, with every row and the group that equal `previous`'s taken from `previous`. */
export function shareUnchanged(previous: Sample | undefined, sample: Sample): Sample {
  if (!previous) return sample;
  const before = previous.partitions;
  let changed = before.length !== sample.partitions.length;
  const partitions = sample.partitions.map((row, i) => {
    const old = before[i];
    if (old && sameRow(old, row)) return old;
    changed = true;
    return row;
  });
  const group = sameGroup(previous.group, sample.group) ? previous.group : sample.group;
  return { ...sample, partitions: changed ? partitions : before, group };
}

function sameRow(a: PartitionOffsets, b: PartitionOffsets): boolean {
  return (
    a.partition === b.partition &&
    a.topic === b.topic &&
    a.committed === b.committed &&
    a.end === b.end &&
    a.start === b.start &&
    a.outOfRange === b.outOfRange &&
    a.dataPending === b.dataPending &&
    a.committedTimestamp === b.committedTimestamp &&
    a.timestampAnchor?.offset === b.timestampAnchor?.offset &&
    a.timestampAnchor?.timestamp === b.timestampAnchor?.timestamp
  );
}

function sameGroup(a: GroupInfo, b: GroupInfo): boolean {
  return (
    a.state === b.state &&
    a.members === b.members &&
    a.instances === b.instances &&
    a.memberIds.length === b.memberIds.length &&
    a.memberIds.every((id, i) => id === b.memberIds[i])
  );
}
