import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { EndpointResource, RouteAgentResource, type Endpoint, type RouteAgent } from '../../../src/api/generated.js';
import { installCrds } from '../../../src/api/index.js';
import { mergePatch } from '../../../src/kube/apply.js';
import { poll } from '../../../src/net/fake/index.js';
import { RouteAgentController, ViewState } from '../../../src/routeagent/controller.js';
import { Registry } from '../../../src/routeagent/event/registry.js';
import { HealthCheckerHandler } from '../../../src/routeagent/handlers/healthchecker/handler.js';
import { KubeRouteAgentStatusWriter } from '../../../src/routeagent/handlers/healthchecker/status-writer.js';
import { KubeProxyHandler } from '../../../src/routeagent/handlers/kubeproxy/handler.js';
import { localCidrs } from '../../../src/routeagent/view.js';
import { watchCluster } from '../../../src/routeagent/watch.js';
import { useFleet } from '../../support/fleet.js';
import { fakeNode, memoryLog } from '../../unit/routeagent/fixtures.js';

const id = randomBytes(3).toString('hex');
const namespace = `routeagent-${id}`;
const nodeNames = { gw: `ksra-${id}-gw`, gw2: `ksra-${id}-gw2`, worker: `ksra-${id}-worker` };
const nodeIps = { gw: '10.250.1.10', gw2: '10.250.1.12', worker: '10.250.1.11' };
const config = {
  clusterId: 'east',
  nodeName: nodeNames.worker,
  clusterCidrs: ['10.244.0.0/16'],
  serviceCidrs: ['10.96.0.0/16'],
  globalCidrs: [],
};

let kc: KubeConfig;
let custom: CustomObjectsApi;
let core: CoreV1Api;

function endpoint(name: string, clusterId: string, hostname: string, privateIp: string, subnets: string[]): Endpoint {
  return {
    apiVersion: 'submariner.io/v1',
    kind: 'Endpoint',
    metadata: { name, namespace },
    spec: { cluster_id: clusterId, cable_name: `submariner-cable-${name}`, hostname, subnets, private_ip: privateIp, nat_enabled: false, backend: 'vxlan', healthCheckIP: '10.245.0.1' },
  };
}

const { group, version, plural } = EndpointResource;
const createEndpoint = (e: Endpoint) => custom.createNamespacedCustomObject({ group, version, plural, namespace, body: e });
const deleteEndpoint = (name: string) => custom.deleteNamespacedCustomObject({ group, version, plural, namespace, name });

before(async () => {
  kc = (await useFleet()).kubeConfig('cluster1');
  custom = kc.makeApiClient(CustomObjectsApi);
  core = kc.makeApiClient(CoreV1Api);
  await installCrds(kc);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  for (const key of ['gw', 'gw2', 'worker'] as const) {
    const body: V1Node = { metadata: { name: nodeNames[key] }, status: { addresses: [{ type: 'InternalIP', address: nodeIps[key] }] } };
    await core.createNode({ body });
    await core.patchNodeStatus({ name: nodeNames[key], body: { status: body.status } }, mergePatch);
  }
});

after(async () => {
  if (core === undefined) return;
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  for (const name of Object.values(nodeNames)) await core.deleteNode({ name }).catch(() => undefined);
});

void describe('route agent against a real kube-apiserver', () => {
  void it('programs the node from the Endpoints and Nodes it watches, follows a failover and writes its RouteAgent', async () => {
    const fake = await fakeNode('east-worker');
    const log = memoryLog();
    const state = new ViewState(config);
    const registry = new Registry('generic', state, log);
    await registry.add(
      new KubeProxyHandler({ ip: fake.ip, packetFilter: fake.iptables, clusterCidrs: config.clusterCidrs, localCidrs: localCidrs(config), log }),
      new HealthCheckerHandler({
        enabled: true, intervalMs: 200, maxPacketLossCount: 3, version: 'v0.0.0-test', log,
        ping: async () => 500_000,
        writer: new KubeRouteAgentStatusWriter(kc, namespace, nodeNames.worker),
      }),
    );
    const notify: { changed?: () => void } = {};
    const watches = watchCluster(kc, namespace, () => notify.changed?.(), log);
    const controller = new RouteAgentController({ config, source: watches, state, registry, log });
    notify.changed = () => controller.changed();
    await watches.start();
    try {
      await createEndpoint(endpoint('east-a', 'east', nodeNames.gw, nodeIps.gw, ['10.96.0.0/16', '10.244.0.0/16']));
      await createEndpoint(endpoint('west', 'west', 'west-gw', '172.20.0.9', ['10.97.0.0/16', '10.245.3.0/16']));
      const routesVia = async (gateway: string) =>
        poll(`routes via ${gateway}`, async () => {
          const routes = fake.kernel.state().routes.filter((r) => r.dev === 'vx-submariner');
          const ok = routes.length === 2 && routes.every((r) => r.gateway === gateway);
          return { value: ok ? routes.map((r) => r.dst) : undefined, seen: routes };
        }, { timeoutMs: 10_000 });
      assert.deepEqual(await routesVia('240.250.1.10'), ['10.97.0.0/16', '10.245.0.0/16']);
      assert.equal(fake.kernel.state().links.get('vx-submariner')?.vxlan?.remote, nodeIps.gw);

      const ra = await poll('the RouteAgent status', async () => {
        const obj = (await custom.getNamespacedCustomObject({ ...RouteAgentResource, namespace, name: nodeNames.worker }).catch(() => undefined)) as RouteAgent | undefined;
        return { value: obj?.status?.remoteEndpoints[0]?.status === 'connected' ? obj : undefined, seen: obj?.status };
      }, { timeoutMs: 10_000 });
      assert.equal(ra.status?.version, 'v0.0.0-test');
      assert.equal(ra.status?.remoteEndpoints[0]?.spec.cluster_id, 'west');

      const started = Date.now();
      await createEndpoint(endpoint('east-b', 'east', nodeNames.gw2, nodeIps.gw2, ['10.96.0.0/16', '10.244.0.0/16']));
      await deleteEndpoint('east-a');
      await routesVia('240.250.1.12');
      assert.ok(Date.now() - started < 5000, 'the routes follow the new gateway within seconds');
      assert.equal(fake.kernel.state().links.get('vx-submariner')?.vxlan?.remote, nodeIps.gw2);

      await createEndpoint(endpoint('south', 'south', 'south-gw', '172.20.0.10', ['10.244.128.0/17']));
      await poll('a warning about the overlapping Endpoint', async () => {
        const w = log.lines.find((l) => l.level === 'warn' && l.message.includes('ignoring Endpoint south'));
        return { value: w, seen: log.lines.filter((l) => l.level === 'warn').map((l) => l.message) };
      }, { timeoutMs: 10_000 });
      assert.deepEqual(await routesVia('240.250.1.12'), ['10.97.0.0/16', '10.245.0.0/16']);
    } finally {
      controller.stop();
      await watches.stop();
      await registry.stop();
    }
    assert.equal(fake.kernel.state().links.has('vx-submariner'), true, 'stopping leaves the node programmed');
  });
});
