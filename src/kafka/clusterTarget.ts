/**
 * A Kafka cluster to read, as a trigger names it, and the key a reader, its
 * pollers and its metrics are filed under.
 */
import { type ClusterProfile, normalizeServer } from '../clusterProfiles.ts';

/** A Kafka cluster to read: its bootstrap servers, and the profile with its credentials when there is one. */
export interface ClusterTarget {
  readonly brokers: readonly string[];
  readonly profile?: ClusterProfile;
}

/** The normalised form of a bootstrap server list, used as the cluster's key. */
export function clusterKey(brokers: readonly string[]): string {
  return [...new Set(brokers.map(normalizeServer))].sort().join(',');
}

/** The key (and metrics label) of the cluster a target reads: its profile's name, else its bootstrap servers. */
export function clusterTargetKey(target: ClusterTarget): string {
  return target.profile ? `profile:${target.profile.name}` : clusterKey(target.brokers);
}
