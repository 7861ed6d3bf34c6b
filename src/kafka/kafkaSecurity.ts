/**
 * A cluster profile's TLS and SASL settings as kafkajs takes them. Secrets
 * are read here, when a Kafka client is created (so a rotated file is picked
 * up by the next client), and go nowhere else: not into logs, errors or the
 * status page. An OAUTHBEARER token is read again for every authentication.
 */
import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { ClusterProfile, SecretSource, ValueSource } from '../clusterProfiles.ts';
import { KafkaPortError } from './kafkaReader.ts';
import { oauthBearer } from './oauthBearer.ts';

export interface KafkaSecurity {
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: KafkaConfig['sasl'];
}

/** How secrets are read (tests pass their own). */
export interface SecretReader {
  file(path: string): string;
  env(name: string): string | undefined;
}

const NODE_SECRETS: SecretReader = {
  file: (path) => readFileSync(path, 'utf8'),
  env: (name) => process.env[name],
};

/**
 * The kafkajs `ssl` and `sasl` options for `profile`. A secret that cannot be
 * read is an `unavailable` KafkaPortError naming the profile and where the secret
 * should be, never its value.
 */
export function kafkaSecurity(profile: ClusterProfile, secrets: SecretReader = NODE_SECRETS): KafkaSecurity {
  const read = (source: SecretSource, what: string): string => readSecret(profile.name, source, what, secrets);
  const out: { ssl?: KafkaConfig['ssl']; sasl?: KafkaConfig['sasl'] } = {};
  const tls = profile.tls;
  if (tls) {
    out.ssl = {
      rejectUnauthorized: !tls.insecureSkipVerify,
      ...(tls.caFile === undefined ? {} : { ca: [read({ file: tls.caFile }, 'tls.caFile')] }),
      ...(tls.certFile === undefined ? {} : { cert: read({ file: tls.certFile }, 'tls.certFile') }),
      ...(tls.keyFile === undefined ? {} : { key: read({ file: tls.keyFile }, 'tls.keyFile') }),
      ...(tls.keyPassword === undefined ? {} : { passphrase: read(tls.keyPassword, 'tls.keyPassword') }),
      ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
    };
  }
  const sasl = profile.sasl;
  if (sasl) {
    if (sasl.mechanism === 'oauthbearer') {
      const token = sasl.token!;
      out.sasl = oauthBearer(() => read(token, 'sasl.token'));
    } else {
      const username = value(sasl.username!, (s) => read(s, 'sasl.username'));
      const password = read(sasl.password!, 'sasl.password');
      const options: SASLOptions = { mechanism: sasl.mechanism, username, password };
      out.sasl = options;
    }
  }
  return out;
}

function value(source: ValueSource, read: (s: SecretSource) => string): string {
  return 'value' in source ? source.value : read(source);
}

function readSecret(profile: string, source: SecretSource, what: string, secrets: SecretReader): string {
  const where = 'file' in source ? `file ${source.file}` : `environment variable ${source.env}`;
  let text: string | undefined;
  try {
    text = 'file' in source ? secrets.file(source.file) : secrets.env(source.env);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new KafkaPortError(
      'unavailable',
      `cluster profile "${profile}": cannot read ${what} from ${where} (${reason})`,
    );
  }
  // Mounted secrets often end with a newline that is not part of the secret.
  const trimmed = text?.replace(/\r?\n$/, '');
  if (trimmed === undefined || trimmed === '') {
    throw new KafkaPortError('unavailable', `cluster profile "${profile}": ${what} from ${where} is empty`);
  }
  return trimmed;
}
