/**
 * The status page's files: the page itself (web/) and uPlot's script and
 * stylesheet (the uplot package's dist/), served from a fixed list. A request
 * path is looked up in that list, never joined to a folder, so `..`, encoded
 * separators and every file not listed answer 404 like any unknown path.
 *
 * Every answer carries a Content-Security-Policy that allows this origin's
 * scripts, styles and API only (no inline script or style, no framing),
 * `X-Content-Type-Options: nosniff` and an ETag. The files are small and their
 * names carry no version, so browsers revalidate them on every load
 * (`no-cache`) and get a 304 while they are unchanged.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

/** What the page may load: this origin only; nothing inline, no plugins, no frames. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** One servable file: the URL path it answers and the file on disk. */
export interface StaticFileEntry {
  readonly urlPath: string;
  readonly file: string;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The content type for a file name; only the extensions the page uses are known. */
export function contentTypeFor(file: string): string {
  const type = CONTENT_TYPES[path.extname(file)];
  if (!type) throw new Error(`no content type for "${file}": add its extension to CONTENT_TYPES`);
  return type;
}

/** Where the page's folders are: web/ two levels above this module (src/http/ or dist/http/), uPlot's dist/ via module resolution. */
export function statusPageDirs(): { web: string; uplot: string } {
  return {
    web: path.resolve(import.meta.dirname, '../../web'),
    uplot: path.dirname(createRequire(import.meta.url).resolve('uplot')),
  };
}

/** The status page's files: the complete list of what can be served. */
export function statusPageEntries(dirs = statusPageDirs()): StaticFileEntry[] {
  const entry = (urlPath: string, file: string): StaticFileEntry => ({
    urlPath,
    file,
    contentType: contentTypeFor(file),
  });
  return [
    entry('/', path.join(dirs.web, 'index.html')),
    entry('/assets/status.js', path.join(dirs.web, 'status.js')),
    entry('/assets/status.css', path.join(dirs.web, 'status.css')),
    entry('/assets/favicon.svg', path.join(dirs.web, 'favicon.svg')),
    entry('/assets/uPlot.iife.min.js', path.join(dirs.uplot, 'uPlot.iife.min.js')),
    entry('/assets/uPlot.min.css', path.join(dirs.uplot, 'uPlot.min.css')),
  ];
}

interface LoadedFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

export class StaticFiles {
  readonly #files = new Map<string, LoadedFile>();
  /** Listed files that could not be read (answered 404). */
  readonly missing: readonly string[];

  /** Reads every entry once; a file that cannot be read is reported in `missing`, not thrown. */
  constructor(entries: readonly StaticFileEntry[]) {
    const missing: string[] = [];
    for (const { urlPath, file, contentType } of entries) {
      let body: Buffer;
      try {
        body = readFileSync(file);
      } catch {
        missing.push(file);
        continue;
      }
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      this.#files.set(urlPath, { body, contentType, etag });
    }
    this.missing = missing;
  }

  /**
   * Answers `req` if `pathname` is one of the files; returns false (and
   * writes nothing) otherwise. GET and HEAD only: the caller rejects others.
   */
  serve(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): boolean {
    const file = this.#files.get(pathname);
    if (!file) return false;
    const headers = {
      'content-type': file.contentType,
      'cache-control': 'no-cache',
      etag: file.etag,
      'content-security-policy': STATUS_PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (etagMatches(req.headers['if-none-match'], file.etag)) {
      res.writeHead(304, headers).end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  }
}

/** `If-None-Match`: a list of ETags (weak ones compare equal too) or `*`. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
