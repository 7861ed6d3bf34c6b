/**
 * The simulator's results as text: a table per trace, then the targets,
 * for the console and as Markdown (for the README).
 */
import { CONTENDERS } from './contenders.ts';
import { ACTION_TARGET, checkTargets, REPLICA_TARGET, type Score, type TargetCheck } from './score.ts';
import type { Trace } from './traces.ts';

export interface Result {
  readonly score: Score;
  readonly events: ReadonlyArray<{ atSeconds: number; from: number; to: number; by: string; reason: string }>;
  /** Wall-clock time of the run. */
  readonly ms: number;
}

const HEADER = [
  'strategy',
  's over objective',
  'replica-s',
  'scaling actions',
  'first record → replica (s)',
  'back to zero',
  'peak age (s)',
  'peak replicas',
];

function row(s: Score): string[] {
  return [
    s.contender,
    String(s.secondsOverObjective),
    String(s.replicaSeconds),
    String(s.scalingActions),
    s.secondsToFirstReplica === undefined ? '—' : String(s.secondsToFirstReplica),
    s.returnedToZero === undefined ? '—' : s.returnedToZero ? 'yes' : 'no',
    String(s.peakLatencySeconds),
    String(s.peakReplicas),
  ];
}

/** A trace is bursty when its load changes: every trace but the steady ones. */
function bursty(trace: Trace): boolean {
  return trace.name !== 'steady' && trace.name !== 'hotPartition';
}

const mark = (ok: boolean | undefined): string => (ok === undefined ? '—' : ok ? 'met' : 'missed');
const times = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '∞');

export function targetChecks(traces: readonly Trace[], results: readonly Result[]): TargetCheck[] {
  const baseline = CONTENDERS.find((c) => c.role === 'baseline')!;
  const candidates = CONTENDERS.filter((c) => c.role === 'candidate');
  return traces.flatMap((trace) => {
    const scoreOf = (name: string): Score | undefined =>
      results.find((r) => r.score.trace === trace.name && r.score.contender === name)?.score;
    const base = scoreOf(baseline.name);
    if (!base) return [];
    return candidates.flatMap((c) => {
      const s = scoreOf(c.name);
      return s ? [checkTargets(s, base, bursty(trace))] : [];
    });
  });
}

export function report(
  traces: readonly Trace[],
  results: readonly Result[],
  objectiveSeconds: number,
): { console: string; markdown: string } {
  const con: string[] = [];
  const md: string[] = [];
  for (const trace of traces) {
    const rows = CONTENDERS.flatMap((c) => {
      const r = results.find((x) => x.score.trace === trace.name && x.score.contender === c.name);
      return r ? [row(r.score)] : [];
    });
    const held = trace.heldOut ? ' (held out of tuning)' : '';
    con.push(`\n${trace.name}${held}: ${trace.description}`, ...columns([HEADER, ...rows]));
    md.push(`**${trace.name}**${held}: ${trace.description}`, '', ...markdownTable(HEADER, rows), '');
  }

  const baseline = CONTENDERS.find((c) => c.role === 'baseline')!.name;
  const checks = targetChecks(traces, results);
  const targetHeader = [
    'trace',
    'strategy',
    `s over objective ≤ ${baseline}`,
    `replica-s ≤ ${REPLICA_TARGET}× (bursty)`,
    `actions ≤ ${ACTION_TARGET}×`,
  ];
  const targetRows = checks.map((c) => [
    c.trace,
    c.contender,
    mark(c.objective),
    `${times(c.replicaRatio)} ${mark(c.replicaTarget)}`,
    `${times(c.actionRatio)} ${mark(c.actions)}`,
  ]);
  const intro = `Targets against ${baseline} (objective: no record waits over ${objectiveSeconds} s):`;
  con.push(`\n${intro}`, ...columns([targetHeader, ...targetRows]));
  md.push(intro, '', ...markdownTable(targetHeader, targetRows));
  return { console: `${con.join('\n')}\n`, markdown: `${md.join('\n')}\n` };
}

function columns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

function markdownTable(header: readonly string[], rows: readonly string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/**
 * Markdown with table cells trimmed and separator rows reduced, so a table
 * compares equal however a formatter padded it.
 */
export function normalizeMarkdown(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .map((line) => {
      if (!line.startsWith('|')) return line;
      const cells = line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split('|')
        .map((cell) => cell.trim());
      return cells.every((cell) => /^:?-+:?$/.test(cell)) ? cells.map(() => '---').join('|') : cells.join(' | ');
    })
    .join('\n')
    .trim();
}
