/**
 * A sample as the poller keeps it. The newest sample of a poller keeps its
 * rows (the strategies read every partition of it); once a newer poll
 * arrives it keeps only its columns (partitionColumns.ts), which is what
 * the history readers use. Its rows can still be read, made again on every
 * read: for the rare reader of an old sample, not for a loop.
 */
import { type ColumnChunks, PartitionColumns } from '../model/partitionColumns.ts';
import type { GroupInfo, PartitionOffsets, Sample } from '../model/sample.ts';

export class PolledSample implements Sample {
  readonly seq: number;
  readonly at: number;
  #group: GroupInfo;
  readonly columns: PartitionColumns;
  #rows: readonly PartitionOffsets[] | undefined;

  /**
   * `sample` as the poller keeps it; its columns and group shared with
   * `previous` (the poller's newest sample) where they are the same, its
   * values placed in the poller's `chunks`.
   */
  constructor(sample: Sample, previous?: Sample, chunks?: ColumnChunks) {
    this.seq = sample.seq;
    this.at = sample.at;
    this.#group = previous && sameGroup(previous.group, sample.group) ? previous.group : sample.group;
    this.columns = PartitionColumns.of(sample.partitions, previous?.columns, chunks, sample.at);
    this.#rows = sample.partitions;
  }

  get group(): GroupInfo {
    return this.#group;
  }

  get partitions(): readonly PartitionOffsets[] {
    return this.#rows ?? this.columns.rows();
  }

  /**
   * Lets go of the rows, and of the owner of every partition (only the
   * newest poll's are read): the sample is history now.
   */
  compact(): void {
    this.#rows = undefined;
    this.#group = withoutOwners(this.#group);
  }
}

/** Groups without their owners map, one per group object, so history samples that shared a group still do. */
const STRIPPED = new WeakMap<GroupInfo, GroupInfo>();

function withoutOwners(group: GroupInfo): GroupInfo {
  if (!group.owners) return group;
  let stripped = STRIPPED.get(group);
  if (!stripped) {
    const rest: { -readonly [K in keyof GroupInfo]?: GroupInfo[K] } = { ...group };
    delete rest.owners;
    stripped = rest as GroupInfo;
    STRIPPED.set(group, stripped);
  }
  return stripped;
}

function sameGroup(a: GroupInfo, b: GroupInfo): boolean {
  return (
    a.state === b.state &&
    a.members === b.members &&
    a.instances === b.instances &&
    a.memberIds.length === b.memberIds.length &&
    a.memberIds.every((id, i) => id === b.memberIds[i]) &&
    a.protocol === b.protocol &&
    a.reconciling === b.reconciling &&
    a.reportProblem === b.reportProblem &&
    JSON.stringify(a.reported) === JSON.stringify(b.reported) &&
    sameOwners(a.owners, b.owners)
  );
}

function sameOwners(a: ReadonlyMap<string, string> | undefined, b: ReadonlyMap<string, string> | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.size !== b.size) return false;
  for (const [key, owner] of a) if (b.get(key) !== owner) return false;
  return true;
}
