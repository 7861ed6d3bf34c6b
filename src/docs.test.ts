/**
 * The reference tables in docs/ stay true to the code: they list every
 * trigger parameter (a strategy's own marked with its name), every SCALER_
 * variable (with its default), every lag strategy and every metric.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { VARIABLES } from './config.ts';
import { STRATEGY_NAMES } from './model/metadata/strategyNames.ts';
import { ScalerMetrics } from './metrics/metrics.ts';
import { STRATEGY_PARAMS } from './model/metadata/strategies/strategyParams.ts';
import { COMMON_PARAMS, TRIGGER_SCHEMA } from './model/metadata/triggerMetadata.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/** A reference page and a finder for its table row that starts with `name` in backticks. */
function page(file: string): { file: string; row: (name: string) => string | undefined } {
  const lines = read(file).split('\n');
  return { file, row: (name) => lines.find((line) => line.startsWith(`| \`${name}\``)) };
}

describe('documentation reference tables', () => {
  const triggers = page('docs/trigger-metadata.md');
  for (const name of Object.keys(TRIGGER_SCHEMA)) {
    it(`documents trigger parameter ${name}`, () =>
      assert.ok(triggers.row(name), `no ${triggers.file} row for ${name}`));
  }

  // A strategy's own parameter says whose it is, as its doc does: "`rate`: ...".
  const meaning = (name: string): string => triggers.row(name)?.split('|')[3]?.trim() ?? '';
  for (const strategy of STRATEGY_NAMES) {
    for (const name of Object.keys(STRATEGY_PARAMS[strategy])) {
      it(`documents ${name} as the ${strategy} strategy's`, () =>
        assert.ok(meaning(name).startsWith(`\`${strategy}\`: `), `${name}: "${meaning(name)}"`));
    }
  }
  for (const name of Object.keys(COMMON_PARAMS)) {
    it(`documents ${name} as no one strategy's`, () =>
      assert.doesNotMatch(meaning(name), new RegExp(`^\`(${STRATEGY_NAMES.join('|')})\`:`)));
  }

  const configuration = page('docs/configuration.md');
  for (const variable of VARIABLES) {
    it(`documents ${variable.name} with its default ${variable.fallback}`, () => {
      const line = configuration.row(variable.name);
      assert.ok(line, `no ${configuration.file} row for ${variable.name}`);
      const shown = variable.fallback === '' ? '| none ' : `\`${variable.fallback}\``;
      assert.ok(line.includes(shown), `${variable.name}: default ${shown} not in "${line}"`);
    });
  }

  const metricsPage = page('docs/metrics.md');
  const metrics = new ScalerMetrics({
    statuses: () => [],
    pollers: () => [],
    openStreams: () => ({}),
    triggerIdleMs: 1,
  });
  const own = metrics.registry
    .getMetricsAsArray()
    .map((m) => m.name)
    .filter((name) => !/^kstreams_scaler_(process|nodejs)_/.test(name));
  it('lists metrics', () => assert.ok(own.length >= 15, own.join(' ')));
  for (const name of own) {
    it(`documents metric ${name}`, () => assert.ok(metricsPage.row(name), `no ${metricsPage.file} row for ${name}`));
  }

  const strategies = page('docs/strategies.md');
  for (const name of STRATEGY_NAMES) {
    it(`documents lag strategy ${name}`, () =>
      assert.ok(strategies.row(name), `no ${strategies.file} row for ${name}`));
  }
});
