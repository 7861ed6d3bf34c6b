/**
 * The HTTP side: `/healthz` (liveness) and `/readyz` (readiness) for probes
 * and load balancers that do not speak gRPC health (same meaning as the gRPC
 * health services: see grpc/healthService.ts), and `/api/triggers`: every
 * trigger's latest decision with its explanation, topology and stalled
 * partitions, as JSON, for operators; `/api/history`: each trigger's figures
 * over the last hour; `/metrics`: Prometheus metrics; and the status page
 * that shows triggers and history (`/` and `/assets/…`, see staticFiles.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HealthState, LIVENESS, READINESS } from '../grpc/healthService.ts';
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
    const url = new URL(req.url ?? '/', 'http://localhost');
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
  });
  server.keepAliveTimeout = 5_000;
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
