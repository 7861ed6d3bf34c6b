/**
 * A local Kubernetes control plane with the real KEDA operator and metrics
 * adapter, on loopback, for the end-to-end tests and `make demo-keda`.
 *
 * etcd, kube-apiserver and kube-controller-manager (deployment, replicaset,
 * HPA and a few housekeeping controllers) run as local processes built from
 * Kubernetes' own module, and KEDA's operator and adapter from KEDA's
 * (tools/k8s/cluster/build.sh, cached per user). The adapter is registered as
 * the `external.metrics.k8s.io` APIService through an ExternalName Service
 * that points at 127.0.0.1, so the HPA controller reads KEDA's metrics
 * through the aggregation layer as in a real cluster. There is no kubelet,
 * scheduler or kube-proxy: pods stay Pending, and whoever plays the workload
 * follows a Deployment's `spec.replicas`.
 *
 * Certificates are made at every start. Every process is a managed process
 * (tools/managedProcess.ts): in its own process group, stopped (SIGTERM, then
 * SIGKILL) by stop(), and killed with this process by its exit hook or, if
 * it is killed outright, by its watchdog. Logs go to `logDir`, one file per
 * process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { eventually } from '../eventually.ts';
import { freePorts, LOOPBACK } from '../kafka/ports.ts';
import { ManagedProcess, type ProcessOptions, run, temporaryFolder } from '../managedProcess.ts';
import { certificateAuthority, keyPair, type Pem } from '../pki.ts';

export const K8S_VERSION = 'v1.36.4';
export const KEDA_VERSION = 'v2.21.0';

const BUILD_SCRIPT = path.join(import.meta.dirname, 'cluster', 'build.sh');
const STOP_GRACE_MS = 10_000;
const READY_TIMEOUT_MS = 90_000;
/** Seconds between the HPA controller's syncs (its default is 15). */
export const HPA_SYNC_SECONDS = 3;

/** The one error of the local cluster: a single line naming the failed step. */
export class ClusterError extends Error {
  override name = 'ClusterError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(`k8s cluster: ${message}`, options);
  }
}

const clusterError = (message: string, cause?: unknown): ClusterError => new ClusterError(message, { cause });

export interface ClusterOptions {
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Where each process logs (`<name>.log`); a temporary folder, removed by stop(), when absent. */
  readonly logDir?: string;
}

export interface LocalCluster {
  /** The admin (system:masters) kubeconfig: `KUBECONFIG=<this> kubectl …` reaches the cluster. */
  readonly kubeconfig: string;
  /** The API server's URL. */
  readonly server: string;
  /** The folder of the process logs. */
  readonly logDir: string;
  /** The kubectl binary (built with the control plane). */
  readonly kubectlPath: string;
  /** The PID of each process still running, by name. */
  pids(): Record<string, number>;
  /** GETs an API path (e.g. `/apis/apps/v1/namespaces/n/deployments/d`) as the admin; undefined on 404. */
  get<T>(apiPath: string): Promise<T | undefined>;
  /** Runs the cluster's kubectl; resolves with its stdout, rejects with its stderr's first line. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** Stops every process by PID, newest first, and removes the cluster's folder. */
  stop(): Promise<void>;
}

interface Binaries {
  readonly k8s: string;
  readonly keda: string;
  readonly kedaCrds: string;
}

/** Builds (or finds, in the per-user cache) the binaries; progress lines go to `log`. */
export async function buildCluster(
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Binaries> {
  // A managed process: a first build runs for many minutes and must not outlive a cancelled run.
  const build = await run('/bin/bash', [BUILD_SCRIPT], { env, error: clusterError, onLine: log });
  if (build.code !== 0) throw new ClusterError(`building the binaries failed: ${build.lastLine}`);
  const found = Object.fromEntries(
    build.stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const { k8s, keda } = found;
  const kedaCrds = found['keda-crds'];
  if (!k8s || !keda || !kedaCrds) throw new ClusterError(`build.sh printed no binary folders: ${build.stdout}`);
  return { k8s, keda, kedaCrds };
}

interface Pki {
  readonly ca: Pem;
  readonly apiserver: Pem;
  readonly admin: Pem;
  readonly frontProxyCa: Pem;
  readonly frontProxyClient: Pem;
  readonly keda: Pem;
  readonly serviceAccount: { readonly publicKey: string; readonly privateKey: string };
}

async function makePki(): Promise<Pki> {
  const ca = await certificateAuthority('kstreams-scaler-e2e-ca');
  const frontProxyCa = await certificateAuthority('kstreams-scaler-e2e-front-proxy-ca');
  const svc = (name: string): string[] => [`${name}.svc`, `${name}.svc.cluster.local`];
  return {
    ca,
    frontProxyCa,
    apiserver: await ca.sign({
      subject: 'CN=kube-apiserver',
      usages: ['server'],
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', ...svc('kubernetes.default')],
      // 10.96.0.1: the `kubernetes` Service's address in --service-cluster-ip-range.
      ipAddresses: [LOOPBACK, '10.96.0.1'],
    }),
    admin: await ca.sign({ subject: 'CN=kubernetes-admin, O=system:masters', usages: ['client'] }),
    frontProxyClient: await frontProxyCa.sign({ subject: 'CN=front-proxy-client', usages: ['client'] }),
    // KEDA's own: the adapter's serving certificate (the aggregator checks the Service's name) and
    // both ends of the operator ↔ adapter gRPC link, as KEDA's cert rotation would make it.
    keda: await ca.sign({
      subject: 'CN=keda',
      usages: ['server', 'client'],
      dnsNames: ['localhost', ...svc('keda-operator.keda'), ...svc('keda-metrics-apiserver.keda')],
      ipAddresses: [LOOPBACK],
    }),
    serviceAccount: await keyPair(),
  };
}

function kubeconfigText(server: string, pki: Pki): string {
  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority-data': b64(pki.ca.cert) } }],
    users: [
      {
        name: 'admin',
        user: { 'client-certificate-data': b64(pki.admin.cert), 'client-key-data': b64(pki.admin.key) },
      },
    ],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'admin' } }],
    'current-context': 'local',
  });
}

/** The KEDA namespace, the adapter's Service (an ExternalName to loopback) and its APIService. */
function kedaBootstrap(adapterPort: number, ca: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keda' } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'keda-metrics-apiserver', namespace: 'keda' },
        // The aggregator dials https://<externalName>:<APIService port> for an ExternalName Service.
        spec: { type: 'ExternalName', externalName: LOOPBACK },
      },
      {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: 'v1beta1.external.metrics.k8s.io' },
        spec: {
          group: 'external.metrics.k8s.io',
          version: 'v1beta1',
          service: { name: 'keda-metrics-apiserver', namespace: 'keda', port: adapterPort },
          caBundle: Buffer.from(ca).toString('base64'),
          groupPriorityMinimum: 100,
          versionPriority: 100,
        },
      },
    ],
  });
}

export async function startCluster(options: ClusterOptions = {}): Promise<LocalCluster> {
  const log = options.log ?? (() => {});
  const bins = await buildCluster(log);
  const folder = temporaryFolder('kstreams-k8s-');
  const root = folder.path;
  const logDir = options.logDir ?? path.join(root, 'logs');
  mkdirSync(logDir, { recursive: true });
  for (const dir of ['pki', 'keda-certs', 'etcd']) mkdirSync(path.join(root, dir));

  const processes: ManagedProcess[] = [];

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const p of [...processes].reverse()) await p.stop();
    folder.remove();
  };

  try {
    const started = Date.now();
    const pki = await makePki();
    const file = (name: string, text: string): string => {
      const target = path.join(root, 'pki', name);
      writeFileSync(target, text, { mode: 0o600 });
      return target;
    };
    const f = {
      ca: file('ca.crt', pki.ca.cert),
      apiserverCert: file('apiserver.crt', pki.apiserver.cert),
      apiserverKey: file('apiserver.key', pki.apiserver.key),
      frontProxyCa: file('front-proxy-ca.crt', pki.frontProxyCa.cert),
      frontProxyCert: file('front-proxy-client.crt', pki.frontProxyClient.cert),
      frontProxyKey: file('front-proxy-client.key', pki.frontProxyClient.key),
      saPub: file('sa.pub', pki.serviceAccount.publicKey),
      saKey: file('sa.key', pki.serviceAccount.privateKey),
    };
    // KEDA reads ca.crt, tls.crt and tls.key from its --cert-dir.
    const kedaCerts = path.join(root, 'keda-certs');
    writeFileSync(path.join(kedaCerts, 'ca.crt'), pki.ca.cert);
    writeFileSync(path.join(kedaCerts, 'tls.crt'), pki.keda.cert);
    writeFileSync(path.join(kedaCerts, 'tls.key'), pki.keda.key, { mode: 0o600 });

    const [
      etcdClient,
      etcdPeer,
      apiPort,
      kcmPort,
      kedaGrpc,
      operatorMetrics,
      operatorProbes,
      adapterPort,
      adapterMetrics,
    ] = (await freePorts(9)) as [number, number, number, number, number, number, number, number, number];
    const server = `https://${LOOPBACK}:${apiPort}`;
    const kubeconfig = path.join(root, 'admin.kubeconfig');
    writeFileSync(kubeconfig, kubeconfigText(server, pki), { mode: 0o600 });

    const launch = (name: string, binary: string, args: string[], env?: ProcessOptions['env']): ManagedProcess => {
      const p = new ManagedProcess(name, binary, args, {
        logFile: path.join(logDir, `${name}.log`),
        graceMs: STOP_GRACE_MS,
        error: clusterError,
        ...(env ? { env } : {}),
      });
      processes.push(p);
      return p;
    };
    const alive = (p: ManagedProcess): void => {
      if (!p.running)
        throw new ClusterError(`${p.name} exited: ${p.lastInterestingLine()} (log: ${logDir}/${p.name}.log)`);
    };
    const waitFor = async <T>(what: string, p: ManagedProcess, probe: () => Promise<T>, accept: (v: T) => boolean) => {
      try {
        await eventually(
          async () => {
            alive(p);
            return probe();
          },
          accept,
          { timeoutMs: READY_TIMEOUT_MS, everyMs: 250, what },
        );
      } catch (err) {
        if (err instanceof ClusterError) throw err;
        alive(p);
        throw new ClusterError(`${(err as Error).message} (log: ${logDir}/${p.name}.log)`, { cause: err });
      }
    };
    const kubectl = (args: readonly string[], input?: string): Promise<string> =>
      runKubectl(path.join(bins.k8s, 'kubectl'), kubeconfig, args, input);

    const etcd = launch('etcd', path.join(bins.k8s, 'etcd'), [
      '-data-dir',
      path.join(root, 'etcd'),
      '-listen-client-url',
      `http://${LOOPBACK}:${etcdClient}`,
      '-listen-peer-url',
      `http://${LOOPBACK}:${etcdPeer}`,
    ]);
    await etcd.waitFor(
      (line) => line.includes('etcd: ready'),
      READY_TIMEOUT_MS,
      (code) => `etcd exited (${code})`,
    );

    const apiserver = launch('kube-apiserver', path.join(bins.k8s, 'kube-apiserver'), [
      `--etcd-servers=http://${LOOPBACK}:${etcdClient}`,
      `--bind-address=${LOOPBACK}`,
      `--advertise-address=${LOOPBACK}`,
      `--secure-port=${apiPort}`,
      // No kubelet: nothing would keep the `kubernetes` Service's endpoints.
      '--endpoint-reconciler-type=none',
      '--service-cluster-ip-range=10.96.0.0/16',
      `--tls-cert-file=${f.apiserverCert}`,
      `--tls-private-key-file=${f.apiserverKey}`,
      `--client-ca-file=${f.ca}`,
      `--service-account-key-file=${f.saPub}`,
      `--service-account-signing-key-file=${f.saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=RBAC',
      // The aggregation layer: the API server proxies external.metrics.k8s.io to KEDA's adapter.
      `--requestheader-client-ca-file=${f.frontProxyCa}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${f.frontProxyCert}`,
      `--proxy-client-key-file=${f.frontProxyKey}`,
    ]);
    await waitFor(
      'kube-apiserver ready (/readyz)',
      apiserver,
      async () => (await httpsGet(`${server}/readyz`, pki)).status,
      (code) => code === 200,
    );

    const kcm = launch('kube-controller-manager', path.join(bins.k8s, 'kube-controller-manager'), [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${kcmPort}`,
      '--leader-elect=false',
      '--use-service-account-credentials=false',
      '--controllers=deployment-controller,replicaset-controller,horizontal-pod-autoscaler-controller,' +
        'serviceaccount-controller,garbage-collector-controller,namespace-controller',
      `--root-ca-file=${f.ca}`,
      `--horizontal-pod-autoscaler-sync-period=${HPA_SYNC_SECONDS}s`,
      `--cert-dir=${path.join(root, 'kcm-certs')}`,
    ]);
    // The serviceaccount controller made the default namespace's account: the controllers run.
    await waitFor(
      'kube-controller-manager running (the default ServiceAccount exists)',
      kcm,
      () => kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name']),
      (out) => out.trim() === 'serviceaccount/default',
    );

    await kubectl(['apply', '--server-side', '-f', bins.kedaCrds]);
    await kubectl(['apply', '-f', '-'], kedaBootstrap(adapterPort, pki.ca.cert));

    const kedaEnv = {
      ...process.env,
      KUBECONFIG: kubeconfig,
      WATCH_NAMESPACE: '',
      POD_NAMESPACE: 'keda',
      KEDA_CLUSTER_OBJECT_NAMESPACE: 'keda',
    };
    const operator = launch(
      'keda-operator',
      path.join(bins.keda, 'keda-operator'),
      [
        '--leader-elect=false',
        '--enable-cert-rotation=false',
        `--cert-dir=${kedaCerts}`,
        `--ca-dir=${kedaCerts}`,
        `--metrics-service-bind-address=${LOOPBACK}:${kedaGrpc}`,
        `--metrics-bind-address=${LOOPBACK}:${operatorMetrics}`,
        `--health-probe-bind-address=${LOOPBACK}:${operatorProbes}`,
        '--zap-log-level=info',
      ],
      kedaEnv,
    );
    const adapter = launch(
      'keda-adapter',
      path.join(bins.keda, 'keda-adapter'),
      [
        `--secure-port=${adapterPort}`,
        `--bind-address=${LOOPBACK}`,
        // Its Prometheus endpoint: a port only (build.sh makes it bind 127.0.0.1).
        `--port=${adapterMetrics}`,
        `--cert-dir=${kedaCerts}`,
        `--tls-cert-file=${path.join(kedaCerts, 'tls.crt')}`,
        `--tls-private-key-file=${path.join(kedaCerts, 'tls.key')}`,
        `--client-ca-file=${f.ca}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        `--lister-kubeconfig=${kubeconfig}`,
        `--metrics-service-address=${LOOPBACK}:${kedaGrpc}`,
      ],
      kedaEnv,
    );
    await waitFor(
      'KEDA metrics adapter Available as v1beta1.external.metrics.k8s.io',
      adapter,
      async () => {
        alive(operator);
        return kubectl([
          'get',
          'apiservice',
          'v1beta1.external.metrics.k8s.io',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Available")].status}',
        ]);
      },
      (status) => status.trim() === 'True',
    );
    log(
      `Kubernetes ${K8S_VERSION} and KEDA ${KEDA_VERSION} up in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(API server ${server}, KUBECONFIG=${kubeconfig})`,
    );

    return {
      kubeconfig,
      server,
      logDir,
      kubectlPath: path.join(bins.k8s, 'kubectl'),
      pids: () => Object.fromEntries(processes.flatMap((p) => (p.pid === undefined ? [] : [[p.name, p.pid] as const]))),
      get: async <T>(apiPath: string): Promise<T | undefined> => {
        const { status, body } = await httpsGet(`${server}${apiPath}`, pki);
        if (status === 404) return undefined;
        if (status !== 200) throw new ClusterError(`GET ${apiPath}: HTTP ${status} ${body.slice(0, 200)}`);
        return JSON.parse(body) as T;
      },
      kubectl,
      stop,
    };
  } catch (err) {
    await stop();
    throw err instanceof ClusterError ? err : new ClusterError((err as Error).message, { cause: err });
  }
}

async function runKubectl(bin: string, kubeconfig: string, args: readonly string[], input?: string): Promise<string> {
  const kubectl = await run(bin, ['--kubeconfig', kubeconfig, ...args], {
    input: input ?? '',
    timeoutMs: 60_000,
    error: clusterError,
  });
  if (kubectl.code === 0) return kubectl.stdout;
  const first = kubectl.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${kubectl.code}`;
  throw new ClusterError(`kubectl ${args.join(' ')}: ${first.trim()}`);
}

/** A GET with the admin certificate, verified against the cluster CA. */
function httpsGet(url: string, pki: Pki): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key, timeout: 5_000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}
