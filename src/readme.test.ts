/**
 * The README's reference tables stay true: every trigger parameter, every
 * SCALER_ variable and every lag strategy is documented, with its default.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { VARIABLES } from './config.ts';
import { strategyNames } from './lag/registry.ts';
import { TRIGGER_SCHEMA } from './scaler/triggerMetadata.ts';

const README = readFileSync(path.resolve(import.meta.dirname, '..', 'README.md'), 'utf8');

/** The README table row that starts with `name` in backticks. */
function row(name: string): string | undefined {
  return README.split('\n').find((line) => line.startsWith(`| \`${name}\``));
}

describe('README reference tables', () => {
  for (const name of Object.keys(TRIGGER_SCHEMA)) {
    it(`documents trigger parameter ${name}`, () => assert.ok(row(name), `no README row for \`${name}\``));
  }

  for (const variable of VARIABLES) {
    it(`documents ${variable.name} with its default ${variable.fallback}`, () => {
      const line = row(variable.name);
      assert.ok(line, `no README row for \`${variable.name}\``);
      const shown = variable.fallback === '' ? '| none ' : `\`${variable.fallback}\``;
      assert.ok(line.includes(shown), `${variable.name}: default ${shown} not in "${line}"`);
    });
  }

  for (const name of strategyNames()) {
    it(`documents lag strategy ${name}`, () => assert.ok(row(name), `no README row for \`${name}\``));
  }
});
