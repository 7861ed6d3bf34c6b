/**
 * The Kafka reader for one cluster, as the scaler builds it: kafkajs with the
 * cluster profile's TLS and SASL settings (secrets are read when the client
 * is built, in the poller, and again after a refusal), and a request timeout
 * well inside one poll's deadline, and while no bootstrap server answers, a
 * backoff no longer than the staleness limit. The server and the explain command both
 * read Kafka through it.
 */
import type { Logger } from '../logger.ts';
import type { ClusterTarget } from './clusterTarget.ts';
import { KafkajsReader } from './kafkajsReader.ts';
import { kafkaSecurity } from './kafkaSecurity.ts';

export function clusterReader(
  target: ClusterTarget,
  options: { readonly kafkaTimeoutMs: number; readonly maxStalenessMs?: number; readonly logger: Logger },
): KafkajsReader {
  const profile = target.profile;
  return new KafkajsReader({
    brokers: target.brokers,
    ...(profile ? { name: profile.name, security: () => kafkaSecurity(profile) } : {}),
    logger: options.logger,
    requestTimeoutMs: Math.min(5_000, Math.round(options.kafkaTimeoutMs / 2)),
    // A cluster that does not answer is tried again at least once per staleness limit.
    ...(options.maxStalenessMs === undefined ? {} : { retryBackoffMaxMs: options.maxStalenessMs }),
  });
}
