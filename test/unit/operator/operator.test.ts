import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../../../src/base/log.js';
import { parseOperatorConfig, type OperatorConfig } from '../../../src/operator/config.js';
import { annotations, LIGHTHOUSE_START } from '../../../src/api/names.js';
import type { NodeInfo } from '../../../src/operator/gateway-nodes.js';
import { Operator, type OperatorCluster } from '../../../src/operator/operator.js';
import type { GatewayStatus } from '../../../src/api/generated.js';

const kubeadmCorefile = `.:53 {
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
    }
    forward . /etc/resolv.conf
    reload
}
`;

/** A cluster that holds nodes, the coredns ConfigMap and Service IPs, with resourceVersion checks like the apiserver's. */
class FakeCluster implements OperatorCluster {
  nodes = new Map<string, NodeInfo>();
  corefile: string | undefined = kubeadmCorefile;
  version = 1;
  serviceIps = new Map<string, string>();
  writes = 0;

  addNode(name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): void {
    this.nodes.set(name, { name, labels, annotations });
  }

  async listNodes(): Promise<NodeInfo[]> {
    return [...this.nodes.values()].map((n) => structuredClone(n));
  }

  async patchNode(name: string, labels: Record<string, string | null>, annotations: Record<string, string | null>): Promise<void> {
    const node = this.nodes.get(name);
    if (!node) throw Object.assign(new Error(`nodes "${name}" not found`), { code: 404 });
    const merge = (into: Record<string, string>, patch: Record<string, string | null>): void => {
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete into[k];
        else into[k] = v;
      }
    };
    merge(node.labels, labels);
    merge(node.annotations, annotations);
  }

  async readCorefile(): Promise<{ corefile: string; resourceVersion: string } | undefined> {
    return this.corefile === undefined ? undefined : { corefile: this.corefile, resourceVersion: String(this.version) };
  }

  async writeCorefile(corefile: string, resourceVersion: string): Promise<void> {
    if (resourceVersion !== String(this.version)) throw Object.assign(new Error('the object has been modified'), { code: 409 });
    this.corefile = corefile;
    this.version++;
    this.writes++;
  }

  async serviceIp(namespace: string, name: string): Promise<string | undefined> {
    return this.serviceIps.get(`${namespace}/${name}`);
  }

  gateways: GatewayStatus[] = [];
  /** The Submariner object's status.gateways; undefined: no Submariner object. */
  submarinerGateways: GatewayStatus[] | undefined = [];
  statusWrites = 0;

  async listGatewayStatuses(): Promise<GatewayStatus[]> {
    return structuredClone(this.gateways);
  }

  async readSubmarinerGateways(): Promise<GatewayStatus[] | undefined> {
    return structuredClone(this.submarinerGateways);
  }

  async writeSubmarinerGateways(_namespace: string, gateways: GatewayStatus[]): Promise<void> {
    this.submarinerGateways = structuredClone(gateways);
    this.statusWrites++;
  }
}

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function config(env: Record<string, string> = {}): OperatorConfig {
  return parseOperatorConfig({ SUBMARINER_NAMESPACE: 'submariner-operator', SUBMARINER_CLUSTERID: 'cluster1', SUBMARINER_COREDNS_ZONES: 'clusterset.local', ...env });
}

function fleet(): FakeCluster {
  const c = new FakeCluster();
  c.addNode('cp', { 'node-role.kubernetes.io/control-plane': '' });
  c.addNode('worker-b');
  c.addNode('worker-a');
  c.serviceIps.set('submariner-operator/submariner-lighthouse-coredns', '10.96.0.53');
  return c;
}

const gateways = (c: FakeCluster): string[] => [...c.nodes.values()].filter((n) => n.labels['submariner.io/gateway'] === 'true').map((n) => n.name);

void test('operator: with no gateway labelled, picks a worker, labels it once, and keeps the choice', async () => {
  const c = fleet();
  const op = new Operator(c, config(), quiet);
  await op.reconcileGateways();
  assert.deepEqual(gateways(c), ['worker-a']);
  c.addNode('worker-0');
  await op.reconcileGateways();
  assert.deepEqual(gateways(c), ['worker-a'], 'a labelled gateway is kept when nodes come and go');
});

void test('operator: prefers a node with a public-IP annotation, and labels nothing when labelling is off', async () => {
  const c = fleet();
  c.addNode('edge', {}, { 'gateway.submariner.io/public-ip': 'ipv4:192.0.2.1' });
  await new Operator(c, config(), quiet).reconcileGateways();
  assert.deepEqual(gateways(c), ['edge']);
  const off = fleet();
  await new Operator(off, config({ SUBMARINER_LABEL_GATEWAY: 'false' }), quiet).reconcileGateways();
  assert.deepEqual(gateways(off), []);
});

void test('operator: labels exactly the named nodes with the selector the gateway DaemonSet uses, and retries a missing one', async () => {
  const c = fleet();
  const op = new Operator(c, config({ SUBMARINER_GATEWAY_NODES: 'worker-b,late', SUBMARINER_GATEWAY_NODE_SELECTOR: 'example.com/gw=yes' }), quiet);
  const first = await op.reconcileGateways();
  assert.deepEqual([...c.nodes.values()].filter((n) => n.labels['example.com/gw'] === 'yes').map((n) => n.name), ['worker-b']);
  assert.equal(first.requeueAfterMs, 5_000);
  c.addNode('late');
  await op.reconcileGateways();
  assert.deepEqual([...c.nodes.values()].filter((n) => n.labels['example.com/gw'] === 'yes').map((n) => n.name).sort(), ['late', 'worker-b']);
});

void test('operator: forwards the clusterset zones to the Lighthouse DNS Service once it has an IP, idempotently', async () => {
  const c = fleet();
  c.serviceIps.clear();
  const op = new Operator(c, config({ SUBMARINER_COREDNS_ZONES: 'clusterset.local,example.org' }), quiet);
  assert.deepEqual(await op.reconcileCoredns(), { requeueAfterMs: 1_000 });
  assert.equal(c.corefile, kubeadmCorefile, 'nothing is written before the Service has an IP');
  c.serviceIps.set('submariner-operator/submariner-lighthouse-coredns', '10.96.0.53');
  await op.reconcileCoredns();
  assert.match(c.corefile, /clusterset\.local:53 \{\n {4}forward \. 10\.96\.0\.53\n\}/);
  assert.match(c.corefile, /example\.org:53 \{/);
  assert.ok(c.corefile.endsWith(kubeadmCorefile), 'the original server block is kept');
  const writes = c.writes;
  await op.reconcileCoredns();
  assert.equal(c.writes, writes, 'an unchanged Corefile is not written again');
  c.corefile = kubeadmCorefile;
  c.version++;
  await op.reconcileCoredns();
  assert.ok(c.corefile.includes(LIGHTHOUSE_START), 'a block removed by hand is put back');
});

void test('operator: without service discovery it removes a block left from an earlier join', async () => {
  const c = fleet();
  await new Operator(c, config(), quiet).reconcileCoredns();
  await new Operator(c, config({ SUBMARINER_COREDNS_ZONES: '' }), quiet).reconcileCoredns();
  assert.equal(c.corefile, kubeadmCorefile);
});

void test('operator: a cluster without a coredns ConfigMap is left alone', async () => {
  const c = fleet();
  c.corefile = undefined;
  assert.deepEqual(await new Operator(c, config(), quiet).reconcileCoredns(), { requeueAfterMs: 30_000 });
  assert.equal(c.corefile, undefined);
});

void test('operator: uninstall restores the Corefile and takes back the labels it put, keeping hand-set custom labels', async () => {
  const c = fleet();
  c.addNode('hand', { 'example.com/gw': 'yes' });
  const cfg = config({ SUBMARINER_GATEWAY_NODES: 'worker-b', SUBMARINER_GATEWAY_NODE_SELECTOR: 'example.com/gw=yes' });
  const op = new Operator(c, cfg, quiet);
  await op.reconcileGateways();
  await op.reconcileCoredns();
  c.nodes.get('cp')!.labels['submariner.io/gateway'] = 'true';
  await op.uninstall();
  assert.equal(c.corefile, kubeadmCorefile);
  for (const n of c.nodes.values()) {
    assert.equal(n.annotations[annotations.gatewayLabelledBy], undefined, n.name);
    assert.equal(n.labels['submariner.io/gateway'], undefined, n.name);
  }
  assert.equal(c.nodes.get('worker-b')!.labels['example.com/gw'], undefined, 'the label the operator put is removed');
  assert.equal(c.nodes.get('hand')!.labels['example.com/gw'], 'yes', 'a custom label set by hand stays');
  await op.uninstall();
  assert.equal(c.corefile, kubeadmCorefile, 'a second uninstall is harmless');
});

const gatewayStatus = (hostname: string, haStatus: 'active' | 'passive', peers: string[]): GatewayStatus => ({
  version: '0.1.0',
  haStatus,
  localEndpoint: { cluster_id: 'cluster1', hostname } as GatewayStatus['localEndpoint'],
  connections: peers.map((p) => ({ status: 'connected', statusMessage: '', endpoint: { cluster_id: p } as GatewayStatus['localEndpoint'], latencyRTT: { average: '1ms' } })),
});

void test('operator: copies the gateways\' status into the Submariner object, in a stable order, only when it changed', async () => {
  const c = fleet();
  const op = new Operator(c, config(), quiet);
  c.gateways = [gatewayStatus('worker-b', 'passive', []), gatewayStatus('worker-a', 'active', ['cluster2'])];
  await op.reconcileStatus();
  assert.deepEqual(c.submarinerGateways?.map((g) => `${g.localEndpoint.hostname ?? ''} ${g.haStatus} ${g.connections.length}`), ['worker-a active 1', 'worker-b passive 0']);
  await op.reconcileStatus();
  assert.equal(c.statusWrites, 1);
  c.submarinerGateways = undefined;
  await op.reconcileStatus();
  assert.equal(c.submarinerGateways, undefined, 'no Submariner object (service discovery only): nothing is written');
});

void test('operator: bad environment is refused with the variable named', () => {
  assert.throws(() => config({ SUBMARINER_GATEWAY_NODES: 'Bad Node' }), /SUBMARINER_GATEWAY_NODES="Bad Node" is invalid/);
  assert.throws(() => config({ SUBMARINER_GATEWAY_NODE_SELECTOR: 'novalue' }), /SUBMARINER_GATEWAY_NODE_SELECTOR="novalue" is invalid/);
});
