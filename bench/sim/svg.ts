/**
 * A picture of one trace: the load, the age of the oldest waiting record
 * (against the objective) and the replicas over time, one line per strategy.
 * Plain SVG, no dependencies; long runs are bucketed, keeping each bucket's
 * highest value so no peak is hidden.
 */
import type { Point } from './runSim.ts';

export interface ChartLine {
  readonly name: string;
  readonly series: readonly Point[];
}

const COLORS = ['#6b7280', '#d97706', '#2563eb', '#059669', '#db2777', '#7c3aed'];
const WIDTH = 960;
const PANEL_HEIGHT = 170;
const LEFT = 64;
const RIGHT = 16;
const TOP = 68;
const GAP = 40;
const MAX_POINTS = 480;

interface Panel {
  readonly title: string;
  readonly value: (p: Point) => number;
  /** A dashed reference line (the objective). */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly step?: boolean;
}

export function chart(title: string, subtitle: string, lines: readonly ChartLine[], objectiveSeconds: number): string {
  const panels: Panel[] = [
    { title: 'load (records/s)', value: (p) => p.rate },
    {
      title: 'age of the oldest waiting record (s)',
      value: (p) => p.latency,
      reference: { value: objectiveSeconds, label: `objective ${objectiveSeconds}s` },
    },
    { title: 'replicas', value: (p) => p.replicas, step: true },
  ];
  const duration = Math.max(...lines.flatMap((l) => l.series.map((p) => p.t)), 1);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (t: number): number => LEFT + (t / duration) * plotWidth;
  const height = TOP + panels.length * (PANEL_HEIGHT + GAP);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="${LEFT}" y="38" fill="#374151">${escape(subtitle)}</text>`,
  ];
  // The load is the same for every strategy: one line for it.
  const legend = lines.map((line, i) => ({ name: line.name, color: COLORS[(i + 1) % COLORS.length]! }));
  let lx = LEFT;
  for (const item of legend) {
    out.push(`<rect x="${lx}" y="50" width="14" height="4" fill="${item.color}"/>`);
    out.push(`<text x="${lx + 18}" y="56">${escape(item.name)}</text>`);
    lx += 30 + item.name.length * 7;
  }

  panels.forEach((panel, index) => {
    const top = TOP + index * (PANEL_HEIGHT + GAP) + 20;
    const shown = index === 0 ? lines.slice(0, 1) : lines;
    const bucketed = shown.map((line) => bucket(line.series, panel.value, duration));
    const highest = Math.max(
      ...bucketed.flatMap((b) => b.map(([, v]) => v)),
      panel.reference ? panel.reference.value * 1.2 : 0,
      1,
    );
    const step = niceStep(highest / 4);
    const scale = step * Math.ceil(highest / step);
    const ticks = Math.round(scale / step);
    const y = (v: number): number => top + PANEL_HEIGHT - (v / scale) * PANEL_HEIGHT;
    out.push(`<text x="${LEFT}" y="${top - 6}" font-weight="bold">${escape(panel.title)}</text>`);
    for (let k = 0; k <= ticks; k++) {
      const v = step * k;
      out.push(
        `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e5e7eb"/>`,
        `<text x="${LEFT - 6}" y="${f(y(v) + 4)}" text-anchor="end" fill="#374151">${label(v)}</text>`,
      );
    }
    for (const tick of timeTicks(duration)) {
      out.push(
        `<line x1="${f(x(tick))}" x2="${f(x(tick))}" y1="${top}" y2="${top + PANEL_HEIGHT}" stroke="#f3f4f6"/>`,
        `<text x="${f(x(tick))}" y="${top + PANEL_HEIGHT + 14}" text-anchor="middle" fill="#374151">${timeLabel(tick, duration)}</text>`,
      );
    }
    if (panel.reference) {
      const ry = f(y(panel.reference.value));
      out.push(
        `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${ry}" y2="${ry}" stroke="#dc2626" stroke-dasharray="6 4"/>`,
        `<text x="${WIDTH - RIGHT - 4}" y="${Number(ry) - 4}" text-anchor="end" fill="#dc2626">${escape(panel.reference.label)}</text>`,
      );
    }
    bucketed.forEach((points, i) => {
      const color = index === 0 ? '#111827' : legend[i]!.color;
      const d = points
        .map(([t, v], k) => {
          const px = f(x(t));
          const py = f(y(v));
          if (k === 0) return `M${px} ${py}`;
          return panel.step ? `H${px} V${py}` : `L${px} ${py}`;
        })
        .join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6" stroke-opacity="0.9"/>`);
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** At most MAX_POINTS points: each bucket's highest value, at the bucket's start. */
function bucket(series: readonly Point[], value: (p: Point) => number, duration: number): Array<[number, number]> {
  if (series.length <= MAX_POINTS) return series.map((p) => [p.t, value(p)]);
  const width = duration / MAX_POINTS;
  const out: Array<[number, number]> = [];
  for (const p of series) {
    const start = Math.floor(p.t / width) * width;
    const last = out[out.length - 1];
    if (last && last[0] === start) last[1] = Math.max(last[1], value(p));
    else out.push([start, value(p)]);
  }
  return out;
}

/** The smallest 1, 2 or 5 × 10^n (at least 1) at or above `v`: a tick step. */
export function niceStep(v: number): number {
  if (v <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * power >= v - 1e-9) return m * power;
  return 10 * power;
}

function timeTicks(duration: number): number[] {
  const steps = [300, 600, 900, 1800, 3600, 7200, 10800, 21600];
  const step = steps.find((s) => duration / s <= 12) ?? 43200;
  const ticks: number[] = [];
  for (let t = 0; t <= duration; t += step) ticks.push(t);
  return ticks;
}

function timeLabel(t: number, duration: number): string {
  return duration > 4 * 3600 ? `${t / 3600}h` : `${t / 60}m`;
}

function label(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function f(n: number): string {
  return n.toFixed(1);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
