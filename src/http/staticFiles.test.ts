/**
 * The status page's files over the real HTTP server on loopback: only the
 * listed files are served, with their content types and security headers;
 * traversal attempts and unlisted files are 404. Requests go out through
 * node:http with the path exactly as written (fetch would normalise `..`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { captureLogger } from '../../test/support/app.ts';
import { HealthState } from '../grpc/healthState.ts';
import { type RunningHttpServer, startHttpServer } from './httpServer.ts';
import { contentTypeFor, STATUS_PAGE_CSP, StaticFiles, statusPageDirs, statusPageEntries } from './staticFiles.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request with `rawPath` sent as is. */
function request(
  port: number,
  rawPath: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: rawPath, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function startServer(staticFiles?: StaticFiles): Promise<{ server: RunningHttpServer; logs: unknown[] }> {
  const { logger, logs } = captureLogger();
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    health: new HealthState(),
    logger,
    statuses: () => [],
    history: () => [],
    ...(staticFiles ? { staticFiles } : {}),
  });
  return { server, logs };
}

describe('status page files', () => {
  let server: RunningHttpServer;

  before(async () => {
    ({ server } = await startServer());
  });
  after(() => server.close());

  const served = [
    { name: 'the page', urlPath: '/', file: 'web/index.html', contentType: 'text/html; charset=utf-8' },
    {
      name: 'its script',
      urlPath: '/assets/status.js',
      file: 'web/status.js',
      contentType: 'text/javascript; charset=utf-8',
    },
    {
      name: 'its stylesheet',
      urlPath: '/assets/status.css',
      file: 'web/status.css',
      contentType: 'text/css; charset=utf-8',
    },
    { name: 'its icon', urlPath: '/assets/favicon.svg', file: 'web/favicon.svg', contentType: 'image/svg+xml' },
    {
      name: "uPlot's script",
      urlPath: '/assets/uPlot.iife.min.js',
      file: 'node_modules/uplot/dist/uPlot.iife.min.js',
      contentType: 'text/javascript; charset=utf-8',
    },
    {
      name: "uPlot's stylesheet",
      urlPath: '/assets/uPlot.min.css',
      file: 'node_modules/uplot/dist/uPlot.min.css',
      contentType: 'text/css; charset=utf-8',
    },
  ];
  for (const c of served) {
    it(`serves ${c.name} at ${c.urlPath} as ${c.contentType}, with the security and caching headers`, async () => {
      const answer = await request(server.port, c.urlPath);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, readFileSync(path.join(ROOT, c.file)));
      assert.equal(answer.headers['content-type'], c.contentType);
      assert.equal(answer.headers['content-length'], String(answer.body.length));
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      assert.equal(answer.headers['content-security-policy'], STATUS_PAGE_CSP);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer');
      assert.equal(answer.headers['cache-control'], 'no-cache');
      assert.match(answer.headers.etag ?? '', /^"[A-Za-z0-9_-]{22}"$/);
    });
  }

  it('ignores the query string', async () => {
    assert.equal((await request(server.port, '/?refresh=2')).status, 200);
  });

  it('answers HEAD with the headers and no body', async () => {
    const answer = await request(server.port, '/assets/status.js', { method: 'HEAD' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(answer.headers['content-length'], String(readFileSync(path.join(ROOT, 'web/status.js')).length));
    assert.equal(answer.body.length, 0);
  });

  it('answers 304 to a matching If-None-Match, 200 to another', async () => {
    const { headers } = await request(server.port, '/assets/status.css');
    const etag = headers.etag!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const answer = await request(server.port, '/assets/status.css', { headers: { 'if-none-match': ifNoneMatch } });
      assert.equal(answer.status, 304, ifNoneMatch);
      assert.equal(answer.body.length, 0);
      assert.equal(answer.headers.etag, etag);
      assert.equal(answer.headers['content-security-policy'], STATUS_PAGE_CSP);
    }
    const changed = await request(server.port, '/assets/status.css', { headers: { 'if-none-match': '"other"' } });
    assert.equal(changed.status, 200);
  });

  it('refuses other methods', async () => {
    const answer = await request(server.port, '/', { method: 'POST' });
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.allow, 'GET, HEAD');
  });

  const notServed = [
    { name: 'a parent folder', rawPath: '/assets/../package.json' },
    { name: 'a parent folder above the root', rawPath: '/../../package.json' },
    { name: 'an encoded parent folder', rawPath: '/assets/%2e%2e/package.json' },
    { name: 'an encoded separator', rawPath: '/assets/..%2fpackage.json' },
    { name: 'an encoded parent and separator', rawPath: '/assets/%2e%2e%2f%2e%2e%2fpackage.json' },
    { name: 'a backslash', rawPath: '/assets/..\\package.json' },
    { name: 'a NUL byte', rawPath: '/assets/status.js%00' },
    { name: 'a doubled slash', rawPath: '/assets//status.js' },
    { name: 'a trailing slash', rawPath: '/assets/status.js/' },
    { name: 'another case', rawPath: '/ASSETS/status.js' },
    { name: 'the folder itself', rawPath: '/assets/' },
    { name: 'the page under its file name', rawPath: '/index.html' },
    { name: 'the page under its folder', rawPath: '/web/index.html' },
    { name: 'an unlisted file next to a listed one', rawPath: '/assets/uPlot.cjs.js' },
    { name: 'node_modules', rawPath: '/node_modules/uplot/dist/uPlot.iife.min.js' },
    { name: 'the sources', rawPath: '/src/http/staticFiles.ts' },
    { name: 'an absolute path', rawPath: '//etc/passwd' },
  ];
  for (const c of notServed) {
    it(`answers 404 to ${c.name}: ${c.rawPath}`, async () => {
      const answer = await request(server.port, c.rawPath);
      assert.equal(answer.status, 404);
      assert.equal(answer.body.toString(), 'not found\n');
    });
  }

  it('leaves the API and health routes as they were', async () => {
    const api = await request(server.port, '/api/triggers');
    assert.equal(api.status, 200);
    assert.deepEqual(JSON.parse(api.body.toString()), { triggers: [] });
    assert.equal((await request(server.port, '/healthz')).status, 200);
  });
});

describe('the status page as written', () => {
  const html = readFileSync(path.join(ROOT, 'web/index.html'), 'utf8');

  it('loads nothing but files the server lists (so the CSP allows all of them)', () => {
    const listed = new Set(statusPageEntries().map((e) => e.urlPath));
    const references = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    const local = references.filter((r) => !r.startsWith('/api/'));
    assert.deepEqual(
      local.filter((r) => !listed.has(r)),
      [],
    );
    assert.ok(local.includes('/assets/status.js') && local.includes('/assets/uPlot.iife.min.js'));
  });

  it('has no inline script, inline style or event handler attribute', () => {
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'every <script> has a src');
    assert.doesNotMatch(html, /<style\b/);
    assert.doesNotMatch(html, /\sstyle=/);
    assert.doesNotMatch(html, /\son[a-z]+=/);
  });

  it('never writes API data as markup', () => {
    const script = readFileSync(path.join(ROOT, 'web/status.js'), 'utf8');
    assert.doesNotMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});

describe('StaticFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kstreams-scaler-static-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every listed file of the repository (web/ and uPlot)', () => {
    assert.deepEqual(new StaticFiles(statusPageEntries()).missing, []);
    assert.equal(statusPageDirs().web, path.join(ROOT, 'web'));
  });

  it('reports a listed file it cannot read, answers 404 for it, and the server logs it once', async () => {
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    const files = new StaticFiles(
      statusPageEntries({ web: dir, uplot: path.join(dir, 'uplot') }).filter(
        (e) => e.urlPath !== '/assets/uPlot.min.css',
      ),
    );
    assert.deepEqual(files.missing, [
      path.join(dir, 'status.js'),
      path.join(dir, 'status.css'),
      path.join(dir, 'favicon.svg'),
      path.join(dir, 'uplot', 'uPlot.iife.min.js'),
    ]);
    const { server, logs } = await startServer(files);
    try {
      assert.equal((await request(server.port, '/')).status, 200);
      assert.equal((await request(server.port, '/assets/status.js')).status, 404);
      const warnings = logs.filter((l) => (l as { level: string }).level === 'warn');
      assert.deepEqual(
        warnings.map((w) => (w as { msg: string; missing: string[] }).missing.length),
        [4],
      );
    } finally {
      await server.close();
    }
  });

  it('knows the content type of every extension the page uses and refuses others', () => {
    assert.equal(contentTypeFor('a/b.html'), 'text/html; charset=utf-8');
    assert.equal(contentTypeFor('x.js'), 'text/javascript; charset=utf-8');
    assert.throws(() => contentTypeFor('x.map'), /no content type for "x\.map"/);
  });
});
