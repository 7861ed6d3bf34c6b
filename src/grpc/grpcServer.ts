/**
 * The gRPC server: KEDA's ExternalScaler, grpc.health.v1 (grpc-health-check's
 * implementation) and server reflection (so `grpcurl` works without the proto
 * files), plus the shutdown order KEDA copes with best: stop accepting calls,
 * end StreamIsActive streams with OK, let unary calls finish, then force what
 * is left.
 */
import path from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { ExternalScalerService, type ExternalScalerServer } from '../generated/externalscaler.ts';
import type { Logger } from '../logger.ts';
import type { HealthState } from './healthState.ts';
import type { OpenStreams } from './externalScalerService.ts';

/** proto/ sits next to src/ and dist/ alike. */
const PROTO_DIR = path.resolve(import.meta.dirname, '..', '..', 'proto');
/** grpc-health-check's proto, named as in the package's own proto/ folder. */
const HEALTH_PROTO = 'health/v1/health.proto';
const HEALTH_PROTO_DIR = path.resolve(path.dirname(healthProtoPath), '..', '..');
const PROTO_FILES = ['externalscaler.proto', HEALTH_PROTO];

export interface GrpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly externalScaler: ExternalScalerServer;
  readonly health: HealthState;
  readonly streams: OpenStreams;
  readonly logger: Logger;
  readonly credentials?: ServerCredentials;
}

export interface RunningGrpcServer {
  /** The bound port (useful when asked for port 0). */
  readonly port: number;
  /** Drains and stops the server within `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const log = options.logger.child({ component: 'grpc-server' });
  const server = new Server({
    // Long-lived StreamIsActive calls: notice dead peers instead of holding them forever.
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    // A valid ScaledObjectRef is at most 64 Ki characters of metadata (scaler/schema.ts): 256 KiB of UTF-8 at most.
    'grpc.max_receive_message_length': 256 * 1024,
  });
  server.addService(ExternalScalerService, options.externalScaler);
  options.health.addToServer(server);
  new ReflectionService(
    loadSync(PROTO_FILES, { includeDirs: [PROTO_DIR, HEALTH_PROTO_DIR], keepCase: true }),
  ).addToServer(server);

  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, options.credentials ?? ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(new Error(`cannot listen for gRPC on ${address}: ${err.message}`, { cause: err })) : resolve(bound),
    );
  });
  log.info({ address: `${options.host}:${port}` }, 'gRPC server listening');

  let stopping: Promise<void> | undefined;
  return {
    port,
    shutdown(timeoutMs: number): Promise<void> {
      stopping ??= new Promise<void>((resolve) => {
        options.health.drain();
        const timer = setTimeout(() => {
          log.warn({ timeoutMs }, 'calls still open at the shutdown deadline; forcing');
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
        options.streams.endAll();
        options.health.endWatches();
      });
      return stopping;
    },
  };
}
