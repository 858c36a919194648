import { servedVersion, type CrdFile, type JsonSchema, type PrinterColumn } from './crd-files.js';

/**
 * What is wrong with a CRD file, one sentence each (empty when nothing is): naming, structural-schema rules
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema),
 * the status subresource, and printer columns whose JSONPath does not reach a field of the schema.
 */
export function crdProblems({ file, crd }: CrdFile): string[] {
  const problems: string[] = [];
  const { group, names } = crd.spec;
  if (crd.metadata.name !== `${names.plural}.${group}`) {
    problems.push(`${file}: metadata.name is ${crd.metadata.name}, expected ${names.plural}.${group}`);
  }
  if (file !== `${group}_${names.plural}.yaml`) problems.push(`${file}: the file should be named ${group}_${names.plural}.yaml`);
  let version;
  try {
    version = servedVersion(crd);
  } catch (err) {
    return [...problems, `${file}: ${(err as Error).message}`];
  }
  const root = version.schema.openAPIV3Schema;
  problems.push(...structuralProblems(root).map((p) => `${file}: ${p}`));
  const hasStatus = root.properties?.status !== undefined;
  if (hasStatus !== (version.subresources?.status !== undefined)) {
    problems.push(`${file}: ${hasStatus ? 'the schema has a status but no status subresource' : 'a status subresource without a status in the schema'}`);
  }
  for (const column of version.additionalPrinterColumns ?? []) {
    const problem = printerColumnProblem(root, column);
    if (problem !== undefined) problems.push(`${file}: printer column "${column.name}": ${problem}`);
  }
  return problems;
}

const junctors = ['allOf', 'anyOf', 'oneOf', 'not'] as const;
const forbiddenInJunctors = ['type', 'description', 'default', 'additionalProperties', 'nullable', 'properties', 'items', 'title'];

/** Structural-schema violations of a CRD's root schema, plus the conventions our TypeScript generator relies on. */
export function structuralProblems(root: JsonSchema): string[] {
  const problems: string[] = [];
  if (root.type !== 'object') problems.push('the root schema must be of type object');
  if (root['x-kubernetes-preserve-unknown-fields'] === true) problems.push('the root schema must not preserve unknown fields');
  for (const top of ['spec', 'status']) {
    if (root.properties?.[top]?.['x-kubernetes-preserve-unknown-fields'] === true) problems.push(`.${top} must not preserve unknown fields`);
  }
  const metadata = root.properties?.metadata;
  if (metadata !== undefined) {
    const extra = Object.keys(metadata.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
    if (metadata.type !== 'object' || extra.length > 0) problems.push('metadata may only be of type object and restrict name and generateName');
  }
  walk(root, '', (node, path) => {
    const where = path === '' ? 'the root schema' : path;
    const typeless = node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
    if (node.type === undefined && !typeless) problems.push(`${where} has no type`);
    if (node.properties !== undefined && node.additionalProperties !== undefined) {
      problems.push(`${where} has both properties and additionalProperties`);
    }
    if (node.type === 'array' && node.items === undefined) problems.push(`${where} is an array without items`);
    for (const name of node.required ?? []) {
      if (node.properties?.[name] === undefined) problems.push(`${where} requires ${name}, which is not among its properties`);
    }
    for (const key of node['x-kubernetes-list-map-keys'] ?? []) {
      if (!(node.items?.required ?? []).includes(key)) problems.push(`${where} is a map list keyed by ${key}, which its items must require`);
    }
    for (const junctor of junctors) {
      const branches = node[junctor];
      if (branches === undefined) continue;
      for (const branch of Array.isArray(branches) ? branches : [branches]) {
        const bad = forbiddenInJunctors.filter((k) => branch[k] !== undefined);
        if (bad.length > 0) problems.push(`${where}: ${junctor} must not set ${bad.join(', ')}`);
      }
    }
    if (path !== '' && path !== '.metadata' && node.type === 'object' && node.properties !== undefined && node.title === undefined) {
      problems.push(`${where} is an object with properties but no title (the title names its TypeScript interface)`);
    }
  });
  return problems;
}

function walk(node: JsonSchema, path: string, visit: (node: JsonSchema, path: string) => void): void {
  visit(node, path);
  for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`, visit);
  if (node.items !== undefined) walk(node.items, `${path}[]`, visit);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}{}`, visit);
}

/** Fields of ObjectMeta a printer column may show; the schema itself says nothing about metadata. */
const metadataFields = new Set([
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'labels', 'annotations',
]);

/** Why `column.jsonPath` does not lead to a field of `root` of the column's type, or undefined when it does. */
export function printerColumnProblem(root: JsonSchema, column: PrinterColumn): string | undefined {
  const steps = column.jsonPath.match(/\.[A-Za-z0-9_-]+|\[\*\]|\[\d+\]|\[\?\(@\.[A-Za-z0-9_-]+\s*==\s*(?:"[^"]*"|'[^']*')\)\]/g);
  if (steps === null || steps.join('') !== column.jsonPath) return `cannot parse the JSONPath ${column.jsonPath}`;
  let node: JsonSchema = root;
  for (const [i, step] of steps.entries()) {
    if (step.startsWith('.')) {
      const name = step.slice(1);
      if (i === 0 && name === 'metadata') {
        const field = steps[1]?.slice(1);
        if (field === undefined || !metadataFields.has(field)) return `${column.jsonPath} is not a metadata field`;
        if (column.type === 'date' && field !== 'creationTimestamp' && field !== 'deletionTimestamp') return 'a date column must show a timestamp';
        return undefined;
      }
      if (node['x-kubernetes-preserve-unknown-fields'] === true) return undefined;
      const child: JsonSchema | undefined =
        node.properties?.[name] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      if (child === undefined) return `${column.jsonPath}: the schema has no field ${name} here`;
      node = child;
    } else {
      if (node.type !== 'array' || node.items === undefined) return `${column.jsonPath}: ${step} applies to an array, the schema has ${node.type ?? 'no type'}`;
      node = node.items;
      const filterField = /^\[\?\(@\.([A-Za-z0-9_-]+)/.exec(step)?.[1];
      if (filterField !== undefined && node.properties?.[filterField] === undefined) {
        return `${column.jsonPath}: the items have no field ${filterField} to filter on`;
      }
    }
  }
  return columnTypeProblem(node, column);
}

function columnTypeProblem(node: JsonSchema, column: PrinterColumn): string | undefined {
  const expected: Partial<Record<PrinterColumn['type'], JsonSchema['type'][]>> = {
    integer: ['integer'],
    number: ['integer', 'number'],
    boolean: ['boolean'],
    date: ['string'],
  };
  const allowed = expected[column.type];
  if (allowed !== undefined && !allowed.includes(node.type)) return `a ${column.type} column shows a field of type ${node.type ?? 'unknown'}`;
  if (column.type === 'date' && node.format !== 'date-time') return 'a date column must show a date-time field';
  return undefined;
}
