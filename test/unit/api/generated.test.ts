import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderTypes } from '../../../src/api/codegen.js';
import { loadCrdFiles, parseCrd, servedVersion, type CrdFile, type JsonSchema } from '../../../src/api/crd-files.js';
import { generate, generatedPath } from '../../../src/api/generate.js';
import { crdProblems, printerColumnProblem, structuralProblems } from '../../../src/api/schema-check.js';

const files = loadCrdFiles();

function crdOf(kind: string): CrdFile {
  const file = files.find((f) => f.crd.spec.names.kind === kind);
  assert.ok(file, `no CRD for ${kind} in manifests/crds`);
  return file;
}

function schemaOf(kind: string): JsonSchema {
  return servedVersion(crdOf(kind).crd).schema.openAPIV3Schema;
}

function columnsOf(kind: string): Map<string, string> {
  return new Map((servedVersion(crdOf(kind).crd).additionalPrinterColumns ?? []).map((c) => [c.name, c.jsonPath]));
}

void describe('src/api/generated.ts', () => {
  void it('is what src/api/generate.ts makes of manifests/crds (run `npm run generate:api` when this fails)', () => {
    assert.equal(readFileSync(generatedPath, 'utf8'), generate(files));
  });
});

void describe('manifests/crds', () => {
  void it('holds one CRD per kind of the API', () => {
    const kinds = files.map((f) => `${f.crd.spec.group}/${servedVersion(f.crd).name} ${f.crd.spec.names.kind}`).sort();
    assert.deepEqual(kinds, [
      'multicluster.x-k8s.io/v1beta1 ServiceExport',
      'multicluster.x-k8s.io/v1beta1 ServiceImport',
      'submariner.io/v1 Cluster',
      'submariner.io/v1 ClusterGlobalEgressIP',
      'submariner.io/v1 Endpoint',
      'submariner.io/v1 Gateway',
      'submariner.io/v1 GlobalEgressIP',
      'submariner.io/v1 GlobalIngressIP',
      'submariner.io/v1 RouteAgent',
      'submariner.io/v1alpha1 Broker',
      'submariner.io/v1alpha1 ServiceDiscovery',
      'submariner.io/v1alpha1 Submariner',
    ]);
  });

  for (const file of files) {
    void it(`${file.file} is a structural schema with printer columns that point at its fields`, () => {
      assert.deepEqual(crdProblems(file), []);
    });
  }

  void it('keeps the scopes and short names Submariner uses', () => {
    assert.equal(crdOf('ClusterGlobalEgressIP').crd.spec.scope, 'Cluster');
    assert.deepEqual(crdOf('ClusterGlobalEgressIP').crd.spec.names.shortNames, ['cgeip']);
    assert.deepEqual(crdOf('GlobalEgressIP').crd.spec.names.shortNames, ['geip']);
    assert.deepEqual(crdOf('GlobalIngressIP').crd.spec.names.shortNames, ['giip']);
    for (const f of files.filter((f) => f.crd.spec.names.kind !== 'ClusterGlobalEgressIP')) {
      assert.equal(f.crd.spec.scope, 'Namespaced', f.file);
    }
  });

  void it('keeps Submariner JSON field names exactly, snake_case and camelCase alike', () => {
    const endpoint = schemaOf('Endpoint').properties?.spec?.properties ?? {};
    assert.deepEqual(Object.keys(endpoint).sort(), [
      'backend', 'backend_config', 'cable_name', 'cluster_id', 'healthCheckIP', 'hostname', 'nat_enabled', 'private_ip', 'public_ip', 'subnets',
    ]);
    const cluster = schemaOf('Cluster').properties?.spec?.properties ?? {};
    assert.deepEqual(Object.keys(cluster).sort(), ['cluster_cidr', 'cluster_id', 'color_codes', 'global_cidr', 'service_cidr']);
    assert.ok(schemaOf('ClusterGlobalEgressIP').properties?.spec?.properties?.numGlobalIPs);
    assert.ok(schemaOf('GlobalEgressIP').properties?.spec?.properties?.numberOfIPs);
    const connection = schemaOf('Gateway').properties?.status?.properties?.connections?.items?.properties ?? {};
    assert.deepEqual(Object.keys(connection).sort(), ['endpoint', 'latencyRTT', 'status', 'statusMessage', 'usingIP', 'usingNAT']);
    assert.deepEqual(Object.keys(connection.latencyRTT?.properties ?? {}), ['last', 'min', 'average', 'max', 'stdDev']);
  });

  void it('has a status subresource exactly where the kind has a status', () => {
    for (const { file, crd } of files) {
      const version = servedVersion(crd);
      const hasStatus = version.schema.openAPIV3Schema.properties?.status !== undefined;
      assert.equal(version.subresources?.status !== undefined, hasStatus, file);
    }
    assert.equal(servedVersion(crdOf('Endpoint').crd).subresources, undefined);
    assert.deepEqual(servedVersion(crdOf('Gateway').crd).subresources, { status: {} });
  });

  void it('has the printer columns users look for', () => {
    assert.equal(columnsOf('Gateway').get('HA Status'), '.status.haStatus');
    assert.equal(columnsOf('Endpoint').get('Cluster ID'), '.spec.cluster_id');
    assert.equal(columnsOf('Endpoint').get('Private IP'), '.spec.private_ip');
    assert.equal(columnsOf('Endpoint').get('Public IP'), '.spec.public_ip');
    assert.equal(columnsOf('Endpoint').get('Backend'), '.spec.backend');
    assert.equal(columnsOf('Cluster').get('Cluster ID'), '.spec.cluster_id');
    assert.equal(columnsOf('GlobalIngressIP').get('IP'), '.status.allocatedIP');
    assert.equal(columnsOf('ServiceImport').get('Type'), '.spec.type');
    assert.equal(columnsOf('ServiceImport').get('IP'), '.spec.ips');
    assert.equal(columnsOf('ServiceExport').get('Valid'), '.status.conditions[?(@.type=="Valid")].status');
  });

  void it('rejects unknown cable drivers with an enum in every place a driver is named', () => {
    const drivers = ['libreswan', 'strongswan', 'wireguard', 'vxlan'];
    assert.deepEqual(schemaOf('Endpoint').properties?.spec?.properties?.backend?.enum, drivers);
    assert.deepEqual(schemaOf('Submariner').properties?.spec?.properties?.cableDriver?.enum, drivers);
  });

  void it('preserves unknown fields nowhere: backend_config is a map of strings', () => {
    const text = files.map((f) => JSON.stringify(f.crd)).join('\n');
    assert.doesNotMatch(text, /x-kubernetes-preserve-unknown-fields/);
    assert.deepEqual(schemaOf('Endpoint').properties?.spec?.properties?.backend_config?.additionalProperties, { type: 'string', maxLength: 1024 });
  });
});

void describe('the CRD checks', () => {
  const base = (): JsonSchema => ({
    type: 'object',
    properties: {
      metadata: { type: 'object' },
      spec: {
        title: 'ThingSpec',
        type: 'object',
        properties: { size: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
      },
      status: {
        title: 'ThingStatus',
        type: 'object',
        properties: {
          conditions: {
            type: 'array',
            items: { title: 'C', type: 'object', required: ['type'], properties: { type: { type: 'string' }, status: { type: 'string' } } },
          },
        },
      },
    },
  });

  void it('accepts a structural schema', () => {
    assert.deepEqual(structuralProblems(base()), []);
  });

  void it('finds a node without a type, root preserve-unknown-fields, a missing required field and an untitled object', () => {
    const schema = base();
    schema['x-kubernetes-preserve-unknown-fields'] = true;
    delete schema.properties!.spec!.properties!.size!.type;
    schema.properties!.spec!.required = ['color'];
    delete schema.properties!.status!.title;
    assert.deepEqual(structuralProblems(schema), [
      'the root schema must not preserve unknown fields',
      '.spec requires color, which is not among its properties',
      '.spec.size has no type',
      '.status is an object with properties but no title (the title names its TypeScript interface)',
    ]);
  });

  void it('follows printer-column JSONPaths through objects, arrays and filters, and checks the column type', () => {
    const root = base();
    const ok = (jsonPath: string, type: 'string' | 'integer' | 'date' = 'string') => printerColumnProblem(root, { name: 'X', type, jsonPath });
    assert.equal(ok('.spec.size', 'integer'), undefined);
    assert.equal(ok('.spec.tags[0]'), undefined);
    assert.equal(ok('.status.conditions[?(@.type=="Ready")].status'), undefined);
    assert.equal(ok('.metadata.creationTimestamp', 'date'), undefined);
    assert.match(ok('.spec.color') ?? '', /no field color/);
    assert.match(ok('.status.conditions[?(@.kind=="Ready")].status') ?? '', /no field kind to filter on/);
    assert.match(ok('.spec.size[*]') ?? '', /applies to an array/);
    assert.match(ok('.spec.tags', 'integer') ?? '', /integer column shows a field of type array/);
    assert.match(ok('.metadata.owner') ?? '', /not a metadata field/);
  });

  void it('checks the file and CRD names and the status subresource', () => {
    const text = readFileSync(new URL('../../../manifests/crds/submariner.io_gateways.yaml', import.meta.url), 'utf8');
    const crd = parseCrd(text, 'gateways.yaml');
    servedVersion(crd).subresources = undefined;
    assert.deepEqual(crdProblems({ file: 'gateways.yaml', crd }), [
      'gateways.yaml: the file should be named submariner.io_gateways.yaml',
      'gateways.yaml: the schema has a status but no status subresource',
    ]);
  });
});

void describe('the TypeScript generator', () => {
  const thing = (spec: JsonSchema): CrdFile => ({
    file: 'example.com_things.yaml',
    crd: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { kind: 'Thing', plural: 'things' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', required: ['spec'], properties: { spec } } } }],
      },
    },
  });

  void it('writes an interface per kind and titled node, enum unions and a descriptor', () => {
    const ts = renderTypes([
      thing({
        title: 'ThingSpec',
        type: 'object',
        required: ['mode'],
        properties: {
          mode: { title: 'Mode', type: 'string', enum: ['on', 'off'], description: 'How it runs.' },
          'udp-port': { type: 'integer' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      }),
    ]);
    assert.match(ts, /export interface Thing \{\n {2}apiVersion: 'example.com\/v1';\n {2}kind: 'Thing';\n {2}metadata: V1ObjectMeta;\n {2}spec: ThingSpec;\n\}/);
    assert.match(ts, /export interface ThingSpec \{\n {2}\/\*\* How it runs. \*\/\n {2}mode: Mode;\n {2}'udp-port'\?: number;\n {2}labels\?: Record<string, string>;\n\}/);
    assert.match(ts, /export const ModeValues = \['on', 'off'\] as const;\nexport type Mode = \(typeof ModeValues\)\[number\];/);
    assert.match(ts, /namespaced: false,/);
  });

  void it('refuses one title for two different schemas, and objects without a title', () => {
    const spec: JsonSchema = {
      title: 'ThingSpec',
      type: 'object',
      properties: { a: { title: 'Ref', type: 'object', properties: { name: { type: 'string' } } }, b: { title: 'Ref', type: 'object', properties: { uid: { type: 'string' } } } },
    };
    assert.throws(() => renderTypes([thing(spec)]), /define Ref differently/);
    assert.throws(() => renderTypes([thing({ title: 'ThingSpec', type: 'object', properties: { x: { type: 'object', properties: {} } } })]), /needs a title/);
  });
});
