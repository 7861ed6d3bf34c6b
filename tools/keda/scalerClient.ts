/**
 * Promise-based gRPC clients for the scaler, calling it the way KEDA and
 * Kubernetes probes do (tests, the demo, benchmarks).
 */
import path from 'node:path';
import {
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  credentials,
  loadPackageDefinition,
  makeClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { service as healthService, type ServingStatus } from 'grpc-health-check';
import {
  ExternalScalerClient,
  type GetMetricSpecResponse,
  type GetMetricsResponse,
  type IsActiveResponse,
  type ScaledObjectRef,
} from '../../src/generated/externalscaler.ts';

type Callback<T> = (err: ServiceError | null, res: T) => void;

/** A grpc.health.v1 answer; grpc-health-check's service definition decodes the status to its name. */
export interface HealthCheckResponse {
  status: ServingStatus | 'SERVICE_UNKNOWN';
}

/** A client of grpc.health.v1.Health, from the service definition grpc-health-check exports. */
export interface HealthClient extends Client {
  check(request: { service: string }, callback: Callback<HealthCheckResponse>): ClientUnaryCall;
  watch(request: { service: string }): ClientReadableStream<HealthCheckResponse>;
}

const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health') as unknown as new (
  address: string,
  creds: ChannelCredentials,
  options: ChannelOptions,
) => HealthClient;

function promise<T>(start: (cb: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    start((err, res) => (err ? reject(err) : resolve(res)));
  });
}

export interface ScalerClient {
  readonly raw: ExternalScalerClient;
  getMetricSpec(ref: ScaledObjectRef): Promise<GetMetricSpecResponse>;
  getMetrics(ref: ScaledObjectRef, metricName: string): Promise<GetMetricsResponse>;
  isActive(ref: ScaledObjectRef): Promise<IsActiveResponse>;
  healthCheck(service: string): Promise<HealthCheckResponse>;
  readonly health: HealthClient;
  close(): void;
}

/** A client of the scaler on 127.0.0.1:`port`, in plaintext unless `creds` say otherwise. */
export function scalerClient(
  port: number,
  creds: ChannelCredentials = credentials.createInsecure(),
  options: ChannelOptions = {},
): ScalerClient {
  const address = `127.0.0.1:${port}`;
  const raw = new ExternalScalerClient(address, creds, options);
  const health = new HealthClient(address, creds, options);
  return {
    raw,
    health,
    getMetricSpec: (ref) => promise<GetMetricSpecResponse>((cb) => raw.getMetricSpec(ref, cb)),
    getMetrics: (ref, metricName) =>
      promise<GetMetricsResponse>((cb) => raw.getMetrics({ scaledObjectRef: ref, metricName }, cb)),
    isActive: (ref) => promise<IsActiveResponse>((cb) => raw.isActive(ref, cb)),
    healthCheck: (service) => promise<HealthCheckResponse>((cb) => health.check({ service }, cb)),
    close: () => {
      raw.close();
      health.close();
    },
  };
}

/** A ScaledObjectRef for `metadata`. */
export function ref(metadata: Record<string, string>, name = 'app', namespace = 'default'): ScaledObjectRef {
  return { name, namespace, scalerMetadata: metadata };
}

interface ReflectionResponse {
  list_services_response?: { service: Array<{ name: string }> };
  error_response?: { error_message: string };
}

type ReflectionClient = {
  ServerReflectionInfo(): ClientDuplexStream<{ list_services: string }, ReflectionResponse>;
  close(): void;
};

/** The services the server lists through gRPC server reflection (what `grpcurl list` prints). */
export async function listServicesByReflection(port: number): Promise<string[]> {
  const proto = path.resolve(
    import.meta.dirname,
    '../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto',
  );
  const pkg = loadPackageDefinition(loadSync(proto, { keepCase: true })) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: new (address: string, creds: unknown) => ReflectionClient } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${port}`, credentials.createInsecure());
  try {
    const call = client.ServerReflectionInfo();
    const response = await new Promise<ReflectionResponse>((resolve, reject) => {
      call.on('data', resolve);
      call.on('error', reject);
      call.write({ list_services: '' });
    });
    call.end();
    if (!response.list_services_response)
      throw new Error(`reflection failed: ${response.error_response?.error_message}`);
    return response.list_services_response.service.map((s) => s.name).sort();
  } finally {
    client.close();
  }
}
