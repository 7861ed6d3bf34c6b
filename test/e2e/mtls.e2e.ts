/**
 * Mutual TLS between KEDA and the scaler (deploy/examples/tls): the overlay
 * applied with kubectl (its cert-manager objects aside: cert-manager does not
 * run here, so the test issues the Secrets it would, from one CA), the
 * scaler run from the patched Deployment (TLS on, client certificates
 * required), and the example's ScaledObject, whose ClusterTriggerAuthentication
 * hands KEDA `caCert`, `tlsClientCert` and `tlsClientKey`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { type K8sObject, parseYamlDocuments } from '../../tools/k8s/manifests.ts';
import { scalerClient } from '../../tools/keda/scalerClient.ts';
import { certificateAuthority } from '../../tools/pki.ts';
import { e2e } from './fixture.ts';
import { apply, exampleScaledObject, hpa, report, scenario } from './scenario.ts';

const NS = 'e2e-mtls';
const NAME = 'orders-streams';
const TOPIC = 'e2e-mtls-orders';
const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The objects of `kubectl kustomize deploy/examples/tls`. */
function tlsOverlay(kubectl: string, kubeconfig: string): K8sObject[] {
  const text = execFileSync(
    kubectl,
    ['--kubeconfig', kubeconfig, 'kustomize', path.join(ROOT, 'deploy/examples/tls')],
    {
      encoding: 'utf8',
    },
  );
  return parseYamlDocuments(text, 'deploy/examples/tls');
}

function secret(namespace: string, name: string, files: Record<string, string>): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    stringData: files,
  };
}

/**
 * The overlay's objects for the scaler, after issuing the Secrets its cert-manager objects
 * describe (cert-manager does not run here): everything but those and the example ScaledObject.
 */
async function tlsScalerObjects(): Promise<K8sObject[]> {
  const { cluster } = e2e();
  const objects = tlsOverlay(cluster.kubectlPath, cluster.kubeconfig);
  const certManager = objects.filter((o) => o.apiVersion.startsWith('cert-manager.io/'));
  assert.deepEqual(
    certManager.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
    [
      'Certificate/kstreams-scaler-ca',
      'Certificate/kstreams-scaler-client',
      'Certificate/kstreams-scaler-tls',
      'ClusterIssuer/kstreams-scaler-ca',
      'ClusterIssuer/kstreams-scaler-selfsigned',
    ],
    'the overlay issues its certificates with cert-manager',
  );
  // What cert-manager would issue from certificates.yaml and keda-client.yaml: one CA, the
  // server certificate for the Service names (and 127.0.0.1, the address KEDA dials here), and
  // KEDA's client certificate, as kubernetes.io/tls Secrets with ca.crt.
  const ca = await certificateAuthority('kstreams-scaler-ca');
  const serverCert = certManager.find((o) => o.metadata.name === 'kstreams-scaler-tls') as K8sObject & {
    spec: { dnsNames: string[] };
  };
  const server = await ca.sign({
    subject: 'CN=kstreams-scaler',
    usages: ['server'],
    dnsNames: serverCert.spec.dnsNames,
    ipAddresses: ['127.0.0.1'],
  });
  const client = await ca.sign({ subject: 'CN=keda-operator', usages: ['client'] });
  const rest = objects.filter((o) => !certManager.includes(o) && o.kind !== 'ScaledObject');
  await apply(cluster, ...rest.filter((o) => o.kind === 'Namespace'), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'keda' },
  });
  await apply(
    cluster,
    secret('kstreams-scaler', 'kstreams-scaler-tls', {
      'tls.crt': server.cert,
      'tls.key': server.key,
      'ca.crt': ca.cert,
    }),
    secret('keda', 'kstreams-scaler-client-tls', {
      'tls.crt': client.cert,
      'tls.key': client.key,
      'ca.crt': ca.cert,
    }),
  );
  return rest;
}

describe('real KEDA: mutual TLS with a ClusterTriggerAuthentication (deploy/examples/tls)', function () {
  const s = scenario({
    namespace: NS,
    name: NAME,
    topic: TOPIC,
    partitions: 4,
    logName: 'scaler-mtls',
    scalerObjects: tlsScalerObjects,
  });

  it('scales through a TLS connection that presents KEDA’s client certificate', async function () {
    const { cluster } = e2e();
    const scaledObject = exampleScaledObject('tls/scaledobject.yaml', {
      namespace: NS,
      name: NAME,
      scalerAddress: s.scaler.address,
      metadata: { consumerGroup: NAME, topic: TOPIC },
      spec: { pollingInterval: 3, cooldownPeriod: 10 },
    });
    // The patched Deployment turned TLS on: a plaintext client gets nowhere.
    const plaintext = scalerClient(s.scaler.grpcPort, undefined, { 'grpc.max_reconnect_backoff_ms': 1000 });
    try {
      await assert.rejects(plaintext.healthCheck('readiness'), /UNAVAILABLE|14/);
    } finally {
      plaintext.close();
    }
    const trigger = (scaledObject as unknown as { spec: { triggers: Array<{ authenticationRef?: object }> } }).spec
      .triggers[0]!;
    assert.deepEqual(trigger.authenticationRef, { name: 'kstreams-scaler-mtls', kind: 'ClusterTriggerAuthentication' });
    await apply(cluster, scaledObject);
    await s.kafka.produce(TOPIC, 100);
    const at = await s.timeline.waitFor((r) => r === 1, 90_000, 'one replica, over mutual TLS');
    const metric = (await hpa(cluster, NS, NAME))?.spec.metrics[0]?.external;
    assert.ok(metric, 'the HPA has the external metric');
    report(
      `over mutual TLS: 0 → 1 replica ${(at / 1000).toFixed(1)} s after the ScaledObject; metric ${metric.metric.name}`,
    );

    await s.kafka.commit(NAME, TOPIC, 'end');
    await s.timeline.waitFor((r) => r === 0, 90_000, 'back to 0 once the group caught up');
    report(`replicas: ${s.timeline.describe()}`);
    await cluster.kubectl(['delete', 'scaledobject', NAME, '-n', NS, '--wait=true']);
  });
});
