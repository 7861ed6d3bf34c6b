import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseDockerfile, type Stage } from './dockerfile.ts';
import { dockerignore } from './replay.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

function stage(stages: readonly Stage[], name: string): Stage {
  const found = stages.find((s) => s.name === name);
  assert.ok(found, `stage ${name}`);
  return found;
}

describe('Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'));
  const runtime = stage(stages, 'runtime');

  it('builds in one stage, installs production dependencies in another, runs on distroless Node 24', () => {
    assert.deepEqual(
      stages.map((s) => [s.name, s.image]),
      [
        ['build', 'node:24-bookworm-slim'],
        ['prod-deps', 'node:24-bookworm-slim'],
        ['runtime', 'gcr.io/distroless/nodejs24-debian12:nonroot'],
      ],
    );
    const runs = (name: string): string[] =>
      stage(stages, name).instructions.flatMap((i) => (i.kind === 'RUN' ? [i.command] : []));
    assert.ok(runs('build').some((c) => c.startsWith('npm ci ')));
    assert.ok(runs('build').some((c) => c.includes('tsc -p tsconfig.build.json')));
    assert.deepEqual(runs('prod-deps'), ['npm ci --omit=dev --ignore-scripts --no-audit --no-fund']);
    assert.deepEqual(runs('runtime'), [], 'the runtime stage runs nothing: it has no shell');
  });

  it('runtime: node receives the signals (exec-form CMD for the node entrypoint), as a non-root user', () => {
    const cmd = runtime.instructions.find((i) => i.kind === 'CMD');
    assert.ok(cmd?.kind === 'CMD');
    assert.equal(cmd.exec.at(-1), 'dist/main.js');
    assert.ok(!runtime.instructions.some((i) => i.kind === 'ENTRYPOINT'), 'keeps the base image entrypoint (node)');
    const user = runtime.instructions.find((i) => i.kind === 'USER');
    assert.ok(user?.kind === 'USER' && user.user === 'nonroot');
  });

  it('runtime: OCI labels, with the version of package.json and of the image deploy/ runs', () => {
    const labels = Object.assign(
      {},
      ...runtime.instructions.flatMap((i) => (i.kind === 'LABEL' ? [i.labels] : [])),
    ) as Record<string, string>;
    for (const key of ['title', 'description', 'version', 'source', 'licenses']) {
      assert.ok(labels[`org.opencontainers.image.${key}`], `label org.opencontainers.image.${key}`);
    }
    const version = (JSON.parse(read('package.json')) as { version: string }).version;
    assert.equal(labels['org.opencontainers.image.version'], version);
    const kustomization = parse(read('deploy/base/kustomization.yaml')) as { images: Array<{ newTag: string }> };
    assert.equal(kustomization.images[0]?.newTag, version);
  });

  const rejected: Array<[string, string, RegExp]> = [
    ['a shell-form CMD', 'FROM a\nCMD node dist/main.js', /exec form/],
    ['an instruction nobody replays', 'FROM a\nHEALTHCHECK CMD true', /HEALTHCHECK is not understood/],
    ['an ARG the FROM never declared', 'FROM ${IMAGE}', /undeclared ARG IMAGE/],
    ['a COPY flag nobody replays', 'FROM a\nCOPY --chown=1:1 a b', /--chown=1:1/],
    ['an instruction before FROM', 'RUN true', /before the first FROM/],
    ['an ARG without braces the FROM never declared', 'FROM $IMAGE', /undeclared ARG IMAGE/],
    ['a JSON-form COPY', 'FROM a\nCOPY ["a b", "c/"]', /only the COPY \[--from=STAGE\] SOURCE... DEST form/],
    ['a COPY heredoc', 'FROM a\nCOPY <<EOF /x\nhello\nEOF', /only the COPY/],
    ['a RUN heredoc', 'FROM a\nRUN <<EOF\necho hi\nEOF', /RUN with a heredoc is not understood/],
    [
      'a RUN heredoc after a shift',
      'FROM a\nRUN echo $((1<<n)) && cat <<EOF\nhi\nEOF',
      /RUN with a heredoc is not understood/,
    ],
  ];
  for (const [name, text, error] of rejected) {
    it(`rejects ${name}`, () => assert.throws(() => parseDockerfile(text), error));
  }

  it('substitutes global ARG defaults into FROM, with or without braces', () => {
    const stages = parseDockerfile('ARG BASE=node:24\nARG TAG=slim\nFROM ${BASE}-$TAG AS x\nRUN echo $((1<<2))');
    assert.deepEqual(stages, [
      { name: 'x', image: 'node:24-slim', instructions: [{ kind: 'RUN', command: 'echo $((1<<2))' }] },
    ]);
  });

  // `<<` inside an arithmetic expansion is a shift, not a heredoc.
  const shifts = ['echo $((1<<n))', 'echo $(( (1 << SHIFT) + 1 )) $((2<<x))'];
  for (const command of shifts) {
    it(`reads RUN ${command}`, () => {
      assert.deepEqual(parseDockerfile(`FROM a\nRUN ${command}`)[0]?.instructions, [{ kind: 'RUN', command }]);
    });
  }

  it('joins continued lines and skips comments inside them', () => {
    const [only] = parseDockerfile('FROM a AS x\nRUN a \\\n  # note\n  && b\nLABEL k="v w" \\\n  k2=z');
    assert.deepEqual(only?.instructions, [
      { kind: 'RUN', command: 'a && b' },
      { kind: 'LABEL', labels: { k: 'v w', k2: 'z' } },
    ]);
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignore(read('.dockerignore'));
  const cases: Array<[string, boolean]> = [
    ['package.json', false],
    ['package-lock.json', false],
    ['tsconfig.build.json', false],
    ['src/main.ts', false],
    ['src/grpc/grpcServer.ts', false],
    ['proto/externalscaler.proto', false],
    ['web/index.html', false],
    ['web/status.js', false],
    ['src/grpc/grpcServer.test.ts', true],
    ['node_modules/kafkajs/package.json', true],
    ['.cache/kafka/x.jar', true],
    ['.git/HEAD', true],
    ['docs/simulator.md', true],
    ['tools/k8s/schemas/crds.json', true],
  ];
  for (const [file, expected] of cases) {
    it(`${expected ? 'keeps out' : 'sends'} ${file}`, () => assert.equal(ignored(file), expected));
  }

  // Docker's rules where they differ from .gitignore's or from a plain glob.
  const rules: Array<{ name: string; patterns: string; path: string; ignored: boolean }> = [
    { name: 'a pattern is anchored at the context root', patterns: '*.md', path: 'docs/a.md', ignored: false },
    { name: '** spans folders, none included', patterns: '**/*.md', path: 'a.md', ignored: true },
    { name: 'a leading / is the context root', patterns: '/docs', path: 'docs/a.md', ignored: true },
    { name: 'a leading ./ is the context root', patterns: './docs', path: 'docs/a.md', ignored: true },
    { name: '* stays within one folder', patterns: 'docs/*', path: 'docs/sim/a.md', ignored: true },
    { name: '? is one character, never /', patterns: 'a?b', path: 'a/b', ignored: false },
    { name: 'a character class', patterns: 'v[0-9].txt', path: 'v7.txt', ignored: true },
    { name: 'an escaped * is a plain *', patterns: 'a\\*b', path: 'a*b', ignored: true },
    { name: 'case-sensitive', patterns: 'Docs', path: 'docs/a.md', ignored: false },
    {
      name: 'an exception re-includes a file inside an excluded folder',
      patterns: 'docs\n!docs/keep.md',
      path: 'docs/keep.md',
      ignored: false,
    },
    { name: 'the last matching pattern decides', patterns: '!docs/keep.md\ndocs', path: 'docs/keep.md', ignored: true },
  ];
  for (const rule of rules) {
    it(rule.name, () => assert.equal(dockerignore(rule.patterns)(rule.path), rule.ignored));
  }
});
