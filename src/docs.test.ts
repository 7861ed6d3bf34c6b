/**
 * The documentation stays true to the code and to itself: the reference
 * tables in docs/ list every trigger parameter (a strategy's own marked with
 * its name), every SCALER_ variable (with its default), every lag strategy
 * and every metric; and every relative link in README.md, docs/*.md and
 * deploy/examples/README.md points at a file that exists and, for a Markdown
 * file, at one of its headings.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { markdownTable, normalizeMarkdown } from '../bench/sim/report.ts';
import { variableRows } from './config.ts';
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

  it('documents every SCALER_ variable with its default, as config.ts declares it (docs/configuration.md)', () => {
    const lines = read('docs/configuration.md').split('\n');
    const start = lines.findIndex((line) => line.startsWith('| Variable'));
    const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
    const documented = normalizeMarkdown(lines.slice(start, end).join('\n'));
    const declared = markdownTable(['Variable', 'Default', 'Meaning'], variableRows()).join('\n');
    assert.equal(documented, normalizeMarkdown(declared), `docs/configuration.md's table should read:\n${declared}`);
  });

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

/** Markdown without its fenced code blocks and inline code, where a link is only text. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchors GitHub gives a Markdown file's headings (github-slugger's rule, duplicates numbered). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, text] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = text!
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Every relative link target (`[text](target)`, pictures included) in a Markdown file's prose. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('documentation links', () => {
  it('finds the anchors GitHub makes', () => {
    const found = anchors(
      '# A `b`: c\n## The local Kafka harness (`tools/kafka/`)\n```\n# not a heading\n```\n## At 2,000 × 20: x\n# A b c\n',
    );
    assert.deepEqual([...found], ['a-b-c', 'the-local-kafka-harness-toolskafka', 'at-2000--20-x', 'a-b-c-1']);
  });

  it('finds relative links outside code', () => {
    const links = relativeLinks(
      '[a](docs/a.md#x) ![p](p.png) [web](https://keda.sh) `[c](c.md)`\n```\n[d](d.md)\n```\n',
    );
    assert.deepEqual(links, ['docs/a.md#x', 'p.png']);
  });

  const files = [
    'README.md',
    'deploy/examples/README.md',
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  for (const file of files) {
    it(`${file}: every relative link points at a file and heading that exist`, () => {
      const broken: string[] = [];
      for (const link of relativeLinks(read(file))) {
        const [target, anchor] = link.split('#') as [string, string | undefined];
        const resolved = target === '' ? file : path.join(path.dirname(file), decodeURI(target));
        const absolute = path.join(ROOT, resolved);
        if (!existsSync(absolute)) {
          broken.push(`${link}: no ${resolved}`);
        } else if (anchor !== undefined && resolved.endsWith('.md') && statSync(absolute).isFile()) {
          if (!anchors(read(resolved)).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${resolved}`);
        }
      }
      assert.deepEqual(broken, []);
    });
  }
});
