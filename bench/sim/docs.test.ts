/**
 * What docs/simulator.md says about the simulator stays true: the results it
 * shows are the committed ones (which `make test` checks against a fresh
 * run), every picture exists, every trace and setting is described with the
 * metadata it really uses.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONTENDERS } from './contenders.ts';
import { normalizeMarkdown } from './report.ts';
import { TRACES } from './traces.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const DOC = read('docs/simulator.md');

describe('simulator documentation', () => {
  it('the doc shows the committed results', () => {
    const block = /<!-- sim:results:start -->([\s\S]*)<!-- sim:results:end -->/.exec(DOC);
    assert.ok(block, 'no sim:results block in docs/simulator.md');
    assert.equal(normalizeMarkdown(block[1]!), normalizeMarkdown(read('docs/sim/results.md')));
  });

  it('every picture the doc shows exists', () => {
    const pictures = [...DOC.matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)].map((m) => m[1]!);
    assert.ok(pictures.length >= TRACES.length);
    for (const picture of pictures) {
      const file = picture.startsWith('sim/') ? path.join('docs', picture) : picture;
      assert.ok(existsSync(path.join(ROOT, file)), `${file} is missing`);
    }
  });

  for (const trace of TRACES) {
    it(`describes trace ${trace.name} and has its picture`, () => {
      assert.match(DOC, new RegExp(`^\\| \`${trace.name}\` +\\|`, 'm'));
      assert.ok(DOC.includes(`(sim/${trace.name}.svg)`));
    });
  }

  for (const contender of CONTENDERS) {
    it(`describes setting ${contender.name} with the metadata it uses`, () => {
      const line = DOC.split('\n').find((l) => l.startsWith(`| \`${contender.name}\``));
      assert.ok(line, `no row for ${contender.name}`);
      assert.ok(line.includes(`| ${contender.role} `), `${contender.name}: role ${contender.role}`);
      for (const [key, value] of Object.entries(contender.metadata)) {
        assert.ok(line.includes(`\`${key}: ${value}\``), `${contender.name}: ${key}: ${value} not in "${line}"`);
      }
    });
  }
});
