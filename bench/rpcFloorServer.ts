/**
 * A grpc-js server that answers KEDA's ExternalScaler IsActive and GetMetrics
 * with fixed replies and does nothing else (no Kafka, no registry, no metrics,
 * no interceptors): the floor that @grpc/grpc-js itself sets under
 * bench-rpc's latencies on this machine. Same generated service definition as
 * the scaler. Listens on a free loopback port, prints "PORT <n>" and exits
 * when its stdin closes (the parent holds it open).
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import {
  type ExternalScalerServer,
  ExternalScalerService,
  type GetMetricsRequest,
  type GetMetricsResponse,
  type IsActiveResponse,
  type ScaledObjectRef,
} from '../src/generated/externalscaler.ts';

const unimplemented = (): never => {
  throw new Error('not served by the floor server');
};

const handlers: ExternalScalerServer = {
  isActive: (_call: ServerUnaryCall<ScaledObjectRef, IsActiveResponse>, done: sendUnaryData<IsActiveResponse>) =>
    done(null, { result: true }),
  getMetrics: (
    _call: ServerUnaryCall<GetMetricsRequest, GetMetricsResponse>,
    done: sendUnaryData<GetMetricsResponse>,
  ) => done(null, { metricValues: [{ metricName: 's0-x', metricValue: 5, metricValueFloat: 5 }] }),
  getMetricSpec: unimplemented,
  streamMetricSpec: unimplemented,
  streamIsActive: unimplemented,
};

const server = new Server();
server.addService(ExternalScalerService, handlers);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`rpc floor server: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`PORT ${port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
