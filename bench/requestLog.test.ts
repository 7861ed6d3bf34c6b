import assert from 'node:assert/strict';
import { countRequests, requestsOf } from './requestLog.ts';

const line = (client: string, api: string, key: number) =>
  `[2026-12-03 08:09:51,704] DEBUG Completed request:{"isForwarded":false,"requestHeader":{"requestApiKey":${key},"requestApiVersion":6,"correlationId":1,"clientId":"${client}","requestApiKeyName":"${api}"},"request":{"topics":null},"response":{"clientId":"not-this-one"}} (kafka.request.logger)`;

describe('counting requests in a broker request log', () => {
  it('counts completed requests by client id and API, from the request header only', () => {
    const text = [
      line('kstreams-scaler', 'LIST_OFFSETS', 2),
      line('kstreams-scaler', 'LIST_OFFSETS', 2),
      line('kstreams-scaler', 'OFFSET_FETCH', 9),
      line('keda-kafka-bench-7', 'METADATA', 3),
      '[2026-12-03 08:09:51,705] INFO something else (kafka.server.KafkaServer)',
      line('broker-2-fetcher-0', 'FETCH', 1),
    ].join('\n');
    const counts = countRequests(text);
    assert.deepEqual(Object.fromEntries(counts.get('kstreams-scaler')!), { LIST_OFFSETS: 2, OFFSET_FETCH: 1 });
    assert.equal(counts.has('not-this-one'), false);
    const keda = requestsOf(counts, 'keda-kafka-bench');
    assert.equal(keda.total, 1);
    assert.equal(requestsOf(counts, 'nobody').total, 0);
  });
});
