import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { componentEnv, agentComponents, AGENT_ENTRY_POINT, type AgentComponent } from '../../../src/api/agent-env.js';
import { parseClusterValues, renderCluster, toYaml, type KubeObject } from '../../../src/render/index.js';
import { baseValues, secrets } from './fixtures.js';

const render = (overrides = {}): KubeObject[] => renderCluster(parseClusterValues(baseValues(overrides)));
const ids = (objects: KubeObject[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.name}`);

interface Container {
  command: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name: string; containerPort: number; protocol: string }[];
  securityContext?: { privileged?: boolean };
}
interface PodSpec {
  hostNetwork?: boolean;
  nodeSelector?: Record<string, string>;
  tolerations: unknown[];
  containers: Container[];
}
type Workload = KubeObject & { spec: { template: { spec: PodSpec } } };
type Secret = KubeObject & { data: Record<string, string> };
type CR = KubeObject & { spec: Record<string, unknown> };
type Service = KubeObject & { spec: { ports: { port: number; protocol: string }[] } };

function find<T extends KubeObject = Workload>(objects: KubeObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind}/${name} rendered`);
  return found as T;
}
const containerOf = (o: KubeObject): Container => (o as Workload).spec.template.spec.containers[0]!;
const envOf = (o: KubeObject): Record<string, unknown> =>
  Object.fromEntries(containerOf(o).env.map((e) => [e.name, e.value ?? e.valueFrom]));

void test('render: a full join renders the agents in apply order', () => {
  const objects = render({ globalnet: { enabled: true, globalCidr: '242.0.0.0/16' } });
  const names = ids(objects);
  const crds = names.filter((n) => n.startsWith('CustomResourceDefinition/'));
  assert.deepEqual(names.slice(0, crds.length), crds, 'the CRDs come first');
  assert.equal(names[crds.length], 'Namespace/submariner-operator');
  const workloads = names.filter((n) => /^(DaemonSet|Deployment|Service)\//.test(n));
  assert.deepEqual(workloads, [
    'DaemonSet/submariner-gateway',
    'Service/submariner-gateway-metrics',
    'DaemonSet/submariner-routeagent',
    'DaemonSet/submariner-globalnet',
    'Service/submariner-globalnet-metrics',
    'Deployment/submariner-lighthouse-agent',
    'Service/submariner-lighthouse-agent-metrics',
    'Deployment/submariner-lighthouse-coredns',
    'Service/submariner-lighthouse-coredns',
    'Deployment/submariner-operator',
  ]);
  const firstWorkload = names.indexOf('DaemonSet/submariner-gateway');
  for (const before of ['Secret/submariner-broker-secret', 'Secret/submariner-ipsec-psk', 'Submariner/submariner', 'ServiceDiscovery/service-discovery']) {
    assert.ok(names.indexOf(before) >= 0 && names.indexOf(before) < firstWorkload, `${before} comes before the workloads`);
  }
  for (const sa of ['submariner-gateway', 'submariner-routeagent', 'submariner-globalnet', 'submariner-lighthouse-agent', 'submariner-lighthouse-coredns']) {
    for (const kind of ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']) {
      assert.ok(names.includes(`${kind}/${sa}`), `${kind}/${sa} rendered`);
    }
  }
});

void test('render: every object carries the managed-by and part-of labels', () => {
  for (const o of render()) {
    assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'kubectl-submariner', `${o.kind}/${o.metadata.name}`);
    assert.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'submariner', `${o.kind}/${o.metadata.name}`);
  }
});

void test('render: globalnet runs only when enabled', () => {
  assert.ok(!ids(render()).includes('DaemonSet/submariner-globalnet'));
  assert.ok(!ids(render()).includes('ServiceAccount/submariner-globalnet'));
  const on = render({ globalnet: { enabled: true, globalCidr: '242.0.0.0/16' } });
  assert.deepEqual(find(on, 'DaemonSet', 'submariner-globalnet').spec.template.spec.nodeSelector, { 'submariner.io/gateway': 'true' });
  assert.equal(envOf(find(on, 'DaemonSet', 'submariner-gateway')).SUBMARINER_GLOBALCIDR, '242.0.0.0/16');
});

void test('render: without service-discovery no lighthouse objects; without connectivity no datapath objects', () => {
  // Every member installs every CRD; the agents and their configuration depend on the components.
  const agentsOnly = (names: string[]): string[] => names.filter((n) => !n.startsWith('CustomResourceDefinition/'));
  const connectivity = agentsOnly(ids(render({ componentsEnabled: ['connectivity'] })));
  assert.ok(!connectivity.some((n) => n.includes('lighthouse') || n.startsWith('ServiceDiscovery/')), connectivity.join());
  assert.ok(connectivity.includes('Submariner/submariner'));

  const discovery = agentsOnly(ids(render({ componentsEnabled: ['service-discovery'], globalnet: { enabled: true, globalCidr: '242.0.0.0/16' } })));
  assert.ok(!discovery.some((n) => /gateway|routeagent|globalnet|ipsec-psk|^Submariner\//.test(n)), discovery.join());
  assert.ok(discovery.includes('ServiceDiscovery/service-discovery'));
  assert.ok(discovery.includes('Secret/submariner-broker-secret'));
});

void test('render: secrets reach the agents only through secretKeyRef, never inline', () => {
  const objects = render();
  const text = toYaml(objects);
  assert.ok(!text.includes(secrets.token), 'plain broker token absent');
  assert.ok(!text.includes(secrets.psk), 'PSK absent except base64-wrapped in its Secret');
  const gw = envOf(find(objects, 'DaemonSet', 'submariner-gateway'));
  assert.deepEqual(gw.CE_IPSEC_PSK, { secretKeyRef: { name: 'submariner-ipsec-psk', key: 'psk' } });
  assert.deepEqual(gw.BROKER_K8S_APISERVERTOKEN, { secretKeyRef: { name: 'submariner-broker-secret', key: 'token' } });
  assert.deepEqual(gw.BROKER_K8S_CA, { secretKeyRef: { name: 'submariner-broker-secret', key: 'ca.crt' } });
  const psk = find<Secret>(objects, 'Secret', 'submariner-ipsec-psk');
  assert.equal(Buffer.from(psk.data.psk!, 'base64').toString(), secrets.psk);
  const broker = find<Secret>(objects, 'Secret', 'submariner-broker-secret');
  assert.equal(Buffer.from(broker.data.token!, 'base64').toString(), secrets.token);
  assert.equal(broker.data['ca.crt'], secrets.ca);
  assert.equal(Buffer.from(broker.data.namespace!, 'base64').toString(), 'submariner-k8s-broker');
  const cr = find<CR>(objects, 'Submariner', 'submariner');
  assert.equal(cr.spec.ceIPSecPSK, undefined);
  assert.equal(cr.spec.brokerK8sApiServerToken, undefined);
  assert.equal(cr.spec.ceIPSecPSKSecret, 'submariner-ipsec-psk');
});

void test('render: each container runs the agent entry point and reads only contract variables', () => {
  const objects = render({ globalnet: { enabled: true, globalCidr: '242.0.0.0/16' } });
  const byComponent = new Map<AgentComponent, Container>();
  for (const o of objects) {
    if (o.kind !== 'DaemonSet' && o.kind !== 'Deployment') continue;
    const c = containerOf(o);
    assert.equal(c.command[0], AGENT_ENTRY_POINT);
    byComponent.set(c.command[1] as AgentComponent, c);
  }
  assert.deepEqual([...byComponent.keys()], [...agentComponents]);
  for (const [component, c] of byComponent) {
    const contract = new Set<string>(Object.values(componentEnv[component]));
    const rendered = c.env.map((e) => e.name);
    assert.deepEqual(rendered.filter((n) => !contract.has(n)), [], `${component} env outside its contract`);
    assert.deepEqual([...contract].filter((n) => !rendered.includes(n)), [], `${component} contract variables not rendered`);
  }
});

void test('render: gateway is host-network, privileged, on gateway nodes, with its ports', () => {
  const objects = render({ nattPort: 4501, gatewayNodeSelector: { 'example.com/gw': 'yes' } });
  const spec = find(objects, 'DaemonSet', 'submariner-gateway').spec.template.spec;
  assert.equal(spec.hostNetwork, true);
  assert.equal(spec.containers[0]!.securityContext?.privileged, true);
  assert.deepEqual(spec.nodeSelector, { 'example.com/gw': 'yes' });
  assert.deepEqual(
    (spec.containers[0]!.ports ?? []).map((p) => `${p.name}/${p.containerPort}/${p.protocol}`),
    ['cable-encaps/4501/UDP', 'natt-discovery/4490/UDP', 'metrics/32780/TCP'],
  );
  const route = find(objects, 'DaemonSet', 'submariner-routeagent').spec.template.spec;
  assert.equal(route.hostNetwork, true);
  assert.equal(route.nodeSelector, undefined, 'route agent runs on every node');
});

void test('render: lighthouse DNS serves clusterset.local plus custom domains on 53 UDP and TCP', () => {
  const objects = render({ customDomains: ['example.org'], dnsTtlSeconds: 10 });
  const env = envOf(find(objects, 'Deployment', 'submariner-lighthouse-coredns'));
  assert.equal(env.LIGHTHOUSE_DNS_ZONES, 'clusterset.local,example.org');
  assert.equal(env.LIGHTHOUSE_DNS_PORT, '53');
  assert.equal(env.LIGHTHOUSE_METRICS_PORT, '9153');
  assert.equal(env.LIGHTHOUSE_DNS_TTL, '10');
  const svc = find<Service>(objects, 'Service', 'submariner-lighthouse-coredns');
  assert.deepEqual(svc.spec.ports.map((p) => `${p.port}/${p.protocol}`), ['53/UDP', '53/TCP', '9153/TCP']);
});

void test('render: output is deterministic, independent between calls, and valid YAML documents', () => {
  const values = parseClusterValues(baseValues());
  const a = renderCluster(values);
  const text = toYaml(a);
  (a[0]!.metadata.labels as Record<string, string>).changed = 'yes';
  find(a, 'DaemonSet', 'submariner-gateway').spec.template.spec.tolerations.push({ key: 'x' });
  assert.equal(toYaml(renderCluster(values)), text);
  const docs = yaml.loadAll(text) as KubeObject[];
  assert.deepEqual(docs.map((d) => d.kind), renderCluster(values).map((o) => o.kind));
});
