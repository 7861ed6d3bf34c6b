/**
 * The demo's live table: one row per KEDA polling interval with the time,
 * the scenario's phase, records produced, lag per sub-topology, the replicas
 * the scaler recommends, what KEDA and the HPA did, the Kafka Streams JVMs
 * and the scaler's explanation, shortened to the terminal's width. Pure.
 */
import type { Phase } from './scenario.ts';

export interface JvmCounts {
  /** Instances that reported RUNNING at least once and were not told to stop. */
  readonly running: number;
  /** Started, not yet RUNNING. */
  readonly starting: number;
  /** Told to stop (SIGTERM), not yet exited. */
  readonly stopping: number;
}

export interface TableRow {
  readonly elapsedMs: number;
  readonly phase: Phase;
  /** Records produced so far. */
  readonly produced: number;
  /** Records waiting per sub-topology, in the header's order; undefined when not known. */
  readonly lag: ReadonlyArray<number | undefined>;
  /** The scaler's recommendation: ceil(metric / target), 0 when inactive; undefined if it failed. */
  readonly recommended: number | undefined;
  /** KEDA's and the HPA's replica count before and after this interval. */
  readonly replicasBefore: number;
  readonly replicas: number;
  readonly jvms: JvmCounts;
  /** The scaler's explanation of its decision, or what went wrong. */
  readonly decision: string;
}

const TIME = 5;
const PHASE = 9;
const PRODUCED = 8;
const SCALER = 6;
const REPLICAS = 8;
const JVMS = 9;
const GAP = '  ';
/** The explanation keeps at least this many characters, however narrow the terminal. */
const MIN_DECISION = 40;

/** m:ss since the start. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** `text` in at most `max` characters, ending with … when cut. */
export function shorten(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/**
 * The scaler's explanation made terser for one line: the words that repeat
 * on every row go (the lag is in its own columns), the numbers that decide
 * stay. Text it does not recognise is left as it is.
 */
export function terse(explanation: string): string {
  return explanation
    .replace(
      /^holding the recommendation of \S+ ago \(metric (\d+)\): group rebalancing \(\w+\); now: /,
      'held at $1 (rebalancing); now ',
    )
    .replace(
      /^holding the recommendation of \S+ ago \(metric (\d+)\): group members changed (\S+) ago \(rebalanceCooldown \S+\); now: /,
      'held at $1 (members changed $2 ago); now ',
    )
    .replace(
      /^group rebalancing \(\w+\), but arrivals alone need (\d+)[^;]*; now: /,
      'rebalancing, but arrivals need $1; now ',
    )
    .replace(
      /^group members changed (\S+) ago \(rebalanceCooldown \S+\), but arrivals alone need (\d+)[^;]*; now: /,
      'members changed $1 ago, but arrivals need $2; now ',
    )
    .replace(/holding (\d+) until a lower count held for scaleDownDelay (\S+)/, 'holding $1 for scaleDownDelay $2')
    .replace(/; (active|inactive): lag \d+ [>≤] \d+$/, '; $1')
    .replace(/sub-topology /g, '')
    .replace(/ \(replicaThroughput\)/g, '')
    .replace(/replica\(s\)/g, 'replicas');
}

function lagWidth(id: string): number {
  return Math.max(8, `lag ${id}`.length);
}

/** JVMs as "running +starting -stopping", the last two only when not 0. */
export function jvmCell(jvms: JvmCounts): string {
  let cell = String(jvms.running);
  if (jvms.starting > 0) cell += ` +${jvms.starting}`;
  if (jvms.stopping > 0) cell += ` -${jvms.stopping}`;
  return cell;
}

/** The header line for these sub-topologies. */
export function tableHeader(subTopologies: readonly string[]): string {
  return [
    'time'.padStart(TIME),
    'phase'.padEnd(PHASE),
    'produced'.padStart(PRODUCED),
    ...subTopologies.map((id) => `lag ${id}`.padStart(lagWidth(id))),
    'scaler'.padStart(SCALER),
    'replicas'.padEnd(REPLICAS),
    'JVMs'.padEnd(JVMS),
    'decision',
  ].join(GAP);
}

/** One row, at most `width` characters (the explanation is shortened to fit, down to MIN_DECISION). */
export function tableRow(row: TableRow, subTopologies: readonly string[], width: number): string {
  const replicas =
    row.replicas === row.replicasBefore ? String(row.replicas) : `${row.replicasBefore} → ${row.replicas}`;
  const cells = [
    clock(row.elapsedMs).padStart(TIME),
    row.phase.padEnd(PHASE),
    String(row.produced).padStart(PRODUCED),
    ...subTopologies.map((id, i) => {
      const lag = row.lag[i];
      return (lag === undefined ? '-' : String(lag)).padStart(lagWidth(id));
    }),
    (row.recommended === undefined ? '-' : String(row.recommended)).padStart(SCALER),
    replicas.padEnd(REPLICAS),
    jvmCell(row.jvms).padEnd(JVMS),
  ];
  const fixed = cells.join(GAP) + GAP;
  // A narrow terminal wraps the row rather than lose the explanation altogether.
  return fixed + shorten(terse(row.decision), Math.max(MIN_DECISION, width - fixed.length));
}
