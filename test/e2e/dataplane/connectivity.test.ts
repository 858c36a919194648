// The cross-cluster data plane on the shared sandbox, for the vxlan, wireguard and strongswan (IPsec) cable drivers: pods on
// worker nodes reach the other cluster's pods and ClusterIP Services through the gateways' tunnel, show
// connections reports them connected with an RTT, agent restarts leave identical rules, a gateway failover
// resumes traffic, a malformed remote Endpoint is reported and skipped, and uninstall leaves nothing.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { connectClusters, disconnectClusters, nodeNetworkState, submariner } from '../../support/submariner.js';
import { eventually, inventory, kubectlFor, type Kubectl } from '../../support/kubectl.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { startNginxAndToolbox } from '../../support/workloads.js';
import { EndpointResource, GatewayResource, customObjectRef } from '../../../src/api/index.js';
import { wellKnown } from '../../../src/api/names.js';

let fleet: TestFleet;
const k: Record<'cluster1' | 'cluster2', Kubectl> = {} as never;
const ns = `dataplane-${process.pid}`;
const nodes = ['gateway', 'gateway2', 'worker'];

async function target(cluster: 'cluster1' | 'cluster2'): Promise<{ podIp: string; serviceIp: string; pod: string }> {
  const pods = JSON.parse(await k[cluster](['-n', ns, 'get', 'pods', '-l', 'app=nginx', '-o', 'json'])) as { items: { metadata: { name: string }; status: { podIP: string } }[] };
  const serviceIp = (await k[cluster](['-n', ns, 'get', 'svc', 'nginx', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const p = pods.items[0];
  assert.ok(p);
  return { podIp: p.status.podIP, serviceIp, pod: p.metadata.name };
}

/** HTTP status and body of a GET from the toolbox pod of `from`. */
async function curl(from: 'cluster1' | 'cluster2', url: string, timeout = 5): Promise<{ code: string; body: string }> {
  const out = await k[from](['-n', ns, 'exec', 'toolbox', '--', 'curl', '-s', '--max-time', String(timeout), '-w', '\n%{http_code}', url]);
  const lines = out.trimEnd().split('\n');
  return { code: lines.pop() ?? '', body: lines.join('\n').trimEnd() };
}

async function reachable(from: 'cluster1' | 'cluster2', url: string, timeoutMs = 90_000): Promise<{ code: string; body: string }> {
  return eventually(async () => {
    const r = await curl(from, url).catch(() => undefined);
    return r?.code === '200' ? r : undefined;
  }, timeoutMs, `${from} reaches ${url}`);
}

/** The gateway agent's process in a node's network namespace (a gateway pod uses the node's network). */
function gatewayPid(node: string): number {
  const netns = statSync(`/run/netns/ksub-${node}`).ino;
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const agent = argv.some((a) => a.endsWith('kubectl-submariner-agent') || a.endsWith('bin/agent.js'));
      return agent && argv.includes('gateway') && readlinkSync(`/proc/${pid}/ns/net`) === `net:[${netns}]`;
    } catch {
      return false;
    }
  });
  assert.equal(pids.length, 1, `one gateway agent process in ${node}'s network namespace: ${pids.join(', ')}`);
  return Number(pids[0]);
}

/** Who holds a cluster's gateway lease (cluster2's by default), and how many times it changed hands. */
async function gatewayLease(cluster: 'cluster1' | 'cluster2' = 'cluster2'): Promise<{ holder: string; transitions: number }> {
  const out = await k[cluster](['-n', 'submariner-operator', 'get', 'lease', wellKnown.gatewayLease, '-o', 'jsonpath={.spec.holderIdentity} {.spec.leaseTransitions}']);
  const [holder = '', transitions = '0'] = out.trim().split(' ');
  return { holder, transitions: Number(transitions) };
}

/** The nodes of cluster2's gateway pods labelled active. */
async function activeGatewayNodes(): Promise<string[]> {
  const out = await k.cluster2(['-n', 'submariner-operator', 'get', 'pods', '-l', 'gateway.submariner.io/status=active', '-o', 'jsonpath={.items[*].spec.nodeName}']);
  return out.trim().split(' ').filter((n) => n !== '');
}

before(async () => {
  fleet = await useFleet();
  k.cluster1 = kubectlFor(fleet.kubeconfigPath, 'cluster1');
  k.cluster2 = kubectlFor(fleet.kubeconfigPath, 'cluster2');
  await startNginxAndToolbox(k, ns);
});
after(async () => {
  for (const c of ['cluster1', 'cluster2'] as const) await k[c]?.(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
});

for (const driver of ['vxlan', 'wireguard', 'strongswan']) {
  describe(`cable driver ${driver}`, () => {
    const pristine = new Map<string, ReturnType<typeof nodeNetworkState>>();
    const inventories = new Map<string, string>();

    before(async () => {
      for (const c of ['cluster1', 'cluster2'] as const) inventories.set(c, await inventory(k[c], c));
      for (const c of ['cluster1', 'cluster2']) for (const n of nodes) pristine.set(`${c}-${n}`, nodeNetworkState(`ksub-${c}-${n}`));
      connectClusters(fleet.kubeconfigPath, driver);
    });

    it('a toolbox pod on cluster1\'s worker gets 200 from a cluster2 pod IP and ClusterIP Service, and the reverse', async () => {
      for (const [from, to] of [['cluster1', 'cluster2'], ['cluster2', 'cluster1']] as const) {
        const t = await target(to);
        const byPod = await reachable(from, `http://${t.podIp}/`);
        assert.equal(byPod.body, `${t.pod} ${t.podIp}`);
        await reachable(from, `http://${t.serviceIp}/`);
      }
    });

    it('show connections lists both clusters connected with an RTT', async () => {
      const rows = await eventually(async () => {
        const out = submariner(fleet.kubeconfigPath, 'show', 'connections', '--contexts', 'cluster1,cluster2', '-o', 'json').stdout;
        const r = JSON.parse(out) as { context: string; cluster: string; status: string; rtt: string; cableDriver: string }[];
        return r.length === 2 && r.every((x) => x.status === 'connected' && x.rtt !== '') ? r : undefined;
      }, 60_000, 'both connections connected with an RTT');
      assert.deepEqual(rows.map((r) => [r.context, r.cluster, r.cableDriver]).sort(), [['cluster1', 'cluster2', driver], ['cluster2', 'cluster1', driver]]);
      const table = submariner(fleet.kubeconfigPath, 'show', 'connections', '--contexts', 'cluster1,cluster2').stdout;
      assert.match(table, /^CONTEXT +GATEWAY +CLUSTER +REMOTE IP +NAT +CABLE DRIVER +SUBNETS +STATUS +RTT AVG\./);
    });

    // Gateways are not restarted here: restarting the active one is a failover, which changes the rules by design (below).
    it('restarting the route agents leaves the same rules and routes', async () => {
      const leases = { cluster1: await gatewayLease('cluster1'), cluster2: await gatewayLease('cluster2') };
      const before = new Map(nodes.flatMap((n) => ['cluster1', 'cluster2'].map((c) => [`${c}-${n}`, nodeNetworkState(`ksub-${c}-${n}`)] as const)));
      for (const c of ['cluster1', 'cluster2'] as const) {
        await k[c](['-n', 'submariner-operator', 'delete', 'pods', '-l', 'app=submariner-routeagent', '--wait=true']);
      }
      for (const c of ['cluster1', 'cluster2'] as const) {
        await k[c](['-n', 'submariner-operator', 'rollout', 'status', 'ds/submariner-routeagent', '--timeout=120s']);
      }
      await new Promise((r) => setTimeout(r, 5000));
      const t = await target('cluster2');
      await reachable('cluster1', `http://${t.podIp}/`);
      // The same gateways lead: a takeover meanwhile would change every node's routes, whatever the route agents did.
      for (const c of ['cluster1', 'cluster2'] as const) assert.deepEqual(await gatewayLease(c), leases[c], `${c}'s gateway lease changed hands while the route agents restarted`);
      const ours = (iptables: string): string => iptables.split('\n').filter((l) => /SUBMARINER|^\*/.test(l)).join('\n');
      for (const [node, state] of before) {
        const now = nodeNetworkState(`ksub-${node}`);
        assert.equal(ours(now.iptables), ours(state.iptables), `${node}: iptables-save`);
        assert.equal(now.routes, state.routes, `${node}: ip route show table all`);
      }
    });

    if (driver === 'vxlan' || driver === 'strongswan') {
      it('an exported service resolves through the cluster\'s own CoreDNS and answers as nginx.<ns>.svc.clusterset.local', async () => {
        submariner(fleet.kubeconfigPath, 'export', 'service', 'nginx', '-n', ns, '--context', 'cluster2');
        const t = await target('cluster2');
        const name = `nginx.${ns}.svc.clusterset.local`;
        const dig = (n: string) => eventually(async () => {
          const r = await k.cluster1(['-n', ns, 'exec', 'toolbox', '--', 'dig', '+short', n]).catch(() => '');
          return r.trim() !== '' ? r.trim() : undefined;
        }, 60_000, `${n} resolves in cluster1`);
        // The clusterset name answers the import's clusterset IP; the cluster-specific name, cluster2's ClusterIP.
        const clustersetIp = await eventually(async () => {
          const r = await k.cluster1(['-n', ns, 'get', 'serviceimport', 'nginx', '-o', 'jsonpath={.spec.ips[0]}']).catch(() => '');
          return r.trim() !== '' ? r.trim() : undefined;
        }, 60_000, 'the clusterset IP of nginx in cluster1');
        assert.equal(await dig(name), clustersetIp);
        assert.equal(await dig(`cluster2.${name}`), t.serviceIp);
        const page = await reachable('cluster1', `http://${name}/`);
        assert.equal(page.body, `${t.pod} ${t.podIp}`);
        submariner(fleet.kubeconfigPath, 'unexport', 'service', 'nginx', '-n', ns, '--context', 'cluster2');
        await eventually(async () => {
          const r = await k.cluster1(['-n', ns, 'exec', 'toolbox', '--', 'dig', name]).catch(() => '');
          return /status: NXDOMAIN/.test(r) ? true : undefined;
        }, 60_000, `${name} gone after unexport`);
      });
    }

    if (driver === 'wireguard' || driver === 'strongswan') {
      it('after the active gateway pod of cluster2 is deleted, the other gateway takes over and traffic resumes', async () => {
        const t = await target('cluster2');
        const active = (await k.cluster2(['-n', 'submariner-operator', 'get', 'pods', '-l', 'gateway.submariner.io/status=active', '-o', 'jsonpath={.items[0].spec.nodeName} {.items[0].metadata.name}'])).trim().split(' ');
        const [activeNode, activePod] = active;
        assert.ok(activeNode && activePod, 'an active gateway');
        await reachable('cluster1', `http://${t.podIp}/`);
        const started = Date.now();
        await k.cluster2(['-n', 'submariner-operator', 'delete', 'pod', activePod, '--wait=false']);
        const newActive = await eventually(async () => {
          const n = (await k.cluster2(['-n', 'submariner-operator', 'get', 'pods', '-l', 'gateway.submariner.io/status=active', '-o', 'jsonpath={.items[*].spec.nodeName}'])).trim();
          return n !== '' && n !== activeNode ? n : undefined;
        }, 60_000, 'another gateway becomes active');
        await reachable('cluster1', `http://${t.podIp}/`, 60_000);
        const interruptedMs = Date.now() - started;
        console.log(`# failover from ${activeNode} to ${newActive}: traffic resumed after ${interruptedMs} ms`);
        assert.ok(interruptedMs < 60_000);
      });

      it('pausing the active gateway of cluster2 for 3 s (SIGSTOP) hands the lease over exactly once, with no flapping', async () => {
        const t = await target('cluster2');
        await reachable('cluster1', `http://${t.podIp}/`);
        const [paused] = await eventually(async () => {
          const nodes = await activeGatewayNodes();
          return nodes.length === 1 ? nodes : undefined;
        }, 60_000, 'one active gateway in cluster2');
        assert.ok(paused);
        // The standby must be campaigning: a running (not terminating) gateway pod on the other node that labelled
        // itself passive, which it does as its election starts. An earlier failover may have just replaced it.
        await eventually(async () => {
          const pods = JSON.parse(await k.cluster2(['-n', 'submariner-operator', 'get', 'pods', '-l', 'gateway.submariner.io/status=passive', '-o', 'json'])) as {
            items: { metadata: { deletionTimestamp?: string }; spec: { nodeName?: string } }[];
          };
          return pods.items.some((p) => p.metadata.deletionTimestamp === undefined && p.spec.nodeName !== paused) ? true : undefined;
        }, 120_000, 'a passive gateway on the other node');
        await sleep(1000);
        const before = await gatewayLease();
        assert.equal(before.holder, `${paused}-submariner-gateway`);
        const pid = gatewayPid(paused);
        process.kill(pid, 'SIGSTOP');
        try {
          await sleep(3000);
        } finally {
          process.kill(pid, 'SIGCONT');
        }
        // Taken while paused; read once the apiserver answers with the new holder.
        const handedOver = await eventually(async () => {
          const l = await gatewayLease();
          return l.holder !== before.holder ? l : undefined;
        }, 10_000, 'the lease with another holder');
        assert.equal(handedOver.transitions, before.transitions + 1, `one takeover while ${paused} was paused: ${JSON.stringify(handedOver)}`);
        const successor = handedOver.holder.replace(/-submariner-gateway$/, '');
        assert.notEqual(successor, paused);
        // The paused gateway wakes up, finds the lease taken, steps down and stays passive.
        await eventually(async () => ((await activeGatewayNodes()).join() === successor ? true : undefined), 30_000, `${successor} alone labelled active`);
        await sleep(10_000);
        assert.deepEqual(await gatewayLease(), handedOver, 'the lease stays where it went');
        assert.deepEqual(await activeGatewayNodes(), [successor]);
        await reachable('cluster1', `http://${t.podIp}/`, 30_000);
      });

      it('a malformed remote Endpoint is reported on the Gateway status and skipped; the other connection stays up', async () => {
        const custom = fleet.kubeConfig('cluster1').makeApiClient(CustomObjectsApi);
        const bad = {
          apiVersion: 'submariner.io/v1',
          kind: 'Endpoint',
          metadata: { name: 'cluster9-bad-cable', namespace: 'submariner-operator' },
          spec: { cluster_id: 'cluster9', cable_name: 'bad-cable', hostname: 'gw9', subnets: ['10.249.0.0/16'], private_ip: '10.250.9.11', nat_enabled: false, backend: 'wireguard', backend_config: { publicKey: 'not-a-key', 'udp-port': '4500' } },
        };
        await custom.createNamespacedCustomObject({ ...customObjectRef(EndpointResource), namespace: 'submariner-operator', body: bad });
        try {
          await eventually(async () => {
            const gws = (await custom.listNamespacedCustomObject({ ...customObjectRef(GatewayResource), namespace: 'submariner-operator' })) as {
              items: { status?: { haStatus?: string; connections?: { status: string; endpoint: { cluster_id: string } }[] } }[];
            };
            const conns = gws.items.find((g) => g.status?.haStatus === 'active')?.status?.connections ?? [];
            const badConn = conns.find((c) => c.endpoint.cluster_id === 'cluster9');
            const good = conns.find((c) => c.endpoint.cluster_id === 'cluster2');
            return badConn?.status === 'error' && good?.status === 'connected' ? true : undefined;
          }, 60_000, 'the bad endpoint reported as error while cluster2 stays connected');
          const t = await target('cluster2');
          await reachable('cluster1', `http://${t.podIp}/`);
        } finally {
          await custom.deleteNamespacedCustomObject({ ...customObjectRef(EndpointResource), namespace: 'submariner-operator', name: 'cluster9-bad-cable' });
        }
      });
    }

    it('uninstall leaves no SUBMARINER chain, route, rule or interface on any node, and the clusters as they were', async () => {
      disconnectClusters(fleet.kubeconfigPath);
      for (const c of ['cluster1', 'cluster2'] as const) assert.equal(await inventory(k[c], c), inventories.get(c), `${c}: kubectl get all,cm,secret,sa,role,rolebinding -A`);
      for (const [node, state] of pristine) {
        const now = nodeNetworkState(`ksub-${node}`);
        assert.doesNotMatch(now.iptables, /SUBMARINER/, `${node}: iptables`);
        assert.equal(now.rules, state.rules, `${node}: ip rules`);
        assert.equal(now.links, state.links, `${node}: links`);
        assert.equal(now.routes.replace(/ proto \S+/g, ''), state.routes.replace(/ proto \S+/g, ''), `${node}: routes`);
      }
    });
  });
}
