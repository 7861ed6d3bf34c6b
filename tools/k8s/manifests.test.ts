/**
 * deploy/ as `kubectl apply -k` would send it: rendered by the real
 * kustomize, every object valid against its schema (unknown fields are
 * errors), the security and availability settings in place, and every
 * example's trigger metadata accepted by the scaler's own parser.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type ClusterProfile, findProfile, parseClusterProfiles } from '../../src/clusterProfiles.ts';
import { parseTriggerMetadata } from '../../src/model/metadata/triggerMetadata.ts';
import { type K8sObject, kustomizeBuild, parseYamlDocuments, schemaValidator } from './manifests.ts';

const DEPLOY = path.resolve(import.meta.dirname, '..', '..', 'deploy');
const EXAMPLES = path.join(DEPLOY, 'examples');

/** The value at a dotted path (`spec.containers.0.image`) of a parsed object, or undefined. */
function get(value: unknown, dotted: string): unknown {
  let current = value;
  for (const key of dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function list(value: unknown, dotted: string): unknown[] {
  const found = get(value, dotted);
  assert.ok(Array.isArray(found), `${dotted} is not a list`);
  return found;
}

/** Sets the value at a dotted path (the parent must exist). */
function set(value: unknown, dotted: string, to: unknown): void {
  const keys = dotted.split('.');
  const parent = get(value, keys.slice(0, -1).join('.')) as Record<string, unknown>;
  parent[keys[keys.length - 1]!] = to;
}

function find(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.ok(found, `no ${kind}${name ? `/${name}` : ''}`);
  return found;
}

/** The item of a list whose `key` is `value`. */
function item(items: readonly unknown[], key: string, value: unknown): unknown {
  const found = items.find((i) => get(i, key) === value);
  assert.ok(found, `no item with ${key} ${String(value)}`);
  return found;
}

describe('deploy/: manifests', function () {
  // The first kustomize build compiles kustomize from its Go module.
  this.timeout(240_000);
  const rendered = new Map<string, K8sObject[]>();
  const examples = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  /** The cluster profiles deploy/ configures (its ConfigMap's clusters.json). */
  let profiles: readonly ClusterProfile[] = [];

  before(() => {
    for (const dir of ['.', 'base', 'examples/tls']) {
      rendered.set(dir, parseYamlDocuments(kustomizeBuild(path.join(DEPLOY, dir)), `deploy/${dir}`));
    }
    for (const file of examples) {
      rendered.set(`examples/${file}`, parseYamlDocuments(readFileSync(path.join(EXAMPLES, file), 'utf8'), file));
    }
    const clusters = String(
      (get(find(rendered.get('.')!, 'ConfigMap'), 'data') as Record<string, string>)['clusters.json'],
    );
    profiles = parseClusterProfiles(clusters, 'clusters.json', {}, () => true).profiles;
  });

  it('renders every kustomization and example, and every object is valid against its schema', () => {
    const validator = schemaValidator();
    const problems = [...rendered.values()].flat().flatMap((o) => validator.validate(o));
    assert.deepEqual(problems, []);
    assert.equal(rendered.get('.')!.length, 9, 'deploy/: the nine objects of the base');
    assert.ok(examples.length >= 5);
  });

  const typos: Array<{ name: string; kind: string; dir: string; spoil: (o: unknown) => void; expect: RegExp }> = [
    {
      name: 'Deployment spec.replicass',
      kind: 'Deployment',
      dir: '.',
      spoil: (o) => set(o, 'spec.replicass', 2),
      expect: /Deployment\/kstreams-scaler: \/spec must NOT have additional properties \("replicass"\)/,
    },
    {
      name: 'a container securityContext.readOnlyRootFileSystem',
      kind: 'Deployment',
      dir: '.',
      spoil: (o) => set(o, 'spec.template.spec.containers.0.securityContext.readOnlyRootFileSystem', true),
      expect: /\/spec\/template\/spec\/containers\/0\/securityContext must NOT have additional properties/,
    },
    {
      name: 'NetworkPolicy ingress namespaceSelectr',
      kind: 'NetworkPolicy',
      dir: '.',
      spoil: (o) => set(o, 'spec.ingress.0.from.0.namespaceSelectr', {}),
      expect: /NetworkPolicy\/kstreams-scaler: \/spec\/ingress\/0\/from\/0 must NOT have additional properties/,
    },
    {
      name: 'PodDisruptionBudget minAvailable as a boolean',
      kind: 'PodDisruptionBudget',
      dir: '.',
      spoil: (o) => set(o, 'spec.minAvailable', true),
      expect: /PodDisruptionBudget\/kstreams-scaler: \/spec\/minAvailable/,
    },
    {
      name: 'ScaledObject trigger metdata',
      kind: 'ScaledObject',
      dir: 'examples/tls',
      spoil: (o) => {
        set(o, 'spec.triggers.0.metdata', get(o, 'spec.triggers.0.metadata'));
        set(o, 'spec.triggers.0.metadata', undefined);
      },
      expect: /ScaledObject\/orders-streams: \/spec\/triggers\/0 must NOT have additional properties \("metdata"\)/,
    },
    {
      name: 'Certificate spec.dnsName',
      kind: 'Certificate',
      dir: 'examples/tls',
      spoil: (o) => set(o, 'spec.dnsName', ['x']),
      expect: /Certificate\/[a-z-]+: \/spec must NOT have additional properties \("dnsName"\)/,
    },
    {
      name: 'ClusterTriggerAuthentication secretTargetRef paramter',
      kind: 'ClusterTriggerAuthentication',
      dir: 'examples/tls',
      spoil: (o) => set(o, 'spec.secretTargetRef.0.paramter', 'caCert'),
      expect:
        /ClusterTriggerAuthentication\/kstreams-scaler-mtls: \/spec\/secretTargetRef\/0 must NOT have additional properties/,
    },
  ];
  for (const t of typos) {
    it(`a typo fails validation: ${t.name}`, () => {
      const object = JSON.parse(JSON.stringify(find(rendered.get(t.dir)!, t.kind))) as K8sObject;
      t.spoil(object);
      const problems = schemaValidator().validate(object);
      assert.ok(
        problems.some((p) => t.expect.test(p)),
        `expected ${t.expect} among ${JSON.stringify(problems)}`,
      );
    });
  }

  it('base Deployment: two replicas, gRPC probes, requests and limits, spread over nodes and zones', () => {
    const deployment = find(rendered.get('.')!, 'Deployment');
    assert.equal(get(deployment, 'spec.replicas'), 2);
    const container = get(deployment, 'spec.template.spec.containers.0');
    assert.deepEqual(get(container, 'livenessProbe.grpc'), { port: 9090, service: 'liveness' });
    assert.deepEqual(get(container, 'readinessProbe.grpc'), { port: 9090, service: 'readiness' });
    for (const path of ['resources.requests.cpu', 'resources.requests.memory', 'resources.limits.memory']) {
      assert.ok(get(container, path), path);
    }
    assert.deepEqual(
      list(deployment, 'spec.template.spec.topologySpreadConstraints').map((c) => get(c, 'topologyKey')),
      ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'],
    );
    assert.match(String(get(container, 'image')), /^ghcr\.io\/kstreams-scaler\/kstreams-scaler:/);
  });

  it('base Deployment: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, no API token', () => {
    const pod = get(find(rendered.get('.')!, 'Deployment'), 'spec.template.spec');
    const expected: Array<[string, unknown]> = [
      ['securityContext.runAsNonRoot', true],
      ['securityContext.seccompProfile.type', 'RuntimeDefault'],
      ['automountServiceAccountToken', false],
      ['containers.0.securityContext.readOnlyRootFilesystem', true],
      ['containers.0.securityContext.allowPrivilegeEscalation', false],
      ['containers.0.securityContext.capabilities.drop', ['ALL']],
    ];
    for (const [path, value] of expected) assert.deepEqual(get(pod, path), value, path);
  });

  it('base Services: headless for gRPC (KEDA balances over the pods it resolves), a plain one for HTTP', () => {
    const objects = rendered.get('.')!;
    const grpc = find(objects, 'Service', 'kstreams-scaler');
    assert.equal(get(grpc, 'spec.clusterIP'), 'None');
    const ports = (service: K8sObject) => list(service, 'spec.ports').map((p) => [get(p, 'name'), get(p, 'port')]);
    assert.deepEqual(ports(grpc), [['grpc', 9090]]);
    assert.deepEqual(ports(find(objects, 'Service', 'kstreams-scaler-http')), [['http', 8080]]);
  });

  it('base: a PodDisruptionBudget keeps one pod; the NetworkPolicy admits gRPC only from the KEDA namespace', () => {
    const objects = rendered.get('.')!;
    assert.equal(get(find(objects, 'PodDisruptionBudget'), 'spec.minAvailable'), 1);
    const grpcRules = list(find(objects, 'NetworkPolicy'), 'spec.ingress').filter((rule) =>
      list(rule, 'ports').some((p) => get(p, 'port') === 9090),
    );
    assert.equal(grpcRules.length, 1);
    assert.deepEqual(get(grpcRules[0], 'from'), [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } } },
    ]);
  });

  it('base: the cluster profiles ConfigMap is mounted where SCALER_CLUSTERS_FILE points, and is a valid profile file', () => {
    const objects = rendered.get('.')!;
    const configMap = find(objects, 'ConfigMap');
    const deployment = find(objects, 'Deployment');
    const container = get(deployment, 'spec.template.spec.containers.0');
    const file = String(get(item(list(container, 'env'), 'name', 'SCALER_CLUSTERS_FILE'), 'value'));
    const mount = list(container, 'volumeMounts').find((m) => file.startsWith(`${String(get(m, 'mountPath'))}/`));
    assert.ok(mount, `nothing mounted at ${file}`);
    const volume = item(list(deployment, 'spec.template.spec.volumes'), 'name', get(mount, 'name'));
    assert.equal(get(volume, 'configMap.name'), configMap.metadata.name, 'the generated (hashed) name');
    const text = String((get(configMap, 'data') as Record<string, string>)[path.basename(file)]);
    assert.deepEqual(parseClusterProfiles(text, 'clusters.json', {}, () => true).problems, []);
    assert.ok(find(objects, 'Secret', 'kstreams-scaler-kafka-credentials'), 'the credentials Secret');
  });

  it('examples: external and external-push, one per strategy, scale to zero with a fallback', () => {
    const scaledObjects = examples
      .flatMap((f) => rendered.get(`examples/${f}`)!)
      .filter((o) => o.kind === 'ScaledObject');
    const types = scaledObjects.map((o) => get(o, 'spec.triggers.0.type'));
    assert.ok(types.includes('external') && types.includes('external-push'));
    const strategies = new Set(scaledObjects.map((o) => get(o, 'spec.triggers.0.metadata.lagStrategy') ?? 'offset'));
    assert.deepEqual([...strategies].sort(), ['offset', 'rate', 'time']);
    for (const file of ['streams-app-external.yaml', 'streams-app-external-push.yaml']) {
      const so = find(rendered.get(`examples/${file}`)!, 'ScaledObject');
      assert.equal(get(so, 'spec.minReplicaCount'), 0, file);
      assert.ok(Number(get(so, 'spec.fallback.failureThreshold')) > 0, file);
      assert.ok(Number(get(so, 'spec.fallback.replicas')) > 0, file);
    }
  });

  it('examples: the scaler accepts every trigger as written, and every cluster they name is a profile of the base', () => {
    const triggers = [...rendered.entries()]
      .filter(([dir]) => dir.startsWith('examples'))
      .flatMap(([dir, objects]) =>
        objects
          .filter((o) => o.kind === 'ScaledObject')
          .flatMap((o) => list(o, 'spec.triggers').map((t) => [dir, t] as const)),
      );
    assert.ok(triggers.length >= 6);
    for (const [dir, trigger] of triggers) {
      const raw = get(trigger, 'metadata') as Record<string, string>;
      const { problems, unknownKeys, metadata } = parseTriggerMetadata(raw);
      assert.deepEqual(problems, [], dir);
      assert.deepEqual(unknownKeys, [], dir);
      assert.ok(
        findProfile(profiles, metadata.cluster, metadata.bootstrapServers),
        `${dir}: the base's profiles allow cluster "${metadata.cluster}" / servers "${metadata.bootstrapServers.join(',')}"`,
      );
      assert.equal(raw['scalerAddress'], 'kstreams-scaler.kstreams-scaler.svc.cluster.local:9090', dir);
    }
  });

  it("README: the ScaledObject shown is valid and its trigger is allowed by the base's cluster profiles", () => {
    const readme = readFileSync(path.join(DEPLOY, '..', 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const scaledObjects = blocks
      .flatMap((b) => parseYamlDocuments(b, 'README.md'))
      .filter((o) => o.kind === 'ScaledObject');
    assert.ok(scaledObjects.length >= 1, 'the README shows a ScaledObject');
    for (const object of scaledObjects) {
      assert.deepEqual(schemaValidator().validate(object), [], 'valid against the KEDA CRD');
      for (const trigger of list(object, 'spec.triggers')) {
        const { problems, metadata } = parseTriggerMetadata(get(trigger, 'metadata') as Record<string, string>);
        assert.deepEqual(problems, []);
        assert.ok(findProfile(profiles, metadata.cluster, metadata.bootstrapServers), 'allowed by deploy/base');
      }
    }
  });

  it('examples/tls: TLS files from the cert-manager Secret, HTTP probes, KEDA given exactly the keys it reads', () => {
    const objects = rendered.get('examples/tls')!;
    const pod = get(find(objects, 'Deployment'), 'spec.template.spec');
    const container = get(pod, 'containers.0');
    const mountPath = String(get(item(list(container, 'volumeMounts'), 'name', 'tls'), 'mountPath'));
    for (const name of ['SCALER_TLS_CERT_FILE', 'SCALER_TLS_KEY_FILE', 'SCALER_TLS_CLIENT_CA_FILE']) {
      assert.ok(String(get(item(list(container, 'env'), 'name', name), 'value')).startsWith(`${mountPath}/`), name);
    }
    const serverCert = find(objects, 'Certificate', 'kstreams-scaler-tls');
    assert.equal(
      get(item(list(pod, 'volumes'), 'name', 'tls'), 'secret.secretName'),
      get(serverCert, 'spec.secretName'),
    );
    assert.equal(get(container, 'livenessProbe.httpGet.path'), '/healthz');
    assert.equal(get(container, 'livenessProbe.grpc'), undefined, 'kubelet gRPC probes cannot speak TLS');
    assert.equal(get(container, 'readinessProbe.httpGet.path'), '/readyz');
    const refs = list(find(objects, 'ClusterTriggerAuthentication'), 'spec.secretTargetRef');
    assert.deepEqual(refs.map((r) => get(r, 'parameter')).sort(), ['caCert', 'tlsClientCert', 'tlsClientKey']);
    const clientCert = find(objects, 'Certificate', 'kstreams-scaler-client');
    assert.ok(refs.every((r) => get(r, 'name') === get(clientCert, 'spec.secretName')));
    assert.equal(
      clientCert.metadata.namespace,
      'keda',
      'a ClusterTriggerAuthentication reads Secrets in KEDA’s namespace',
    );
    const trigger = get(find(objects, 'ScaledObject'), 'spec.triggers.0');
    assert.equal(get(trigger, 'authenticationRef.name'), 'kstreams-scaler-mtls');
    const host = String(get(trigger, 'metadata.scalerAddress')).split(':')[0];
    assert.ok(list(serverCert, 'spec.dnsNames').includes(host), `the server certificate covers ${host}`);
  });
});
