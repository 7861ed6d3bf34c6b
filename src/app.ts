/**
 * Wires the scaler together: Kafka readers → pollers → scaler service →
 * gRPC and HTTP servers. main.ts runs it as a process; integration tests run
 * it in-process on ephemeral ports.
 */
import type { Config } from './config.ts';
import { externalScalerHandlers, OpenStreams } from './grpc/externalScalerService.ts';
import { startGrpcServer } from './grpc/grpcServer.ts';
import { HealthState } from './grpc/healthState.ts';
import { serverTls } from './grpc/serverTls.ts';
import { startHttpServer } from './http/httpServer.ts';
import { clusterReader } from './kafka/clusterReader.ts';
import { ScalerMetrics } from './metrics/metrics.ts';
import type { Logger } from './logger.ts';
import { type ManagedReader, PollerRegistry } from './poller/pollerRegistry.ts';
import { type ClusterTarget, clusterTargetKey } from './kafka/clusterTarget.ts';
import { ScalerService } from './scaler/scalerService.ts';

export interface AppOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Overrides how Kafka readers are made (tests count requests with it). */
  readonly createReader?: (target: ClusterTarget) => ManagedReader;
}

export interface RunningApp {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly registry: PollerRegistry;
  readonly scaler: ScalerService;
  readonly health: HealthState;
  readonly metrics: ScalerMetrics;
  /** Drains gRPC, stops pollers, closes Kafka clients and the HTTP server. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startApp({ config, logger, createReader }: AppOptions): Promise<RunningApp> {
  if (config.clusters.length === 0) {
    logger.warn(
      'no Kafka cluster profiles (SCALER_CLUSTERS_FILE): any bootstrapServers a ScaledObject names will be contacted, in plaintext',
    );
  } else {
    logger.info(
      { clusters: config.clusters.map((c) => c.name) },
      'Kafka cluster profiles loaded; no other cluster is contacted',
    );
  }
  const streams = new OpenStreams(config.maxStreams);
  // Its gauges read the registry and the scaler below, at scrape time only.
  const metrics: ScalerMetrics = new ScalerMetrics({
    statuses: () => scaler.statuses(),
    pollers: () => registry.pollers(),
    openStreams: () => streams.byMethod(),
    triggerIdleMs: config.pollerIdleTimeoutMs,
  });
  const registry = new PollerRegistry({
    config,
    logger,
    onPolled: (key, seconds, errorCode) => metrics.poll(key.cluster, seconds, errorCode),
    onClusterClosed: (cluster) => metrics.forgetCluster(cluster),
    createReader:
      createReader ??
      ((target) => {
        const reader = clusterReader(target, {
          kafkaTimeoutMs: config.kafkaTimeoutMs,
          maxStalenessMs: config.maxStalenessMs,
          logger,
        });
        const cluster = clusterTargetKey(target);
        const stopCounting = reader.onRequest((api) => metrics.kafkaRequest(cluster, api));
        // A read still in flight when the reader closes must not bring the cluster's series back.
        const close = reader.close.bind(reader);
        return Object.assign(reader, {
          close: async (): Promise<void> => {
            stopCounting();
            await close();
          },
        });
      }),
  });
  const scaler = new ScalerService({ registry, config, logger });
  const health = new HealthState();
  const tls = config.grpcTls ? await serverTls(config.grpcTls, logger) : undefined;
  let grpc;
  try {
    grpc = await startGrpcServer({
      host: config.host,
      port: config.grpcPort,
      externalScaler: externalScalerHandlers(scaler, streams, logger, (method, code, seconds) =>
        metrics.rpc(method, code, seconds),
      ),
      health,
      streams,
      logger,
      ...(tls ? { credentials: tls.credentials } : {}),
    });
  } catch (err) {
    tls?.stop();
    throw err;
  }
  let http;
  try {
    http = await startHttpServer({
      host: config.host,
      port: config.httpPort,
      health,
      logger,
      statuses: () => scaler.statuses(),
      history: (id) => scaler.history(id),
      metrics: () => metrics.scrape(),
    });
  } catch (err) {
    await grpc.shutdown(0);
    tls?.stop();
    throw err;
  }
  registry.start();

  let stopping: Promise<void> | undefined;
  const running = http;
  return {
    grpcPort: grpc.port,
    httpPort: http.port,
    registry,
    scaler,
    health,
    metrics,
    stop() {
      stopping ??= (async () => {
        // Leave time after draining gRPC for Kafka clients and HTTP to close.
        await grpc.shutdown(Math.max(0, config.shutdownTimeoutMs - 2_000));
        tls?.stop();
        await registry.close();
        await running.close();
      })();
      return stopping;
    },
  };
}
