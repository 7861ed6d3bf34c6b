/**
 * Renders kustomize directories and validates every object against its
 * schema, offline: kustomize is the real one, built from its Go module
 * (pinned in tools/k8s/go.mod), and the schemas are Kubernetes' published
 * OpenAPI v3 and the KEDA and cert-manager CRDs (tools/k8s/schemas/, see
 * vendorSchemas.ts). Unknown fields are errors, as `kubectl apply
 * --validate=strict` makes them: a typo fails.
 *
 * Why ajv in-process rather than kubeconform -strict: -strict only rejects
 * duplicate keys and picks a schema set already closed to unknown fields, so
 * forbidUnknownFields below would stay; kubeconform also wants one file per
 * kind, a binary built and run per check, and its messages only name the
 * field inside a nested `'allOf' failed` chain. That came to more code than
 * this, for the same objects accepted and the same typos caught.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

const HERE = import.meta.dirname;
const GO_ENV = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };

/** `kustomize build dir` (the first call compiles kustomize, up to a minute). */
export function kustomizeBuild(dir: string): string {
  try {
    return execFileSync('go', ['tool', 'kustomize', 'build', path.resolve(dir)], {
      cwd: HERE,
      encoding: 'utf8',
      env: GO_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = ((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`kustomize build ${dir} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** Every document of a multi-document YAML text, parsed. */
export function parseYamlDocuments(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    return value === null ? [] : [value];
  });
}

type Schema = Record<string, unknown>;

/**
 * Makes a schema reject fields it does not list: every object schema with
 * `properties` and nothing said about other fields gets
 * `additionalProperties: false`, except where Kubernetes keeps unknown fields.
 */
function forbidUnknownFields(schema: unknown): void {
  if (schema === null || typeof schema !== 'object') return;
  if (Array.isArray(schema)) {
    for (const item of schema) forbidUnknownFields(item);
    return;
  }
  const s = schema as Schema;
  if (s['properties'] && s['additionalProperties'] === undefined && !s['x-kubernetes-preserve-unknown-fields']) {
    s['additionalProperties'] = false;
  }
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const property of Object.values(value as Schema)) forbidUnknownFields(property);
    } else if (['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf'].includes(key)) {
      forbidUnknownFields(value);
    }
  }
}

export interface Validator {
  /** Problems of one object, `apiVersion kind/name: /path message`; empty when valid. */
  validate(object: K8sObject): string[];
  /** The apiVersion/kind pairs it knows. */
  readonly kinds: readonly string[];
}

let cached: Validator | undefined;

/** The validator over the vendored schemas (built once). */
export function schemaValidator(): Validator {
  if (cached) return cached;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const byKind = new Map<string, ValidateFunction>();
  const k8s = JSON.parse(readFileSync(path.join(HERE, 'schemas', 'kubernetes.json'), 'utf8')) as {
    schemas: Record<string, Schema>;
  };
  forbidUnknownFields(Object.values(k8s.schemas));
  ajv.addSchema({ $id: 'kubernetes', components: { schemas: k8s.schemas } });
  const objectMeta = { $ref: 'kubernetes#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
  for (const [name, schema] of Object.entries(k8s.schemas)) {
    const kinds = (schema['x-kubernetes-group-version-kind'] ?? []) as Array<{
      group: string;
      version: string;
      kind: string;
    }>;
    for (const gvk of kinds) {
      const key = `${gvk.group ? `${gvk.group}/` : ''}${gvk.version} ${gvk.kind}`;
      byKind.set(key, ajv.compile({ $ref: `kubernetes#/components/schemas/${name}` }));
    }
  }
  const crds = JSON.parse(readFileSync(path.join(HERE, 'schemas', 'crds.json'), 'utf8')) as Array<{
    apiVersion: string;
    kind: string;
    schema: Schema;
  }>;
  for (const crd of crds) {
    forbidUnknownFields(crd.schema);
    // CRD schemas leave metadata open; the API server checks it as ObjectMeta, and so does this.
    const properties = (crd.schema['properties'] ?? {}) as Schema;
    byKind.set(
      `${crd.apiVersion} ${crd.kind}`,
      ajv.compile({ ...crd.schema, properties: { ...properties, metadata: objectMeta } }),
    );
  }
  cached = {
    kinds: [...byKind.keys()].sort(),
    validate(object) {
      const id = `${object.apiVersion} ${object.kind}/${object.metadata?.name ?? '?'}`;
      const check = byKind.get(`${object.apiVersion} ${object.kind}`);
      if (!check) return [`${id}: no schema for ${object.apiVersion} ${object.kind}`];
      if (check(object)) return [];
      return (check.errors ?? []).map((e) => {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        return `${id}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra ? ` ("${extra}")` : ''}`;
      });
    },
  };
  return cached;
}
