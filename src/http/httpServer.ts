/**
 * The HTTP side: `/healthz` (liveness) and `/readyz` (readiness) for probes
 * and load balancers that do not speak gRPC health (same meaning as the gRPC
 * health services: see grpc/healthState.ts), and `/api/triggers`: every
 * trigger's latest decision with its explanation, topology and stalled
 * partitions, as JSON, for operators; `/api/history`: each trigger's figures
 * over the last hour; `/metrics`: Prometheus metrics; and the status page
 * that shows triggers and history (`/` and `/assets/…`, see staticFiles.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HealthState, LIVENESS, READINESS } from '../grpc/healthState.ts';
import type { Logger } from '../logger.ts';
import type { HistoryPoint } from '../observe/history.ts';
import type { TriggerStatus } from '../scaler/scalerService.ts';
import { StaticFiles, statusPageEntries } from './staticFiles.ts';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly health: HealthState;
  readonly logger: Logger;
  /** The latest decision of every trigger. */
  readonly statuses: () => readonly TriggerStatus[];
  /** A trigger's figures over the last hour, by its status id. */
  readonly history: (id: string) => readonly HistoryPoint[];
  /** The Prometheus exposition for /metrics. */
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly body: string }>;
  /** The status page's files (default: web/ and uPlot, see staticFiles.ts). */
  readonly staticFiles?: StaticFiles;
}

export interface RunningHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const log = options.logger.child({ component: 'http-server' });
  const files = options.staticFiles ?? new StaticFiles(statusPageEntries());
  if (files.missing.length > 0) {
    log.warn({ missing: files.missing }, 'status page files missing; the page will not load');
  }
  const server = http.createServer((req, res) => {
    try {
      route(req, res);
    } catch (err) {
      // A bug of ours, not the caller's: log it, answer 500, keep serving.
      log.error({ err, method: req.method }, 'HTTP handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    }
  });
  const route = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if ((req.url ?? '').length > MAX_TARGET_LENGTH) {
      res.writeHead(414, { 'content-type': 'text/plain', connection: 'close' }).end('request target too long\n');
      return;
    }
    const url = requestTarget(req.url);
    if (!url) {
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('bad request target\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (url.pathname === '/api/triggers') {
      sendJson(res, { triggers: options.statuses().map(statusJson) });
      return;
    }
    if (url.pathname === '/metrics' && options.metrics) {
      options.metrics().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (err: unknown) => {
          log.error({ err }, 'collecting metrics failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
        },
      );
      return;
    }
    if (url.pathname === '/api/history') {
      const wanted = url.searchParams.get('id');
      const triggers = options
        .statuses()
        .filter((s) => wanted === null || s.id === wanted)
        .map((s) => ({ id: s.id, points: options.history(s.id) }));
      sendJson(res, { windowSeconds: 3600, triggers });
      return;
    }
    if (files.serve(req, res, url.pathname)) return;
    const probe = url.pathname === '/healthz' ? LIVENESS : url.pathname === '/readyz' ? READINESS : undefined;
    if (!probe) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const serving = options.health.isServing(probe);
    res
      .writeHead(serving ? 200 : 503, { 'content-type': 'text/plain', 'cache-control': 'no-store' })
      .end(serving ? 'ok\n' : 'shutting down\n');
  };
  server.keepAliveTimeout = 5_000;
  // Bounds for clients that send slowly or open many connections.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxConnections = MAX_CONNECTIONS;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP (bad request line, oversized headers): 400 and close, as Node does, without an unhandled error.
    if (socket.writable && !socket.writableEnded) {
      socket.end(
        err.code === 'HPE_HEADER_OVERFLOW'
          ? 'HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\n\r\n'
          : 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n',
      );
    } else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`cannot listen for HTTP on ${options.host}:${options.port}: ${err.message}`, { cause: err })),
    );
    server.listen({ host: options.host, port: options.port }, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ address: `${options.host}:${port}` }, 'HTTP server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Open connections at most; more are refused until some close. */
const MAX_CONNECTIONS = 256;
/** Longer request targets answer 414. */
export const MAX_TARGET_LENGTH = 2_048;

/**
 * The path and query of a request target, or undefined when it is not one
 * this server answers: origin-form (`/path?query`) or absolute-form
 * (`http://host/path`), at most MAX_TARGET_LENGTH characters. Never throws,
 * whatever the bytes.
 */
export function requestTarget(raw: string | undefined): URL | undefined {
  if (raw === undefined || raw.length === 0 || raw.length > MAX_TARGET_LENGTH) return undefined;
  // Origin-form is parsed against a fixed base, so `//host` cannot name another authority.
  const text = raw.startsWith('/') ? `http://localhost${raw}` : raw;
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

/** A trigger status as JSON: identity (with the bootstrap servers), strategy and decision; no other metadata, never credentials. */
export function statusJson(status: TriggerStatus): Record<string, unknown> {
  const { trigger, decision } = status;
  return {
    id: status.id,
    scaledObject: trigger.scaledObject,
    metricName: trigger.metricName,
    strategy: trigger.metadata.lagStrategy,
    consumerGroup: trigger.pollerKey.groupId,
    cluster: trigger.pollerKey.cluster,
    sampledAt: new Date(status.sampledAt).toISOString(),
    evaluatedAt: new Date(status.evaluatedAt).toISOString(),
    figures: status.figures,
    decision,
  };
}

function sendJson(res: http.ServerResponse, body: unknown): void {
  res
    .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body, bigintAsString));
}

/** JSON.stringify replacer: Kafka offsets are int64, sent as strings. */
function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
