import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubeConfig, type KubernetesObject,
} from '@kubernetes/client-node';
import { ClusterGlobalEgressIPResource, allResources, apiMessage, crdNameOf, customObjectRef, installCrds } from '../../../src/api/index.js';
import { apiStatus } from '../../../src/kube/apply.js';
import { kubectl } from '../../support/binaries.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { eventually } from '../../support/kubectl.js';
import { samples } from './samples.js';

let fleet: TestFleet;
let kc: KubeConfig;
let objects: KubernetesObjectApi;
const namespace = `api-crds-${randomBytes(3).toString('hex')}`;

before(async () => {
  fleet = await useFleet();
  kc = fleet.kubeConfig('cluster1');
  objects = KubernetesObjectApi.makeApiClient(kc);
  await installCrds(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
});

after(async () => {
  if (kc === undefined) return;
  await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace }).catch(() => undefined);
  await kc
    .makeApiClient(CustomObjectsApi)
    .deleteClusterCustomObject({ ...customObjectRef(ClusterGlobalEgressIPResource), name: `${namespace}-egress` })
    .catch(() => undefined);
  // The cluster is left as found: the files after this one compare cluster1's inventory with what they first saw.
  const core = kc.makeApiClient(CoreV1Api);
  await eventually(async () => core.readNamespace({ name: namespace }).then(() => undefined, (err: unknown) => (apiStatus(err) === 404 ? true : undefined)), 60_000, `namespace ${namespace} gone`);
});

/** What the apiserver says when it refuses to create `object`. */
async function rejection(object: KubernetesObject & { spec?: unknown }): Promise<string> {
  try {
    await objects.create(object);
  } catch (err) {
    return apiMessage(err);
  }
  assert.fail(`the apiserver accepted ${object.kind} ${JSON.stringify(object)}`);
}

function kubectlGet(resource: string): string {
  const r = spawnSync(kubectl, ['--kubeconfig', fleet.kubeconfigPath, '--context', 'cluster1', '-n', namespace, 'get', resource], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

void describe('CRDs on a real kube-apiserver', () => {
  void it('install with server-side apply as kubectl-submariner, are Established, and installing again changes nothing', async () => {
    const again = await installCrds(kc);
    assert.deepEqual(
      again.map((c) => `${c.name} ${c.result}`).sort(),
      allResources.map((r) => `${crdNameOf(r)} unchanged`).sort(),
    );
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'gateways.submariner.io' });
    assert.ok(crd.metadata?.managedFields?.some((f) => f.manager === 'kubectl-submariner' && f.operation === 'Apply'));
    assert.ok(crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
  });

  void it('installs only the CRDs asked for, and names the choices when one is unknown', async () => {
    const some = await installCrds(kc, { crds: ['clusters.submariner.io', 'endpoints.submariner.io'] });
    assert.deepEqual(some.map((c) => c.name), ['clusters.submariner.io', 'endpoints.submariner.io']);
    await assert.rejects(installCrds(kc, { crds: ['endpoint.submariner.io'] }), /unknown CRD endpoint\.submariner\.io: choose among .*endpoints\.submariner\.io/);
  });
});

void describe('objects of every kind round trip through KubernetesObjectApi', () => {
  for (const sample of samples(namespace)) {
    const { object, status } = sample;
    void it(`${object.kind} ${status === undefined ? 'keeps its spec' : 'keeps its spec and its status'}`, async () => {
      type Stored = KubernetesObject & { spec?: unknown; status?: unknown };
      const header = { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name!, namespace: object.metadata.namespace } };
      const created = await objects.create<Stored>(object);
      assert.equal(created.kind, object.kind);
      const read = await objects.read<Stored>(header);
      assert.deepEqual(read.spec, (object as Stored).spec);
      if (status === undefined) return;
      const resource = allResources.find((r) => r.kind === object.kind)!;
      const body: { metadata: { managedFields?: unknown } } = JSON.parse(JSON.stringify(read));
      delete body.metadata.managedFields;
      const where = { group: resource.group, version: resource.version, plural: resource.plural, name: header.metadata.name, body: { ...body, status } };
      const custom = kc.makeApiClient(CustomObjectsApi);
      if (resource.namespaced) {
        await custom.replaceNamespacedCustomObjectStatus({ ...where, namespace });
      } else {
        await custom.replaceClusterCustomObjectStatus(where);
      }
      const updated = await objects.read<Stored>(header);
      assert.deepEqual(updated.status, status);
      assert.deepEqual(updated.spec, (object as Stored).spec);
    });
  }

  void it('kubectl get shows the printer columns users look for', () => {
    assert.match(kubectlGet('gateways.submariner.io'), /^NAME\s+HA STATUS\s+CLUSTER ID\s+BACKEND\s+AGE\ncluster1-worker\s+active\s+cluster1\s+libreswan\s/);
    assert.match(
      kubectlGet('endpoints.submariner.io'),
      /^NAME\s+CLUSTER ID\s+PRIVATE IP\s+PUBLIC IP\s+BACKEND\s+AGE\ncluster1-submariner-cable-cluster1-172-18-0-4\s+cluster1\s+172\.18\.0\.4\s+libreswan\s/,
    );
    assert.match(kubectlGet('giip'), /^NAME\s+IP\s+TARGET\s+AGE\nnginx\s+242\.1\.0\.20\s+ClusterIPService\s/);
    assert.match(kubectlGet('serviceimports'), /^NAME\s+TYPE\s+IP\s+AGE\nnginx\s+ClusterSetIP\s+\["243\.0\.0\.10"\]\s/);
    assert.match(kubectlGet('svcex'), /^NAME\s+VALID\s+READY\s+AGE\nnginx\s+True\s+True\s/);
  });
});

void describe('the apiserver rejects what is clearly wrong, with the schema message', () => {
  const cluster = (spec: Record<string, unknown>) => ({
    apiVersion: 'submariner.io/v1',
    kind: 'Cluster',
    metadata: { name: `bad-${randomBytes(3).toString('hex')}`, namespace },
    spec: { cluster_id: 'cluster9', ...spec },
  });
  const endpoint = (spec: Record<string, unknown>) => ({
    apiVersion: 'submariner.io/v1',
    kind: 'Endpoint',
    metadata: { name: `bad-${randomBytes(3).toString('hex')}`, namespace },
    spec: {
      cluster_id: 'cluster9', cable_name: 'submariner-cable-cluster9-10-0-0-9', hostname: 'n', subnets: ['10.9.0.0/16'], private_ip: '10.0.0.9',
      nat_enabled: false, backend: 'vxlan', ...spec,
    },
  });

  void it('a CIDR that is not a CIDR', async () => {
    assert.match(await rejection(cluster({ service_cidr: ['10.96.0.0/33'] })), /service_cidr '10\.96\.0\.0\/33' is not a CIDR: use an address and a prefix length/);
    assert.match(await rejection(endpoint({ subnets: ['10.9.0.0'] })), /subnet '10\.9\.0\.0' is not a CIDR/);
  });

  void it('an unknown cable driver', async () => {
    assert.match(await rejection(endpoint({ backend: 'openvpn' })), /spec\.backend: Unsupported value: "openvpn": supported values: "libreswan", "strongswan", "wireguard", "vxlan"/);
  });

  void it('a negative or too large port', async () => {
    const serviceImport = (port: number) => ({
      apiVersion: 'multicluster.x-k8s.io/v1beta1',
      kind: 'ServiceImport',
      metadata: { name: `bad-${port}`, namespace },
      spec: { type: 'ClusterSetIP', ports: [{ port, protocol: 'TCP' }] },
    });
    assert.match(await rejection(serviceImport(-1)), /spec\.ports\[0\]\.port: Invalid value: -1: spec\.ports\[0\]\.port in body should be greater than or equal to 1/);
    assert.match(await rejection(serviceImport(65536)), /should be less than or equal to 65535/);
    assert.match(await rejection(endpoint({ backend_config: { 'udp-port': '-4500' } })), /backend_config udp-port '-4500' is not a port number between 1 and 65535/);
  });

  void it('a cluster ID that is not a DNS-1123 label', async () => {
    assert.match(await rejection(cluster({ cluster_id: 'Cluster_1' })), /cluster_id 'Cluster_1' is not a DNS-1123 label: use lowercase letters, digits and '-'/);
  });

  void it('an IP that is not an IP, too many global IPs, and a GlobalIngressIP without its target', async () => {
    assert.match(await rejection(endpoint({ private_ip: '10.0.0.300' })), /private_ip '10\.0\.0\.300' is not an IP address/);
    assert.match(
      await rejection({ apiVersion: 'submariner.io/v1', kind: 'GlobalEgressIP', metadata: { name: 'many', namespace }, spec: { numberOfIPs: 21 } }),
      /spec\.numberOfIPs in body should be less than or equal to 20/,
    );
    assert.match(
      await rejection({ apiVersion: 'submariner.io/v1', kind: 'GlobalIngressIP', metadata: { name: 'orphan', namespace }, spec: { target: 'ClusterIPService' } }),
      /target ClusterIPService needs serviceRef naming the Service/,
    );
  });

  void it('a Submariner CR with a bad CIDR list or cable driver', async () => {
    const submariner = (spec: Record<string, unknown>) => ({
      apiVersion: 'submariner.io/v1alpha1',
      kind: 'Submariner',
      metadata: { name: `bad-${randomBytes(3).toString('hex')}`, namespace },
      spec: { clusterID: 'cluster9', namespace: 'submariner-operator', brokerK8sApiServer: 'b:6443', brokerK8sRemoteNamespace: 'submariner-k8s-broker', ...spec },
    });
    assert.match(await rejection(submariner({ clusterCIDR: '10.0.0.0/16,nope' })), /'10\.0\.0\.0\/16,nope' is not a CIDR or a comma-separated list of CIDRs/);
    assert.match(await rejection(submariner({ cableDriver: 'ipsec' })), /Unsupported value: "ipsec"/);
  });
});
