/**
 * The simulator's results as text: a table per trace, then the targets,
 * for the console and as Markdown (for the README). Every trace runs once
 * per phase set (runSim.ts PHASES); each figure is the median over them,
 * with the lowest and highest in brackets when they differ.
 */
import { CONTENDERS } from './contenders.ts';
import { ACTION_TARGET, checkTargets, REPLICA_TARGET, type Score, type TargetCheck } from './score.ts';
import type { Trace } from './traces.ts';

/** One run: a trace and a setting under one phase set. */
export interface Result {
  readonly score: Score;
  /** Index into PHASES. */
  readonly phase: number;
  readonly events: ReadonlyArray<{ atSeconds: number; from: number; to: number; by: string; reason: string }>;
  /** Wall-clock time of the run. */
  readonly ms: number;
}

/** The median of some values, and their range. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const number = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** `median (min–max)`, or the one value when they all read the same. */
export function formatSpread(s: Spread, unit: (n: number) => string = number): string {
  const [median, min, max] = [unit(s.median), unit(s.min), unit(s.max)];
  return min === max ? median : `${median} (${min}–${max})`;
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

function row(contender: string, scores: readonly Score[]): string[] {
  const of = (value: (s: Score) => number): string => formatSpread(spread(scores.map(value)));
  const first = scores.map((s) => s.secondsToFirstReplica).filter((v): v is number => v !== undefined);
  const zero = scores.map((s) => s.returnedToZero).filter((v): v is boolean => v !== undefined);
  const back = zero.filter(Boolean).length;
  return [
    contender,
    of((s) => s.secondsOverObjective),
    of((s) => s.replicaSeconds),
    of((s) => s.scalingActions),
    first.length === 0 ? '—' : formatSpread(spread(first)),
    zero.length === 0 ? '—' : back === zero.length ? 'yes' : back === 0 ? 'no' : `${back}/${zero.length} yes`,
    of((s) => s.peakLatencySeconds),
    of((s) => s.peakReplicas),
  ];
}

/** A trace is bursty when its load changes: every trace but the steady ones. */
function bursty(trace: Trace): boolean {
  return trace.name !== 'steady' && trace.name !== 'hotPartition';
}

/** A candidate against the baseline on one trace, phase set by phase set. */
export interface TargetSummary {
  readonly trace: string;
  readonly contender: string;
  /** Phase sets compared. */
  readonly runs: number;
  /** Phase sets with no more seconds over the objective than the baseline under the same phases. */
  readonly objectiveMet: number;
  /** Median of (candidate − baseline) seconds over the objective. */
  readonly objectiveExcess: Spread;
  readonly replicaRatio: Spread;
  readonly replicaMet: number;
  readonly actionRatio: Spread;
  readonly actionsMet: number;
  readonly bursty: boolean;
}

/** Met when met under most phase sets (for a ratio: its median is within the target). */
export const majority = (met: number, runs: number): boolean => 2 * met > runs;

export function targetSummaries(traces: readonly Trace[], results: readonly Result[]): TargetSummary[] {
  const baseline = CONTENDERS.find((c) => c.role === 'baseline')!;
  const candidates = CONTENDERS.filter((c) => c.role === 'candidate');
  return traces.flatMap((trace) => {
    const base = new Map(
      results
        .filter((r) => r.score.trace === trace.name && r.score.contender === baseline.name)
        .map((r) => [r.phase, r]),
    );
    return candidates.flatMap((c) => {
      const pairs = results
        .filter((r) => r.score.trace === trace.name && r.score.contender === c.name && base.has(r.phase))
        .map((r) => ({ run: r.score, base: base.get(r.phase)!.score }));
      if (pairs.length === 0) return [];
      const checks: TargetCheck[] = pairs.map((p) => checkTargets(p.run, p.base, bursty(trace)));
      return [
        {
          trace: trace.name,
          contender: c.name,
          runs: checks.length,
          objectiveMet: checks.filter((k) => k.objective).length,
          objectiveExcess: spread(pairs.map((p) => p.run.secondsOverObjective - p.base.secondsOverObjective)),
          replicaRatio: spread(checks.map((k) => k.replicaRatio)),
          replicaMet: checks.filter((k) => k.replicaTarget === true).length,
          actionRatio: spread(checks.map((k) => k.actionRatio)),
          actionsMet: checks.filter((k) => k.actions).length,
          bursty: bursty(trace),
        },
      ];
    });
  });
}

const times = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '∞');
const verdict = (met: number, runs: number): string => `${majority(met, runs) ? 'met' : 'missed'} ${met}/${runs}`;

function targetRow(t: TargetSummary): string[] {
  const excess = t.objectiveExcess.median > 0 ? ` (+${number(t.objectiveExcess.median)} s)` : '';
  return [
    t.trace,
    t.contender,
    `${verdict(t.objectiveMet, t.runs)}${excess}`,
    `${formatSpread(t.replicaRatio, times)} ${t.bursty ? verdict(t.replicaMet, t.runs) : '—'}`,
    `${formatSpread(t.actionRatio, times)} ${verdict(t.actionsMet, t.runs)}`,
  ];
}

export function report(
  traces: readonly Trace[],
  results: readonly Result[],
  objectiveSeconds: number,
): { console: string; markdown: string } {
  const con: string[] = [];
  const md: string[] = [];
  const phases = new Set(results.map((r) => r.phase)).size;
  for (const trace of traces) {
    const rows = CONTENDERS.flatMap((c) => {
      const scores = results.filter((x) => x.score.trace === trace.name && x.score.contender === c.name);
      return scores.length > 0
        ? [
            row(
              c.name,
              scores.map((r) => r.score),
            ),
          ]
        : [];
    });
    const held = trace.heldOut ? ' (held out of tuning)' : '';
    con.push(`\n${trace.name}${held}: ${trace.description}`, ...columns([HEADER, ...rows]));
    md.push(`**${trace.name}**${held}: ${trace.description}`, '', ...markdownTable(HEADER, rows), '');
  }

  const baseline = CONTENDERS.find((c) => c.role === 'baseline')!.name;
  const targetHeader = [
    'trace',
    'strategy',
    `s over objective ≤ ${baseline}`,
    `replica-s ≤ ${REPLICA_TARGET}× (bursty)`,
    `actions ≤ ${ACTION_TARGET}×`,
  ];
  const targetRows = targetSummaries(traces, results).map(targetRow);
  const intro =
    `Targets against ${baseline} (objective: no record waits over ${objectiveSeconds} s), each phase set against ` +
    `the baseline under the same phases: met when met under most of the ${phases}; ratios are medians (range):`;
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
