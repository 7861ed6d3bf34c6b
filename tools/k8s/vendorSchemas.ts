/**
 * `make k8s-schemas`: refreshes tools/k8s/schemas/, the schemas the manifest
 * tests validate against, from the Go module proxy (the only place they come
 * from without GitHub): the Kubernetes OpenAPI v3 spec of the API groups
 * deploy/ uses, and the CRDs of KEDA and cert-manager. Descriptions are
 * dropped to keep the files small; everything else is kept as published.
 *
 *   node tools/k8s/vendorSchemas.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const OUT = path.join(import.meta.dirname, 'schemas');

/** Pinned sources; bump a version and re-run to follow a release. */
export const SOURCES = {
  kubernetes: {
    module: 'k8s.io/kubernetes',
    version: 'v1.37.2',
    files: [
      'api/openapi-spec/v3/api__v1_openapi.json',
      'api/openapi-spec/v3/apis__apps__v1_openapi.json',
      'api/openapi-spec/v3/apis__policy__v1_openapi.json',
      'api/openapi-spec/v3/apis__networking.k8s.io__v1_openapi.json',
    ],
  },
  keda: {
    module: 'github.com/kedacore/keda/v2',
    version: 'v2.21.0',
    files: [
      'config/crd/bases/keda.sh_scaledobjects.yaml',
      'config/crd/bases/keda.sh_triggerauthentications.yaml',
      'config/crd/bases/keda.sh_clustertriggerauthentications.yaml',
    ],
  },
  certManager: {
    module: 'github.com/cert-manager/cert-manager',
    version: 'v1.21.2',
    files: [
      'deploy/crds/cert-manager.io_certificates.yaml',
      'deploy/crds/cert-manager.io_issuers.yaml',
      'deploy/crds/cert-manager.io_clusterissuers.yaml',
    ],
  },
} as const;

type Json = Record<string, unknown>;

/** Where the Go toolchain unpacked a module version (downloading it first if needed). */
function moduleDir(module: string, version: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
  });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

/** A copy without `description` fields. */
function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Json)
      .filter(([key]) => key !== 'description')
      .map(([key, v]) => [key, withoutDescriptions(v)]),
  );
}

function main(): void {
  mkdirSync(OUT, { recursive: true });
  const k8s = SOURCES.kubernetes;
  const k8sDir = moduleDir(k8s.module, k8s.version);
  const schemas: Json = {};
  for (const file of k8s.files) {
    const spec = JSON.parse(readFileSync(path.join(k8sDir, file), 'utf8')) as { components: { schemas: Json } };
    Object.assign(schemas, spec.components.schemas);
  }
  writeFileSync(
    path.join(OUT, 'kubernetes.json'),
    `${JSON.stringify({ source: `${k8s.module}@${k8s.version}`, schemas: withoutDescriptions(schemas) })}\n`,
  );
  const crds: Json[] = [];
  for (const source of [SOURCES.keda, SOURCES.certManager]) {
    const dir = moduleDir(source.module, source.version);
    for (const file of source.files) {
      const crd = parse(readFileSync(path.join(dir, file), 'utf8')) as {
        spec: {
          group: string;
          names: { kind: string };
          versions: Array<{ name: string; schema: { openAPIV3Schema: Json } }>;
        };
      };
      for (const version of crd.spec.versions) {
        crds.push({
          source: `${source.module}@${source.version}`,
          apiVersion: `${crd.spec.group}/${version.name}`,
          kind: crd.spec.names.kind,
          schema: withoutDescriptions(version.schema.openAPIV3Schema),
        });
      }
    }
  }
  writeFileSync(path.join(OUT, 'crds.json'), `${JSON.stringify(crds)}\n`);
  process.stdout.write(`wrote ${OUT}/kubernetes.json and crds.json (${crds.length} CRD versions)\n`);
}

if (import.meta.main) main();
