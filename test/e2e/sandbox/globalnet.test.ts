// join --globalnet on the shared sandbox: the GlobalNet DaemonSet is deployed on the gateway nodes, and uninstall
// still switches every agent to uninstall mode, gets each pod's report and leaves the clusters as they were.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { eventually, inventory, kubectlFor, type Kubectl } from '../../support/kubectl.js';
import { nodeNetworkState, submariner } from '../../support/submariner.js';

const clusters = ['cluster1', 'cluster2'] as const;
let fleet: TestFleet;
const k = {} as Record<(typeof clusters)[number], Kubectl>;

before(async () => {
  fleet = await useFleet();
  for (const c of clusters) k[c] = kubectlFor(fleet.kubeconfigPath, c);
});

describe('a GlobalNet join', () => {
  it('deploys GlobalNet on the gateway nodes; uninstall then warns of nothing and leaves the clusters as they were', async () => {
    const inventories = new Map<string, string>();
    for (const c of clusters) inventories.set(c, await inventory(k[c], c));
    const brokerInfo = join(mkdtempSync(join(tmpdir(), 'ksub-e2e-gn-')), 'broker-info.subm');
    submariner(fleet.kubeconfigPath, 'deploy-broker', '--context', 'cluster1', '--globalnet', '--broker-info', brokerInfo);
    for (const c of clusters) {
      submariner(fleet.kubeconfigPath, 'join', brokerInfo, '--context', c, '--clusterid', c, '--cable-driver', 'vxlan', '--gateway-node', `${c}-gateway`, '--gateway-node', `${c}-gateway2`);
    }
    for (const c of clusters) {
      const nodes = await eventually(async () => {
        const out = (await k[c](['-n', 'submariner-operator', 'get', 'pods', '-l', 'app=submariner-globalnet', '-o', 'jsonpath={.items[*].spec.nodeName}'])).trim();
        return out.split(' ').length === 2 ? out.split(' ').sort() : undefined;
      }, 60_000, `${c}: a GlobalNet pod on each gateway node`);
      assert.deepEqual(nodes, [`${c}-gateway`, `${c}-gateway2`]);
    }

    for (const c of ['cluster2', 'cluster1'] as const) {
      const r = submariner(fleet.kubeconfigPath, 'uninstall', '-y', '--context', c);
      // No warning: every agent reported its node clean, and the cluster left the broker.
      assert.doesNotMatch(r.stderr, /⚠/, `${c}: kubectl submariner uninstall`);
    }
    for (const c of clusters) assert.equal(await inventory(k[c], c), inventories.get(c), `${c}: kubectl get all,cm,secret,sa,role,rolebinding -A`);
    for (const c of clusters) {
      for (const n of ['gateway', 'gateway2', 'worker']) assert.doesNotMatch(nodeNetworkState(`ksub-${c}-${n}`).iptables, /SUBMARINER/, `${c}-${n}: iptables`);
    }
  });
});
