/**
 * The README's reference tables stay true: every trigger parameter (a
 * strategy's own marked with its name), every SCALER_ variable (with its
 * default), every lag strategy and every metric is documented.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { variablesTable } from './config.ts';
import { STRATEGY_NAMES } from './model/metadata/strategyNames.ts';
import { ScalerMetrics } from './metrics/metrics.ts';
import { STRATEGY_PARAMS } from './model/metadata/strategies/strategyParams.ts';
import { COMMON_PARAMS, TRIGGER_SCHEMA } from './model/metadata/triggerMetadata.ts';

const README = readFileSync(path.resolve(import.meta.dirname, '..', 'README.md'), 'utf8');

/** The README table row that starts with `name` in backticks. */
function row(name: string): string | undefined {
  return README.split('\n').find((line) => line.startsWith(`| \`${name}\``));
}

describe('README reference tables', () => {
  for (const name of Object.keys(TRIGGER_SCHEMA)) {
    it(`documents trigger parameter ${name}`, () => assert.ok(row(name), `no README row for \`${name}\``));
  }

  // A strategy's own parameter says whose it is, as its doc does: "`rate`: ...".
  const meaning = (name: string): string => row(name)?.split('|')[3]?.trim() ?? '';
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

  it('documents every SCALER_ variable with its default, as the configuration schema describes it', () => {
    const table = variablesTable();
    assert.ok(
      README.includes(table),
      `the variables table is not the one config.ts describes; it should read:\n${table}`,
    );
  });

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
    it(`documents metric ${name}`, () => assert.ok(row(name), `no README row for \`${name}\``));
  }

  for (const name of STRATEGY_NAMES) {
    it(`documents lag strategy ${name}`, () => assert.ok(row(name), `no README row for \`${name}\``));
  }
});
