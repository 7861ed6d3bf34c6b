/**
 * The workloads the simulator replays. Each is a load (records per second
 * into the source topic, spread over its partitions), the replicas running
 * when it starts, and the crashes that happen on the way.
 *
 * `dailySine` is held out: no strategy setting in contenders.ts was chosen by
 * looking at it, so its row shows how the settings carry to a load they were
 * not reasoned about.
 */
import { uniform } from './streamsModel.ts';

export interface Crash {
  readonly atMs: number;
  /** Pods that crash at once. */
  readonly pods: number;
  /** How long until the Deployment starts their replacements. */
  readonly restartMs: number;
}

export interface Trace {
  readonly name: string;
  readonly description: string;
  readonly durationMs: number;
  /** Pods running, tasks restored, when the trace starts. */
  readonly initialReplicas: number;
  /** Records per second into the source topic at `tMs` from the start. */
  readonly rate: (tMs: number) => number;
  /** The share of records per partition at `tMs`, summing to 1. */
  readonly weights: (tMs: number, partitions: number) => readonly number[];
  readonly crashes: readonly Crash[];
  /** Whether the load ends, so the workload should end at zero replicas. */
  readonly endsIdle: boolean;
  /** Kept out of tuning. */
  readonly heldOut?: boolean;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const even = (_t: number, partitions: number): readonly number[] => uniform(partitions);

/** A step function: [from minute, records per second] in order. */
function steps(...points: Array<[number, number]>): (tMs: number) => number {
  return (tMs) => {
    let rate = 0;
    for (const [fromMinute, value] of points) if (tMs >= fromMinute * MINUTE) rate = value;
    return rate;
  };
}

export const TRACES: readonly Trace[] = [
  {
    name: 'steady',
    description: '300 records/s for 2 h, started at 3 replicas',
    durationMs: 2 * HOUR,
    initialReplicas: 3,
    rate: () => 300,
    weights: even,
    crashes: [],
    endsIdle: false,
  },
  {
    name: 'burst5x',
    description: '200 records/s, a 5× step to 1000/s for 15 min at minute 20, back to 200/s',
    durationMs: HOUR,
    initialReplicas: 2,
    rate: steps([0, 200], [20, 1000], [35, 200]),
    weights: even,
    crashes: [],
    endsIdle: false,
  },
  {
    name: 'dailySine',
    description: 'a day of load, 50 records/s at night to 900/s at noon',
    durationMs: 24 * HOUR,
    initialReplicas: 1,
    rate: (tMs) => 50 + (850 * (1 - Math.cos((2 * Math.PI * tMs) / (24 * HOUR)))) / 2,
    weights: even,
    crashes: [],
    endsIdle: false,
    heldOut: true,
  },
  {
    name: 'crashStorm',
    description:
      '400 records/s, a spike to 1200/s at minute 20 while pods crash and restart, a rolling restart at minute 50',
    durationMs: 90 * MINUTE,
    initialReplicas: 4,
    rate: steps([0, 400], [20, 1200], [26, 400]),
    weights: even,
    crashes: [
      { atMs: 21 * MINUTE, pods: 2, restartMs: 60_000 },
      { atMs: 23 * MINUTE, pods: 1, restartMs: 60_000 },
      { atMs: 25 * MINUTE, pods: 2, restartMs: 90_000 },
      // A rolling restart (an upgrade): one pod at a time, each back after 30 s.
      ...Array.from({ length: 4 }, (_, i) => ({ atMs: 50 * MINUTE + i * 60_000, pods: 1, restartMs: 30_000 })),
    ],
    endsIdle: false,
  },
  {
    name: 'idleBurstIdle',
    description: 'nothing for 10 min, 500 records/s for 10 min, nothing for 40 min; starts at 0 replicas',
    durationMs: HOUR,
    initialReplicas: 0,
    rate: steps([0, 0], [10, 500], [20, 0]),
    weights: even,
    crashes: [],
    endsIdle: true,
  },
  {
    name: 'hotPartition',
    description: '180 records/s for 1 h, 60 % of them on partition 0',
    durationMs: HOUR,
    initialReplicas: 2,
    rate: () => 180,
    weights: (_t, partitions) => Array.from({ length: partitions }, (_, p) => (p === 0 ? 0.6 : 0.4 / (partitions - 1))),
    crashes: [],
    endsIdle: false,
  },
];

export function traceByName(name: string): Trace {
  const trace = TRACES.find((t) => t.name === name);
  if (!trace) throw new Error(`unknown trace "${name}"; known: ${TRACES.map((t) => t.name).join(', ')}`);
  return trace;
}
