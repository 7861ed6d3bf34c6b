/**
 * The scaler's Deployment, run as a local process: no kubelet runs pods
 * here, so after `kubectl apply -k deploy/` (or an overlay) the driver reads
 * the Deployment back from the API server and starts `node src/main.ts` the
 * way its container would run: the container's environment, and its
 * ConfigMap and Secret volumes written to a folder that stands for the
 * container's filesystem (paths in the environment follow). Cluster DNS
 * names in those files become loopback addresses (localAddresses.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type ScalerProcess, startScalerProcess } from '../../demo/scalerProcess.ts';
import { temporaryFolder } from '../managedProcess.ts';
import { KAFKA_SERVICE } from './examples.ts';
import type { LocalCluster } from './localCluster.ts';
import type { K8sObject } from './manifests.ts';
import { withLocalAddresses } from './localAddresses.ts';

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: unknown;
}
interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string };
  readonly secret?: { readonly secretName: string };
}
interface Container {
  readonly env?: readonly EnvVar[];
  readonly volumeMounts?: ReadonlyArray<{ readonly name: string; readonly mountPath: string }>;
}
interface DeploymentJson {
  readonly spec: { readonly template: { readonly spec: { containers: Container[]; volumes?: Volume[] } } };
}

export interface DeploymentOptions {
  readonly namespace: string;
  readonly name: string;
  /** Stands for the container's filesystem. */
  readonly root: string;
  /** Cluster DNS names → loopback addresses, applied to mounted files. */
  readonly addresses: ReadonlyMap<string, string>;
}

/** The environment the Deployment's first container would get, with its volumes written under `root`. */
export async function deploymentEnvironment(
  cluster: LocalCluster,
  options: DeploymentOptions,
): Promise<Record<string, string>> {
  const { namespace, root } = options;
  const deployment = JSON.parse(
    await cluster.kubectl(['get', 'deployment', options.name, '-n', namespace, '-o', 'json']),
  ) as DeploymentJson;
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  if (!container) throw new Error(`deployment ${namespace}/${options.name} has no container`);
  const mounts = container.volumeMounts ?? [];
  const local = (p: string): string => path.join(root, p);

  for (const mount of mounts) {
    const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume) throw new Error(`volume ${mount.name} of ${namespace}/${options.name} is not defined`);
    const dir = local(mount.mountPath);
    mkdirSync(dir, { recursive: true });
    if (volume.configMap) {
      const cm = JSON.parse(
        await cluster.kubectl(['get', 'configmap', volume.configMap.name, '-n', namespace, '-o', 'json']),
      ) as { data?: Record<string, string> };
      for (const [key, text] of Object.entries(cm.data ?? {})) {
        writeFileSync(path.join(dir, key), withLocalAddresses(text, options.addresses));
      }
    } else if (volume.secret) {
      const secret = JSON.parse(
        await cluster.kubectl(['get', 'secret', volume.secret.secretName, '-n', namespace, '-o', 'json']),
      ) as { data?: Record<string, string> };
      for (const [key, b64] of Object.entries(secret.data ?? {})) {
        writeFileSync(path.join(dir, key), Buffer.from(b64, 'base64'), { mode: 0o600 });
      }
    } else {
      throw new Error(`volume ${mount.name}: only configMap and secret volumes are run locally`);
    }
  }

  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value === undefined) throw new Error(`env ${variable.name}: only plain values are run locally`);
    let value = variable.value;
    for (const mount of mounts) {
      if (value.startsWith(`${mount.mountPath}/`)) value = local(value);
    }
    env[variable.name] = value;
  }
  return env;
}

const DEPLOY = path.resolve(import.meta.dirname, '..', '..', 'deploy');

/**
 * The scaler deployed as users deploy it and run locally: `kubectl apply -k
 * deploy/` (or an overlay's `objects`), then its Deployment run as its
 * container would (plus loopback and free ports), once it is ready. The
 * folder standing for the container's filesystem holds copies of its
 * Secrets: removed by stop() and on any exit.
 */
export async function deployScaler(
  cluster: LocalCluster,
  options: {
    /** What to apply instead of `deploy/`: an overlay's objects. */
    readonly objects?: readonly K8sObject[];
    /** The local broker, for deploy/base/clusters.json's Kafka Service. */
    readonly kafkaBootstrap: string;
    readonly logFile: string;
    /** Settings on top of the Deployment's (e.g. a shorter SCALER_POLL_INTERVAL for a demo). */
    readonly env?: Readonly<Record<string, string>>;
  },
): Promise<ScalerProcess & { readonly address: string }> {
  if (options.objects) {
    const list = { apiVersion: 'v1', kind: 'List', items: options.objects };
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(list));
  } else {
    await cluster.kubectl(['apply', '-k', DEPLOY]);
  }
  const { path: root, remove } = temporaryFolder('kstreams-pod-');
  try {
    const env = await deploymentEnvironment(cluster, {
      namespace: 'kstreams-scaler',
      name: 'kstreams-scaler',
      root,
      addresses: new Map([[KAFKA_SERVICE, options.kafkaBootstrap]]),
    });
    // Where it listens is the local process's: loopback and free ports, whatever the pod spec says.
    for (const name of ['SCALER_HOST', 'SCALER_GRPC_PORT', 'SCALER_HTTP_PORT']) delete env[name];
    const scaler = await startScalerProcess({ logFile: options.logFile, env: { ...env, ...options.env } });
    return {
      get pid() {
        return scaler.pid;
      },
      get running() {
        return scaler.running;
      },
      grpcPort: scaler.grpcPort,
      httpPort: scaler.httpPort,
      logFile: scaler.logFile,
      address: `127.0.0.1:${scaler.grpcPort}`,
      stop: async () => {
        try {
          await scaler.stop();
        } finally {
          remove();
        }
      },
    };
  } catch (err) {
    remove();
    throw err;
  }
}
