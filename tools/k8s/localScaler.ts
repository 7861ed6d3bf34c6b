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
import type { LocalCluster } from './localCluster.ts';
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

export interface LocalScalerOptions {
  readonly namespace: string;
  readonly name: string;
  /** Stands for the container's filesystem. */
  readonly root: string;
  readonly logFile: string;
  /** Cluster DNS names → loopback addresses, applied to mounted files. */
  readonly addresses: ReadonlyMap<string, string>;
  /** Settings on top of the Deployment's (e.g. a shorter SCALER_POLL_INTERVAL for a demo). */
  readonly env?: Readonly<Record<string, string>>;
}

/** The environment the Deployment's first container would get, with its volumes written under `root`. */
export async function deploymentEnvironment(
  cluster: LocalCluster,
  options: Omit<LocalScalerOptions, 'logFile' | 'env'>,
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

/** Starts the scaler as the Deployment's container would run (plus loopback ports), once it is ready. */
export async function startScalerFromDeployment(
  cluster: LocalCluster,
  options: LocalScalerOptions,
): Promise<ScalerProcess> {
  const env = await deploymentEnvironment(cluster, options);
  // Where it listens is the local process's: loopback and free ports, whatever the pod spec says.
  for (const name of ['SCALER_HOST', 'SCALER_GRPC_PORT', 'SCALER_HTTP_PORT']) delete env[name];
  return startScalerProcess({ logFile: options.logFile, env: { ...env, ...options.env } });
}
