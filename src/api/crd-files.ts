import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

/** An OpenAPI v3 schema node as a CRD holds it (JSON field names, `x-kubernetes-*` extensions included). */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  title?: string;
  description?: string;
  format?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  not?: JsonSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string; messageExpression?: string }[];
  [keyword: string]: unknown;
}

export interface PrinterColumn {
  name: string;
  type: 'integer' | 'number' | 'string' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: Record<string, never> };
  additionalPrinterColumns?: PrinterColumn[];
  schema: { openAPIV3Schema: JsonSchema };
}

/** An `apiextensions.k8s.io/v1` CustomResourceDefinition, as written in manifests/crds. */
export interface Crd {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; plural: string; singular?: string; listKind?: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
  };
}

export interface CrdFile {
  /** Base name, `<group>_<plural>.yaml`. */
  file: string;
  crd: Crd;
}

/** manifests/crds of the installed package, found from this module whether it runs from src/ or dist/src/. */
export function crdDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'manifests', 'crds');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no manifests/crds directory above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Parses one CRD file; YAML anchors are resolved, and only JSON-compatible scalars are recognised. */
export function parseCrd(text: string, file: string): Crd {
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const crd = doc as Partial<Crd> | null;
  if (crd?.apiVersion !== 'apiextensions.k8s.io/v1' || crd.kind !== 'CustomResourceDefinition') {
    throw new Error(`${file}: not an apiextensions.k8s.io/v1 CustomResourceDefinition`);
  }
  if (typeof crd.metadata?.name !== 'string' || !Array.isArray(crd.spec?.versions) || typeof crd.spec.names?.kind !== 'string') {
    throw new Error(`${file}: a CRD needs metadata.name, spec.names.kind and spec.versions`);
  }
  return crd as Crd;
}

/** Every CRD of `dir`, in file-name order. */
export function loadCrdFiles(dir: string = crdDirectory()): CrdFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, crd: parseCrd(readFileSync(join(dir, file), 'utf8'), file) }));
}

/** The one version each of our CRDs serves. */
export function servedVersion(crd: Crd): CrdVersion {
  const [version, ...others] = crd.spec.versions;
  if (version === undefined || others.length > 0) {
    throw new Error(`CRD ${crd.metadata.name} must have exactly one version, it has ${crd.spec.versions.length}`);
  }
  return version;
}
