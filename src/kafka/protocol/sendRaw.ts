/**
 * Sends a request kafkajs does not know over a kafkajs broker's own
 * connection (its TLS, SASL, timeouts, correlation and instrumentation), as
 * bytes. Flexible versions only: kafkajs writes request header v1 and reads
 * the correlation id; the empty tagged-field section that makes it header v2
 * is written here, and the response header's is skipped.
 */
import { Reader } from './wire.ts';

export interface RawRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The name kafkajs's request events carry (request counting, metrics). */
  readonly apiName: string;
  /** The request body, after the header. */
  readonly body: Buffer;
}

/** The part of a kafkajs Broker this needs. */
export interface RawBroker {
  readonly connectionPool: {
    send(protocolRequest: {
      request: { apiKey: number; apiVersion: number; apiName: string; encode: () => Promise<unknown> };
      response: { decode: (payload: Buffer) => Promise<unknown>; parse: (decoded: unknown) => Promise<unknown> };
    }): Promise<unknown>;
  };
  /** ApiVersions of the broker, by api key, once connected. */
  readonly versions?: Readonly<Record<number, { readonly minVersion: number; readonly maxVersion: number }>> | null;
}

/** Whether the connected broker accepts `apiKey` at `version`. */
export function supports(broker: RawBroker, apiKey: number, version: number): boolean {
  const range = broker.versions?.[apiKey];
  return range !== undefined && range.minVersion <= version && version <= range.maxVersion;
}

/** Sends `request` and resolves with the response body (after the response header). */
export async function sendRaw(broker: RawBroker, request: RawRequest): Promise<Buffer> {
  // kafkajs's Encoder.writeEncoder only needs `buf` (a Buffer) and `buffer`.
  const payload = Buffer.concat([Buffer.from([0]), request.body]);
  const body = await broker.connectionPool.send({
    request: {
      apiKey: request.apiKey,
      apiVersion: request.apiVersion,
      apiName: request.apiName,
      encode: () => Promise.resolve({ buf: payload, buffer: payload }),
    },
    response: {
      decode: (raw) => Promise.resolve({ raw, clientSideThrottleTime: 0 }),
      parse: (decoded) => {
        const raw = (decoded as { raw: Buffer }).raw;
        const reader = new Reader(raw);
        reader.skipTags();
        return Promise.resolve(raw.subarray(raw.length - reader.remaining));
      },
    },
  });
  return body as Buffer;
}
