/**
 * The generated code is committed so a build needs no codegen; this test fails
 * when it no longer matches proto/ (fix: `make proto`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const COMMITTED = path.join(ROOT, 'src', 'generated');

/** Every file below `dir`, as sorted relative paths. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('generated protobuf code', function () {
  this.timeout(60_000);

  it('matches what `make proto` generates from proto/ today', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'proto-check-'));
    try {
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'buf'), ['generate', '--output', out], {
        cwd: ROOT,
        stdio: 'pipe',
        env: { ...process.env, PATH: `${path.join(ROOT, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}` },
      });
      const fresh = path.join(out, 'src', 'generated');
      const generatedFiles = listFiles(fresh);
      const committedFiles = listFiles(COMMITTED);
      assert.deepEqual(committedFiles, generatedFiles, 'the same files (run `make proto`)');
      for (const file of generatedFiles) {
        assert.equal(
          readFileSync(path.join(COMMITTED, file), 'utf8'),
          readFileSync(path.join(fresh, file), 'utf8'),
          `src/generated/${file} is stale: run \`make proto\` and commit the result`,
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
