import assert from 'node:assert/strict';
import { formatDuration, parseDurationMs } from './duration.ts';

describe('durations', () => {
  const cases: Array<{ text: string; ms: number | undefined }> = [
    { text: '1500', ms: 1500 },
    { text: '500ms', ms: 500 },
    { text: '30s', ms: 30_000 },
    { text: '5m', ms: 300_000 },
    { text: '1h', ms: 3_600_000 },
    { text: '1m30s', ms: 90_000 },
    { text: '1.5s', ms: 1500 },
    { text: ' 2s ', ms: 2000 },
    { text: '', ms: undefined },
    { text: 's', ms: undefined },
    { text: '10 s', ms: undefined },
    { text: '-1s', ms: undefined },
    { text: '1d', ms: undefined },
    { text: '2s3', ms: undefined },
  ];
  for (const c of cases) {
    it(`"${c.text}" → ${String(c.ms)}`, () => assert.equal(parseDurationMs(c.text), c.ms));
  }

  const formats = [
    { ms: 250, want: '250ms' },
    { ms: 2_000, want: '2s' },
    { ms: 90_000, want: '1m30s' },
    { ms: 3_600_000, want: '1h' },
    { ms: 5_400_000, want: '1h30m' },
  ];
  for (const f of formats) {
    it(`formats ${f.ms}ms as ${f.want}`, () => assert.equal(formatDuration(f.ms), f.want));
  }
});
