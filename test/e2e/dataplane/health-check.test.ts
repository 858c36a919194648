// The gateways' health check on the shared sandbox with the default settings (a ping a second, 5 lost): with the
// public network between the two active gateways cut by iptables DROP rules, cluster1's Gateway status and
// `show connections` report the connection to cluster2 as an error within 5 s, and connected again within 1 s of
// the rules going away.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { GatewayResource, customObjectRef } from '../../../src/api/index.js';
import { eventually } from '../../support/kubectl.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { connectClusters, disconnectClusters, submariner } from '../../support/submariner.js';

let fleet: TestFleet;
let custom: CustomObjectsApi;
const gatewayNs = 'submariner-operator';

interface GatewayList {
  items: { metadata: { name: string }; status?: { haStatus?: string; connections?: { status: string; usingIP?: string; endpoint: { cluster_id: string } }[] } }[];
}

/** cluster1's active gateway node and the status (and address) of its connection to cluster2. */
async function connection(): Promise<{ node: string; status: string; remoteIp: string } | undefined> {
  const gws = (await custom.listNamespacedCustomObject({ ...customObjectRef(GatewayResource), namespace: gatewayNs })) as GatewayList;
  const active = gws.items.find((g) => g.status?.haStatus === 'active');
  const c = active?.status?.connections?.find((x) => x.endpoint.cluster_id === 'cluster2');
  return active && c ? { node: active.metadata.name, status: c.status, remoteIp: c.usingIP ?? '' } : undefined;
}

/** Milliseconds until cluster1's connection to cluster2 has `status`, polling every 100 ms for at most `limitMs`. */
async function until(status: string, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await connection())?.status === status) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`the connection to cluster2 was not ${status} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** DROP rules in the raw table (no agent manages it) of a node, both ways between it and `peer`. */
function cut(node: string, peer: string, on: boolean): void {
  for (const [chain, dir] of [['PREROUTING', '-s'], ['OUTPUT', '-d']] as const) {
    execFileSync('ip', ['netns', 'exec', `ksub-${node}`, 'iptables', '-t', 'raw', on ? '-I' : '-D', chain, dir, peer, '-j', 'DROP']);
  }
}

before(async () => {
  fleet = await useFleet();
  custom = fleet.kubeConfig('cluster1').makeApiClient(CustomObjectsApi);
  connectClusters(fleet.kubeconfigPath, 'vxlan');
});
after(() => disconnectClusters(fleet.kubeconfigPath));

void describe('gateway health check (defaults: a ping a second, 5 lost)', () => {
  void it('reports a cut path within 5 s and its healing within 1 s, in the Gateway status and show connections', async () => {
    const up = await eventually(async () => {
      const c = await connection();
      return c?.status === 'connected' && c.remoteIp !== '' ? c : undefined;
    }, 120_000, 'cluster1 connected to cluster2');
    await new Promise((r) => setTimeout(r, 3000));
    cut(up.node, up.remoteIp, true);
    let lossMs: number;
    try {
      lossMs = await until('error', 30_000);
      const shown = JSON.parse(submariner(fleet.kubeconfigPath, 'show', 'connections', '--contexts', 'cluster1', '-o', 'json').stdout) as { cluster: string; status: string }[];
      assert.equal(shown.find((r) => r.cluster === 'cluster2')?.status, 'error', 'show connections says error');
    } finally {
      cut(up.node, up.remoteIp, false);
    }
    const healMs = await until('connected', 30_000);
    console.log(`# loss reported after ${lossMs} ms, healing after ${healMs} ms`);
    assert.ok(lossMs < 5000, `the loss took ${lossMs} ms to show`);
    assert.ok(healMs < 1000, `the healing took ${healMs} ms to show`);
  });
});
