/**
 * Counting Kafka requests on the broker: with `requestLog` (see
 * tools/kafka/localKafka.ts) every completed request is one line of a node's
 * log, `DEBUG Completed request:{"requestHeader":{..."clientId":"...",
 * "requestApiKeyName":"LIST_OFFSETS"}...}`. A benchmark reads the lines a
 * window added and counts them by client id and API.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type RequestCounts = Map<string, Map<string, number>>;

const CLIENT = /"clientId":"((?:[^"\\]|\\.)*)"/;
const API = /"requestApiKeyName":"([A-Z_]+)"/;

/** Counts the completed requests of `text` (log lines) by client id, then API. */
export function countRequests(text: string, counts: RequestCounts = new Map()): RequestCounts {
  for (const line of text.split('\n')) {
    const at = line.indexOf('Completed request:{');
    if (at < 0) continue;
    const header = line.slice(at, line.indexOf('}', at) + 1);
    const client = CLIENT.exec(header)?.[1];
    const api = API.exec(header)?.[1];
    if (client === undefined || api === undefined) continue;
    let byApi = counts.get(client);
    if (!byApi) counts.set(client, (byApi = new Map<string, number>()));
    byApi.set(api, (byApi.get(api) ?? 0) + 1);
  }
  return counts;
}

/** Total requests of the clients whose id starts with `prefix`, by API. */
export function requestsOf(counts: RequestCounts, prefix: string): { total: number; byApi: Map<string, number> } {
  const byApi = new Map<string, number>();
  let total = 0;
  for (const [client, apis] of counts) {
    if (!client.startsWith(prefix)) continue;
    for (const [api, n] of apis) {
      byApi.set(api, (byApi.get(api) ?? 0) + n);
      total += n;
    }
  }
  return { total, byApi };
}

/** Reads what log files gained since `mark()`: call `mark()` to start a window and `counts()` to end it. */
export class RequestLogWindow {
  readonly #files: readonly string[];
  #offsets: number[] = [];

  constructor(files: readonly string[]) {
    this.#files = files;
  }

  mark(): void {
    this.#offsets = this.#files.map((f) => statSync(f).size);
  }

  counts(): RequestCounts {
    const counts: RequestCounts = new Map();
    this.#files.forEach((file, i) => {
      const from = this.#offsets[i] ?? 0;
      const size = statSync(file).size;
      // Read in chunks: a request log at DEBUG grows by megabytes a minute.
      const fd = openSync(file, 'r');
      try {
        let rest = '';
        for (let position = from; position < size;) {
          const buffer = Buffer.alloc(Math.min(4 * 1024 * 1024, size - position));
          const read = readSync(fd, buffer, 0, buffer.length, position);
          if (read === 0) break;
          position += read;
          const text = rest + buffer.subarray(0, read).toString('utf8');
          const cut = text.lastIndexOf('\n');
          countRequests(text.slice(0, cut + 1), counts);
          rest = text.slice(cut + 1);
        }
        countRequests(rest, counts);
      } finally {
        closeSync(fd);
      }
    });
    return counts;
  }
}
