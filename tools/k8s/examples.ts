/**
 * deploy/examples' ScaledObjects as they are applied to the local cluster:
 * the file as users write it, with only the names, the addresses (cluster
 * DNS → loopback, localAddresses.ts) and KEDA's intervals changed, and an
 * HPA that scales down without its 5-minute stabilisation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { withLocalAddresses } from './localAddresses.ts';
import { type K8sObject, parseYamlDocuments } from './manifests.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '..', '..', 'deploy', 'examples');
/** The scaler's address in every example (its headless Service). */
export const SCALER_SERVICE = 'kstreams-scaler.kstreams-scaler.svc.cluster.local:9090';
/** The Kafka bootstrap address of deploy/base/clusters.json. */
export const KAFKA_SERVICE = 'kafka-bootstrap.kafka.svc:9092';

export interface ExampleChanges {
  readonly namespace: string;
  readonly name: string;
  readonly scalerAddress: string;
  /** The local broker, for the examples that name deploy/base's Kafka Service. */
  readonly kafkaBootstrap: string;
  /** Trigger metadata to set (a topic, the group) or remove (undefined). */
  readonly metadata?: Readonly<Record<string, string | undefined>>;
  /** ScaledObject spec fields to set: KEDA's intervals, compressed for a test. */
  readonly spec?: Readonly<Record<string, unknown>>;
}

/**
 * The ScaledObject of `deploy/examples/<file>` (the only one in the file, or
 * the one of kind ScaledObject), with the scenario's names and addresses,
 * and an HPA that scales down without the 5-minute stabilisation.
 */
export function scaledObjectFromExample(file: string, changes: ExampleChanges): K8sObject {
  const source = path.join(EXAMPLES, file);
  const found = parseYamlDocuments(readFileSync(source, 'utf8'), source).filter((o) => o.kind === 'ScaledObject');
  if (found.length !== 1) throw new Error(`${file}: expected one ScaledObject, found ${found.length}`);
  const addresses = new Map([
    [SCALER_SERVICE, changes.scalerAddress],
    [KAFKA_SERVICE, changes.kafkaBootstrap],
  ]);
  const object = withLocalAddresses(found[0]!, addresses) as K8sObject & {
    spec: Record<string, unknown> & { scaleTargetRef: { name: string }; triggers: Array<{ metadata: object }> };
  };
  const trigger = object.spec.triggers[0]!;
  const metadata: Record<string, string> = { ...(trigger.metadata as Record<string, string>) };
  for (const [key, value] of Object.entries(changes.metadata ?? {})) {
    if (value === undefined) delete metadata[key];
    else metadata[key] = value;
  }
  return {
    ...object,
    metadata: { ...object.metadata, name: changes.name, namespace: changes.namespace },
    spec: {
      ...object.spec,
      scaleTargetRef: { ...object.spec.scaleTargetRef, name: changes.name },
      triggers: [{ ...trigger, metadata }, ...object.spec.triggers.slice(1)],
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: { scaleDown: { stabilizationWindowSeconds: 0 }, scaleUp: { stabilizationWindowSeconds: 0 } },
        },
      },
      ...changes.spec,
    },
  };
}

/** A namespace and the Deployment a ScaledObject scales, at 0 replicas (its pods stay Pending: no kubelet here). */
export function workloadObjects(namespace: string, name: string): K8sObject[] {
  const labels = { 'app.kubernetes.io/name': name };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: {
        replicas: 0,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          // Never pulled: whoever plays the workload follows spec.replicas instead.
          spec: { containers: [{ name: 'app', image: 'registry.invalid/workload:never-pulled' }] },
        },
      },
    },
  ];
}
