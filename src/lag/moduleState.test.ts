import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Strategies are pure functions of their input: what a trigger remembers
 * lives in its evaluator (the previous decision, its SampleMemo), never in a
 * module, where it would outlive the trigger and mix triggers together.
 */
const MODULE_STATE = [
  /^(?:export\s+)?let\s/,
  /^(?:export\s+)?(?:const|var)\s+\w+[^=]*=\s*new\s+(?:WeakMap|Map|Set|WeakSet|WeakRef)\b/,
];

describe('src/lag keeps no state in its modules', () => {
  const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  it('finds the strategy sources', () => assert.ok(files.length >= 10, files.join(' ')));
  for (const file of files) {
    it(file, () => {
      const lines = readFileSync(new URL(file, import.meta.url), 'utf8').split('\n');
      const found = lines.flatMap((line, i) => (MODULE_STATE.some((re) => re.test(line)) ? [`${i + 1}: ${line}`] : []));
      assert.deepEqual(found, [], `module-level state in src/lag/${file}`);
    });
  }
  it('the check catches a module-level cache', () => {
    assert.ok(MODULE_STATE.some((re) => re.test('const TOTALS = new WeakMap<Sample, number>();')));
    assert.ok(MODULE_STATE.some((re) => re.test('let cached: number | undefined;')));
  });
});
