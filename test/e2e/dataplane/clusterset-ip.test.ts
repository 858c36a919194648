// Clusterset IPs carrying traffic on the shared sandbox: nginx exported from both clusters gets one clusterset IP,
// `<svc>.<ns>.svc.clusterset.local` resolves to it, and every node's route agent balances connections to it over
// the nginx pods of both clusters (the remote one through the tunnel); scaling one cluster to zero sends everything
// to the other, ClientIP affinity keeps a client on one pod, and uninstall leaves no clusterset IP chain behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClusters, disconnectClusters, nodeNetworkState, submariner } from '../../support/submariner.js';
import { eventually, kubectlFor, type Kubectl } from '../../support/kubectl.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { startNginxAndToolbox } from '../../support/workloads.js';

type Cluster = 'cluster1' | 'cluster2';
let fleet: TestFleet;
const k: Record<Cluster, Kubectl> = {} as never;
const ns = `csip-${process.pid}`;
const name = `nginx.${ns}.svc.clusterset.local`;
const nodes = ['gateway', 'gateway2', 'worker'];
const requests = 40;
let connected = false;

/** The nginx pods of a cluster, by name. */
async function nginxPods(c: Cluster): Promise<string[]> {
  const out = await k[c](['-n', ns, 'get', 'pods', '-l', 'app=nginx', '-o', 'jsonpath={.items[*].metadata.name}']);
  return out.split(/\s+/).filter((p) => p !== '');
}

/** `requests` GETs of the clusterset name from cluster1's toolbox, each a new connection: how many each pod answered. */
async function spread(): Promise<Map<string, number>> {
  const script = `for i in $(seq ${requests}); do curl -s --max-time 3 http://${name}/ || echo failed; echo; done`;
  const out = await k.cluster1(['-n', ns, 'exec', 'toolbox', '--', 'sh', '-c', script]);
  const counts = new Map<string, number>();
  for (const line of out.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
    const pod = line.split(' ')[0] ?? line;
    counts.set(pod, (counts.get(pod) ?? 0) + 1);
  }
  return counts;
}

const chainsOn = (c: Cluster, node: string): string[] =>
  nodeNetworkState(`ksub-${c}-${node}`)
    .iptables.split('\n')
    .filter((l) => l.includes('SUBMARINER-CSIP'));

before(async () => {
  fleet = await useFleet();
  k.cluster1 = kubectlFor(fleet.kubeconfigPath, 'cluster1');
  k.cluster2 = kubectlFor(fleet.kubeconfigPath, 'cluster2');
  await startNginxAndToolbox(k, ns);
  connectClusters(fleet.kubeconfigPath, 'vxlan');
  connected = true;
  for (const c of ['cluster1', 'cluster2'] as const) submariner(fleet.kubeconfigPath, 'export', 'service', 'nginx', '-n', ns, '--context', c);
});

after(async () => {
  if (connected) disconnectClusters(fleet.kubeconfigPath);
  for (const c of ['cluster1', 'cluster2'] as const) await k[c]?.(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
});

describe('clusterset IPs on the sandbox', () => {
  let vip = '';

  it('gives the import one clusterset IP in both clusters, shown by kubectl get serviceimport, and the clusterset name resolves to it', async () => {
    const ips = await eventually(async () => {
      const both = await Promise.all((['cluster1', 'cluster2'] as const).map((c) => k[c](['-n', ns, 'get', 'serviceimport', 'nginx', '-o', 'jsonpath={.spec.ips[0]}']).catch(() => '')));
      return both[0] !== '' && both[0] === both[1] ? both[0] : undefined;
    }, 90_000, 'one clusterset IP for nginx in both clusters');
    vip = ips.trim();
    assert.match(vip, /^243\./);
    const table = await k.cluster1(['get', 'serviceimport', '-A']);
    assert.match(table, new RegExp(`${ns}\\s+nginx\\s+ClusterSetIP\\s+\\["${vip.replace(/\./g, '\\.')}"\\]`), table);
    const resolved = await eventually(async () => {
      const out = (await k.cluster1(['-n', ns, 'exec', 'toolbox', '--', 'dig', '+short', name]).catch(() => '')).trim();
      return out === vip ? out : undefined;
    }, 60_000, `${name} to resolve to ${vip}`);
    assert.equal(resolved, vip);
  });

  it(`spreads ${requests} requests to the clusterset name over the nginx pods of both clusters`, async () => {
    const [local] = await nginxPods('cluster1');
    const [remote] = await nginxPods('cluster2');
    assert.ok(local && remote);
    const counts = await eventually(async () => {
      const c = await spread();
      return (c.get(local) ?? 0) > 0 && (c.get(remote) ?? 0) > 0 ? c : undefined;
    }, 120_000, 'answers from both clusters');
    assert.equal((counts.get(local) ?? 0) + (counts.get(remote) ?? 0), requests, `every request answered by one of the two pods: ${JSON.stringify([...counts])}`);
    for (const c of ['cluster1', 'cluster2'] as const) {
      for (const n of nodes) assert.ok(chainsOn(c, n).some((l) => l.includes(`--dport 80`) && l.includes(vip)), `${c}-${n} programs ${vip}`);
    }
  });

  it('sends everything to cluster1 once cluster2\'s nginx is scaled to 0, and both again once it is back', async () => {
    const [local] = await nginxPods('cluster1');
    assert.ok(local);
    await k.cluster2(['-n', ns, 'scale', 'deployment/nginx', '--replicas=0']);
    const started = Date.now();
    const counts = await eventually(async () => {
      const c = await spread();
      return c.get(local) === requests ? c : undefined;
    }, 60_000, 'every request answered by cluster1');
    assert.deepEqual([...counts], [[local, requests]]);
    process.stderr.write(`cluster2's endpoints left the rotation within ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    await k.cluster2(['-n', ns, 'scale', 'deployment/nginx', '--replicas=1']);
    await k.cluster2(['-n', ns, 'rollout', 'status', 'deployment/nginx', '--timeout=120s']);
    const [remote] = await nginxPods('cluster2');
    assert.ok(remote);
    await eventually(async () => ((await spread()).get(remote) ?? 0) > 0 || undefined, 90_000, 'cluster2 back in the rotation');
  });

  it('keeps a client on one pod with ClientIP session affinity', async () => {
    for (const c of ['cluster1', 'cluster2'] as const) {
      await k[c](['-n', ns, 'patch', 'service', 'nginx', '--type=merge', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}']);
    }
    await eventually(
      async () => ((await k.cluster1(['-n', ns, 'get', 'serviceimport', 'nginx', '-o', 'jsonpath={.spec.sessionAffinity}'])).trim() === 'ClientIP' ? true : undefined),
      60_000,
      'the import to carry ClientIP affinity',
    );
    const counts = await eventually(async () => {
      const c = await spread();
      return c.size === 1 && !c.has('failed') ? c : undefined;
    }, 60_000, 'every request answered by one pod');
    assert.equal([...counts.values()][0], requests);
  });

  it('uninstall removes the clusterset IP chains from every node', () => {
    disconnectClusters(fleet.kubeconfigPath);
    connected = false;
    for (const c of ['cluster1', 'cluster2'] as const) for (const n of nodes) assert.deepEqual(chainsOn(c, n), [], `${c}-${n}`);
  });
});
