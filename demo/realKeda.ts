/**
 * The demo with the real KEDA operator and HPA of a local cluster
 * (tools/k8s/localCluster.ts). Its Autoscaler does not decide anything, it
 * reads what they decided. Each interval: the Deployment's `spec.replicas`
 * (what the JVM pool follows), the ScaledObject's Active and Fallback
 * conditions, and the HPA's desired replicas (from KEDA's metric).
 */
import { eventually } from '../tools/eventually.ts';
import { scaledObjectFromExample, workloadObjects } from '../tools/k8s/examples.ts';
import type { LocalCluster } from '../tools/k8s/localCluster.ts';
import { deployScaler } from '../tools/k8s/localScaler.ts';
import type { Autoscaler, AutoscalerStep } from './kedaLoop.ts';
import type { ScalerProcess } from './scalerProcess.ts';
import { type DemoSettings, triggerMetadata } from './settings.ts';

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly message?: string;
}

export function clusterAutoscaler(cluster: LocalCluster, namespace: string, name: string): Autoscaler {
  let replicas = 0;
  const deployment = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
  const scaledObject = `/apis/keda.sh/v1alpha1/namespaces/${namespace}/scaledobjects/${name}`;
  const hpa = `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/keda-hpa-${name}`;
  return {
    async step(): Promise<AutoscalerStep> {
      const replicasBefore = replicas;
      try {
        const [d, so, h] = await Promise.all([
          cluster.get<{ spec?: { replicas?: number } }>(deployment),
          cluster.get<{ status?: { conditions?: Condition[] } }>(scaledObject),
          cluster.get<{ status?: { desiredReplicas?: number } }>(hpa),
        ]);
        replicas = d?.spec?.replicas ?? replicas;
        const conditions = new Map((so?.status?.conditions ?? []).map((c) => [c.type, c]));
        const activeCondition = conditions.get('Active')?.status;
        const active = activeCondition === 'True' ? true : activeCondition === 'False' ? false : undefined;
        const fallback = conditions.get('Fallback');
        const recommended = active === false ? 0 : h?.status?.desiredReplicas;
        return {
          replicasBefore,
          replicas,
          active,
          recommended,
          ...(fallback?.status === 'True' ? { problem: `KEDA fallback: ${fallback.message ?? ''}` } : {}),
        };
      } catch (err) {
        const problem = `reading the cluster: ${err instanceof Error ? err.message : String(err)}`;
        return { replicasBefore, replicas, active: undefined, recommended: undefined, problem };
      }
    },
  };
}

/**
 * The demo on the local cluster: the scaler applied with `kubectl apply -k
 * deploy/` and run from its Deployment, the application's Deployment at 0,
 * and the ScaledObject of deploy/examples/streams-app-external.yaml with the
 * demo's trigger metadata and compressed intervals. Resolves with the
 * scaler and the metric name KEDA's HPA reads (without KEDA's `s0-` prefix).
 */
export async function deployDemo(
  cluster: LocalCluster,
  options: {
    readonly settings: DemoSettings;
    readonly namespace: string;
    readonly bootstrap: string;
    readonly logFile: string;
    readonly env: Readonly<Record<string, string>>;
    readonly cleanup: Array<() => Promise<void>>;
  },
): Promise<{ readonly scaler: ScalerProcess; readonly metricName: string }> {
  const { settings, namespace } = options;
  const scaler = await deployScaler(cluster, {
    kafkaBootstrap: options.bootstrap,
    logFile: options.logFile,
    env: options.env,
  });
  options.cleanup.push(() => scaler.stop());
  // The example's `cluster: kafka` profile (deploy/base/clusters.json) names the servers instead.
  const metadata: Record<string, string | undefined> = {
    ...triggerMetadata(settings, options.bootstrap),
    bootstrapServers: undefined,
  };
  const k = settings.keda;
  const scaledObject = scaledObjectFromExample('streams-app-external.yaml', {
    namespace,
    name: settings.appId,
    scalerAddress: scaler.address,
    kafkaBootstrap: options.bootstrap,
    metadata,
    spec: {
      pollingInterval: k.pollingIntervalMs / 1000,
      cooldownPeriod: (k.cooldownMs ?? 0) / 1000,
      minReplicaCount: 0,
      maxReplicaCount: k.maxReplicas ?? 100,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: { stabilizationWindowSeconds: (k.scaleDownStabilizationMs ?? 0) / 1000 },
            scaleUp: { stabilizationWindowSeconds: 0 },
          },
        },
      },
    },
  });
  const items = [...workloadObjects(namespace, settings.appId), scaledObject];
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  options.cleanup.push(async () => {
    await cluster.kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
  });
  const hpa = `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/keda-hpa-${settings.appId}`;
  const metric = await eventually(
    async () =>
      (await cluster.get<{ spec: { metrics: Array<{ external?: { metric: { name: string } } }> } }>(hpa))?.spec
        .metrics[0]?.external?.metric.name,
    (name) => name !== undefined,
    { timeoutMs: 60_000, everyMs: 500, what: 'the HPA KEDA makes for the ScaledObject' },
  );
  return { scaler, metricName: metric!.replace(/^s\d+-/, '') };
}
