/**
 * The HPA metric name of a trigger: readable (strategy, group, topics) and
 * unique per trigger (a hash of its metadata), e.g.
 * `kstreams-offset-orders-app-orders-3f9a0c1e`. KEDA prefixes it with
 * `s<index>-` and does not normalise external scalers' names, so only
 * lower-case letters, digits and dashes are used.
 */
import { createHash } from 'node:crypto';

const READABLE_MAX = 80;

/** Lower-case, every run of other characters turned into one dash, trimmed. */
export function sanitizeMetricPart(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** A short stable hash of the metadata, ignoring key order and KEDA's own keys. */
export function metadataHash(metadata: Readonly<Record<string, string>>, ignored: ReadonlySet<string>): string {
  const canonical = Object.keys(metadata)
    .filter((k) => !ignored.has(k))
    .sort()
    .map((k) => [k, metadata[k]]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 8);
}

export function metricName(input: {
  readonly strategy: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly hash: string;
}): string {
  const topics = input.topics.length > 0 ? input.topics.join('-') : 'all-topics';
  const readable = sanitizeMetricPart(`kstreams-${input.strategy}-${input.groupId}-${topics}`)
    .slice(0, READABLE_MAX)
    .replace(/-+$/, '');
  return `${readable}-${input.hash}`;
}
