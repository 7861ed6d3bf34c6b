/**
 * The simulator's results as text: a table per trace, then the targets
 * and the best strategy of each trace against the oracle, for the console
 * and as Markdown (for docs/simulator.md). Every trace runs once per phase set
 * (runSim.ts PHASES); each figure is the median over them, with the lowest
 * and highest in brackets when they differ.
 */
import { CONTENDERS } from './contenders.ts';
import { checkTargets, ORACLE_TARGET, ratio, type Score, type TargetCheck } from './score.ts';
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
  'replica-s ÷ oracle',
  'scaling actions',
  'first record → replica (s)',
  'back to zero',
  'peak age (s)',
  'peak replicas',
];

function row(contender: string, results: readonly Result[], oracle: ReadonlyMap<number, Score>): string[] {
  const scores = results.map((r) => r.score);
  const of = (value: (s: Score) => number): string => formatSpread(spread(scores.map(value)));
  const ratios = results.flatMap((r) => {
    const o = oracle.get(r.phase);
    return o ? [ratio(r.score.replicaSeconds, o.replicaSeconds)] : [];
  });
  const first = scores.map((s) => s.secondsToFirstReplica).filter((v): v is number => v !== undefined);
  const zero = scores.map((s) => s.returnedToZero).filter((v): v is boolean => v !== undefined);
  const back = zero.filter(Boolean).length;
  return [
    contender,
    of((s) => s.secondsOverObjective),
    of((s) => s.replicaSeconds),
    ratios.length === 0 ? '—' : formatSpread(spread(ratios), times),
    of((s) => s.scalingActions),
    first.length === 0 ? '—' : formatSpread(spread(first)),
    zero.length === 0 ? '—' : back === zero.length ? 'yes' : back === 0 ? 'no' : `${back}/${zero.length} yes`,
    of((s) => s.peakLatencySeconds),
    of((s) => s.peakReplicas),
  ];
}

/** A candidate against the baseline and the oracle on one trace, phase set by phase set. */
export interface TargetSummary {
  readonly trace: string;
  readonly contender: string;
  /** Phase sets compared (those with a baseline and an oracle run). */
  readonly runs: number;
  /** Phase sets with no more seconds over the objective than the baseline under the same phases. */
  readonly objectiveMet: number;
  /** Median of (candidate − baseline) seconds over the objective. */
  readonly objectiveExcess: Spread;
  /** Replica-seconds / the oracle's. */
  readonly oracleRatio: Spread;
  /** Phase sets within ORACLE_TARGET of the oracle. */
  readonly oracleMet: number;
  /** Replica-seconds / the baseline's. */
  readonly baselineRatio: Spread;
  readonly actionsPerHour: Spread;
}

/** Met when met under most phase sets (for a ratio: its median is within the target). */
export const majority = (met: number, runs: number): boolean => 2 * met > runs;

/** Results of one contender on one trace, by phase set. */
function byPhase(results: readonly Result[], trace: string, contender: string): Map<number, Result> {
  return new Map(
    results.filter((r) => r.score.trace === trace && r.score.contender === contender).map((r) => [r.phase, r]),
  );
}

export function targetSummaries(traces: readonly Trace[], results: readonly Result[]): TargetSummary[] {
  const baseline = CONTENDERS.find((c) => c.role === 'baseline')!;
  const oracle = CONTENDERS.find((c) => c.role === 'oracle')!;
  const candidates = CONTENDERS.filter((c) => c.role === 'candidate');
  return traces.flatMap((trace) => {
    const base = byPhase(results, trace.name, baseline.name);
    const best = byPhase(results, trace.name, oracle.name);
    return candidates.flatMap((c) => {
      const runs = [...byPhase(results, trace.name, c.name).entries()].flatMap(([phase, r]) => {
        const [b, o] = [base.get(phase), best.get(phase)];
        return b && o ? [{ run: r.score, base: b.score, oracle: o.score }] : [];
      });
      if (runs.length === 0) return [];
      const checks: TargetCheck[] = runs.map((x) => checkTargets(x.run, x.base, x.oracle));
      return [
        {
          trace: trace.name,
          contender: c.name,
          runs: checks.length,
          objectiveMet: checks.filter((k) => k.objective).length,
          objectiveExcess: spread(runs.map((x) => x.run.secondsOverObjective - x.base.secondsOverObjective)),
          oracleRatio: spread(checks.map((k) => k.oracleRatio)),
          oracleMet: checks.filter((k) => k.oracleTarget).length,
          baselineRatio: spread(checks.map((k) => k.baselineRatio)),
          actionsPerHour: spread(runs.map((x) => x.run.scalingActionsPerHour)),
        },
      ];
    });
  });
}

/**
 * The best strategy of each trace: of the candidates that meet the
 * objective target there, the one with the lowest median replica-seconds
 * against the oracle; none when no candidate meets it.
 */
export function bestOfTraces(summaries: readonly TargetSummary[]): Array<{ trace: string; best?: TargetSummary }> {
  const traces = [...new Set(summaries.map((t) => t.trace))];
  return traces.map((trace) => {
    const meeting = summaries.filter((t) => t.trace === trace && majority(t.objectiveMet, t.runs));
    const best = meeting.reduce<TargetSummary | undefined>(
      (b, t) => (b === undefined || t.oracleRatio.median < b.oracleRatio.median ? t : b),
      undefined,
    );
    return best ? { trace, best } : { trace };
  });
}

const times = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '∞');
const verdict = (met: number, runs: number): string => `${majority(met, runs) ? 'met' : 'missed'} ${met}/${runs}`;
const perHour = (n: number): string => n.toFixed(1);

function targetRow(t: TargetSummary): string[] {
  const excess = t.objectiveExcess.median > 0 ? ` (+${number(t.objectiveExcess.median)} s)` : '';
  return [
    t.trace,
    t.contender,
    `${verdict(t.objectiveMet, t.runs)}${excess}`,
    formatSpread(t.oracleRatio, times),
    formatSpread(t.baselineRatio, times),
    formatSpread(t.actionsPerHour, perHour),
  ];
}

function bestRow({ trace, best }: { trace: string; best?: TargetSummary }): string[] {
  if (!best) return [trace, '—', 'missed: no strategy meets the objective target'];
  return [trace, best.contender, `${formatSpread(best.oracleRatio, times)} ${verdict(best.oracleMet, best.runs)}`];
}

export function report(
  traces: readonly Trace[],
  results: readonly Result[],
  objectiveSeconds: number,
): { console: string; markdown: string } {
  const con: string[] = [];
  const md: string[] = [];
  const phases = new Set(results.map((r) => r.phase)).size;
  const oracle = CONTENDERS.find((c) => c.role === 'oracle')!.name;
  for (const trace of traces) {
    const best = new Map([...byPhase(results, trace.name, oracle)].map(([phase, r]) => [phase, r.score]));
    const rows = CONTENDERS.flatMap((c) => {
      const runs = results.filter((x) => x.score.trace === trace.name && x.score.contender === c.name);
      return runs.length > 0 ? [row(c.name, runs, best)] : [];
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
    `replica-s ÷ ${oracle}`,
    `replica-s ÷ ${baseline}`,
    'actions / h',
  ];
  const summaries = targetSummaries(traces, results);
  const intro =
    `Targets (objective: no record waits over ${objectiveSeconds} s), each phase set against ${baseline} and ` +
    `the ${oracle} under the same phases: met when met under most of the ${phases}; ratios and rates are medians (range):`;
  con.push(`\n${intro}`, ...columns([targetHeader, ...summaries.map(targetRow)]));
  md.push(intro, '', ...markdownTable(targetHeader, summaries.map(targetRow)), '');

  const bestHeader = ['trace', 'best strategy', `replica-s ≤ ${ORACLE_TARGET}× ${oracle}`];
  const bestRows = bestOfTraces(summaries).map(bestRow);
  const bestIntro =
    `The best strategy of each trace (of those meeting the objective target, the fewest replica-seconds against ` +
    `the ${oracle}) uses at most ${ORACLE_TARGET}× the ${oracle}'s replica-seconds:`;
  con.push(`\n${bestIntro}`, ...columns([bestHeader, ...bestRows]));
  md.push(bestIntro, '', ...markdownTable(bestHeader, bestRows));
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

export function markdownTable(header: readonly string[], rows: readonly string[][]): string[] {
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
