// GlobalNet's data plane on a sandbox of its own whose two clusters have the very same Pod and Service CIDRs
// (`sandbox up --overlapping`), run twice:
//  - with the broker's range 242.0.0.0/16 by 8192, the IPsec cable (strongSwan, the default) and service discovery:
//    a pod of cluster1 reaches an exported ClusterIP Service of cluster2 by its clusterset name and is seen by nginx
//    as one of cluster1's global egress IPs; an exported headless Service resolves to its pods' global IPs, each
//    reachable; a namespace GlobalEgressIP and a pod-selector one are each seen as the source; a gateway failover
//    keeps every allocation and traffic resumes; uninstall leaves no GlobalNet chain, ipset or route;
//  - with the seed's range 169.254.0.0/16 by 8192 and the VXLAN cable, without service discovery (Kubernetes refuses
//    link-local addresses in EndpointSlices, so Lighthouse cannot publish them): the same, by global IP instead of name.
// Needs root and the control-plane binaries; runs alone (one sandbox per host).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExecRunner } from '../../../src/net/command.js';
import { cidrContains, parseCidr, parseIp } from '../../../src/net/cidr.js';
import { sandboxDown, sandboxUp } from '../../../src/sandbox/control.js';
import { eventually, kubectlFor, type Kubectl } from '../../support/kubectl.js';
import { disconnectClusters, nodeNetworkState, submariner } from '../../support/submariner.js';
import { startNginxAndToolbox } from '../../support/workloads.js';

const clusters = ['cluster1', 'cluster2'] as const;
type ClusterName = (typeof clusters)[number];
const nodes = ['gateway', 'gateway2', 'worker'];
const SM = 'submariner-operator';
// Named as with-fleet names its fleets, so that a run that died is cleaned up by the next one.
const fleetName = `test-e2e-${process.pid}`;
const runner = new ExecRunner();
let kubeconfig = '';

before(async () => {
  const { info } = await sandboxUp(runner, { clusters: 2, nodes: 3, gateways: 2, overlapping: true, hub: false }, (e) => {
    if (e.status === 'fail') console.error(`sandbox: ${e.step}: ${e.message ?? ''}`);
  }, fleetName);
  kubeconfig = info.kubeconfig;
  const cidrs = info.topology.clusters.map((c) => `${c.podCidr} ${c.serviceCidr}`);
  assert.equal(new Set(cidrs).size, 1, `both clusters have the same CIDRs: ${cidrs.join(' / ')}`);
});

after(async () => {
  await sandboxDown(runner, fleetName);
});

interface GlobalnetRun {
  /** deploy-broker's --globalnet-cidr-range (by 8192) and the /19 each cluster gets, in join order. */
  range: string;
  globalCidrs: Record<ClusterName, string>;
  /** join's --cable-driver; the default (strongSwan) when undefined. */
  cableDriver?: string;
  /** Whether the broker is deployed with service discovery: clusterset names are tried only then. */
  serviceDiscovery: boolean;
}

function globalnetRun(title: string, o: GlobalnetRun): void {
  const ns = `globalnet-${process.pid}`;
  const k = {} as Record<ClusterName, Kubectl>;
  let joined = false;

  const json = async <T>(c: ClusterName, args: string[]): Promise<T> => JSON.parse(await k[c]([...args, '-o', 'json'])) as T;

  /** The global IP GlobalNet allocated to a GlobalIngressIP, once it has. */
  const ingressIp = async (name: string): Promise<string | undefined> =>
    (await k.cluster2(['-n', ns, 'get', 'globalingressips', name, '-o', 'jsonpath={.status.allocatedIP}']).catch(() => '')).trim() || undefined;

  /** The global IPs allocated to a (Cluster)GlobalEgressIP of cluster1, once there are some. */
  async function egressIps(kind: 'clusterglobalegressips' | 'globalegressips', name: string): Promise<string[] | undefined> {
    const args = kind === 'clusterglobalegressips' ? ['get', kind, name] : ['-n', ns, 'get', kind, name];
    const ips = (await k.cluster1([...args, '-o', 'jsonpath={.status.allocatedIPs[*]}']).catch(() => '')).trim();
    return ips === '' ? undefined : ips.split(' ');
  }

  /** GETs `url` from cluster1's toolbox pod until it answers 200; returns the answering pod and the client address its access log shows. */
  async function requestFromCluster1(url: string, timeoutMs = 90_000): Promise<{ pod: string; podIp: string; client: string }> {
    const marker = `ksub-e2e-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const answer = await eventually(async () => {
      const out = await k.cluster1(['-n', ns, 'exec', 'toolbox', '--', 'curl', '-s', '--max-time', '5', '-A', marker, '-w', '\n%{http_code}', url]).catch(() => '');
      const lines = out.trimEnd().split('\n');
      return lines.pop() === '200' ? lines.join('\n').trim() : undefined;
    }, timeoutMs, `cluster1 reaches ${url}`);
    const [pod = '', podIp = ''] = answer.split(' ');
    const client = await eventually(async () => {
      const line = (await k.cluster2(['-n', ns, 'logs', pod])).split('\n').findLast((l) => l.includes(marker));
      return line?.split(' ')[0];
    }, 30_000, `${pod} logs the request`);
    return { pod, podIp, client };
  }

  /** `dig +short` from cluster1's toolbox pod, sorted. */
  async function resolve(name: string): Promise<string[]> {
    const out = await k.cluster1(['-n', ns, 'exec', 'toolbox', '--', 'dig', '+short', name]).catch(() => '');
    return out.split('\n').map((l) => l.trim()).filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l)).sort();
  }

  /** Where cluster1 reaches nginx of cluster2: its clusterset name with service discovery, else its global IP. */
  async function nginxUrl(): Promise<string> {
    if (o.serviceDiscovery) return `http://nginx.${ns}.svc.clusterset.local/`;
    return `http://${await eventually(() => ingressIp('nginx'), 60_000, 'the GlobalIngressIP of nginx')}/`;
  }

  /** The node running a cluster's active gateway. */
  const activeGatewayNode = async (c: ClusterName): Promise<string> =>
    (await k[c](['-n', SM, 'get', 'pods', '-l', 'gateway.submariner.io/status=active', '-o', 'jsonpath={.items[*].spec.nodeName}'])).trim();

  const sh = (netns: string, args: string[]): string => execFileSync('ip', ['netns', 'exec', netns, ...args], { encoding: 'utf8' });
  const gnRules = (netns: string): string[] => sh(netns, ['iptables', '-t', 'nat', '-S']).split('\n').filter((l) => /SUBMARINER-GN|SM-GN/.test(l));

  describe(title, () => {
    before(async () => {
      for (const c of clusters) k[c] = kubectlFor(kubeconfig, c);
      const brokerInfo = join(mkdtempSync(join(tmpdir(), 'ksub-e2e-gn-')), 'broker-info.subm');
      // Submariner's GlobalNet walk-through: clusterset IPs off (its default), so the clusterset name answers the
      // Service's global IP.
      const components = o.serviceDiscovery ? ['--enable-clusterset-ip=false'] : ['--components', 'connectivity'];
      submariner(kubeconfig, 'deploy-broker', '--context', 'cluster1', '--globalnet', '--globalnet-cidr-range', o.range, '--globalnet-cluster-size', '8192', ...components, '--broker-info', brokerInfo);
      joined = true;
      const cable = o.cableDriver === undefined ? [] : ['--cable-driver', o.cableDriver];
      // One after the other, so that cluster1 gets the range's first /19 and cluster2 the second.
      for (const c of clusters) {
        submariner(kubeconfig, 'join', brokerInfo, '--context', c, '--clusterid', c, ...cable, '--gateway-node', `${c}-gateway`, '--gateway-node', `${c}-gateway2`);
      }
      await startNginxAndToolbox(k, ns);
    });

    after(async () => {
      // Leaves the fleet as it was found, even when a test failed half-way.
      for (const c of clusters) await k[c]?.(['delete', 'namespace', ns, '--wait=true', '--timeout=120s']).catch(() => undefined);
      if (joined) {
        try {
          disconnectClusters(kubeconfig);
        } catch {
          // Reported by the uninstall test when it ran.
        }
      }
    });

    it(`gives cluster1 ${o.globalCidrs.cluster1} and cluster2 ${o.globalCidrs.cluster2}, shown by show networks, and the gateways their global IPs`, async () => {
      const rows = JSON.parse(submariner(kubeconfig, 'show', 'networks', '--contexts', 'cluster1,cluster2', '-o', 'json').stdout) as { context: string; globalCidr: string }[];
      assert.deepEqual(rows.map((r) => [r.context, r.globalCidr]).sort(), [['cluster1', o.globalCidrs.cluster1], ['cluster2', o.globalCidrs.cluster2]]);
      const gateways = await eventually(async () => {
        const out = JSON.parse(submariner(kubeconfig, 'show', 'gateways', '--contexts', 'cluster1,cluster2', '-o', 'json').stdout) as { context: string; haStatus: string; globalIp?: string }[];
        const active = out.filter((g) => g.haStatus === 'active');
        return active.length === 2 && active.every((g) => g.globalIp) ? active : undefined;
      }, 90_000, 'both active gateways with a global IP');
      for (const g of gateways) {
        const cidr = o.globalCidrs[g.context as ClusterName];
        assert.ok(cidrContains(parseCidr(cidr), parseIp(g.globalIp ?? '')), `${g.context}: the gateway's global IP ${g.globalIp} lies in ${cidr}`);
      }
      await eventually(async () => {
        const out = JSON.parse(submariner(kubeconfig, 'show', 'connections', '--contexts', 'cluster1,cluster2', '-o', 'json').stdout) as { status: string; subnets: string }[];
        return out.length === 2 && out.every((r) => r.status === 'connected') ? out : undefined;
      }, 120_000, 'both connections connected (health checks between the gateways\' global IPs)');
    });

    it('a pod of cluster1 reaches an exported ClusterIP Service of cluster2, seen as a global egress IP of cluster1', async () => {
      submariner(kubeconfig, 'export', 'service', 'nginx', '-n', ns, '--context', 'cluster2');
      const globalIp = await eventually(() => ingressIp('nginx'), 60_000, 'the GlobalIngressIP of nginx');
      assert.ok(cidrContains(parseCidr(o.globalCidrs.cluster2), parseIp(globalIp)), `nginx's global IP ${globalIp} lies in ${o.globalCidrs.cluster2}`);
      if (o.serviceDiscovery) {
        const name = `nginx.${ns}.svc.clusterset.local`;
        const answer = await eventually(async () => {
          const ips = await resolve(name);
          return ips.length > 0 ? ips : undefined;
        }, 90_000, `${name} resolves in cluster1`);
        assert.deepEqual(answer, [globalIp], 'Lighthouse answers the global IP');
      }
      const { client } = await requestFromCluster1(await nginxUrl());
      const clusterEgress = await eventually(() => egressIps('clusterglobalegressips', 'cluster-egress.submariner.io'), 60_000, "cluster1's ClusterGlobalEgressIP");
      assert.ok(clusterEgress.includes(client), `nginx sees ${client}, one of cluster1's global egress IPs ${clusterEgress.join(', ')}`);
    });

    it("an exported headless Service gets each pod's global IP, and each answers", async () => {
      await k.cluster2(['-n', ns, 'scale', 'deployment/nginx', '--replicas=2']);
      await k.cluster2(['-n', ns, 'rollout', 'status', 'deployment/nginx', '--timeout=120s']);
      await k.cluster2(['-n', ns, 'apply', '-f', '-'], JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'nginx-hl', namespace: ns },
        spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ port: 80, targetPort: 80 }] },
      }));
      submariner(kubeconfig, 'export', 'service', 'nginx-hl', '-n', ns, '--context', 'cluster2');
      const pods = (await json<{ items: { metadata: { name: string }; status: { podIP: string } }[] }>('cluster2', ['-n', ns, 'get', 'pods', '-l', 'app=nginx'])).items;
      assert.equal(pods.length, 2);
      const globals = await eventually(async () => {
        const ips = await Promise.all(pods.map((p) => ingressIp(`pod-${p.metadata.name}`)));
        return ips.every((ip) => ip !== undefined) ? new Map(pods.map((p, i) => [ips[i] as string, p])) : undefined;
      }, 60_000, 'a GlobalIngressIP per pod of nginx-hl');
      if (o.serviceDiscovery) {
        const name = `nginx-hl.${ns}.svc.clusterset.local`;
        await eventually(async () => {
          const ips = await resolve(name);
          return ips.join(',') === [...globals.keys()].sort().join(',') ? ips : undefined;
        }, 90_000, `${name} resolves to every pod's global IP in cluster1`);
      }
      for (const [ip, pod] of globals) {
        const r = await requestFromCluster1(`http://${ip}/`);
        assert.deepEqual([r.pod, r.podIp], [pod.metadata.name, pod.status.podIP], `${ip} leads to ${pod.metadata.name}`);
      }
    });

    it('a namespace GlobalEgressIP, then a pod-selector one, is the source cluster2 sees', async () => {
      const url = await nginxUrl();
      const apply = (name: string, spec: Record<string, unknown>) =>
        k.cluster1(['-n', ns, 'apply', '-f', '-'], JSON.stringify({ apiVersion: 'submariner.io/v1', kind: 'GlobalEgressIP', metadata: { name, namespace: ns }, spec }));
      await apply('namespace-egress', { numberOfIPs: 1 });
      const [nsIp] = await eventually(() => egressIps('globalegressips', 'namespace-egress'), 60_000, 'the namespace GlobalEgressIP allocated');
      await eventually(async () => ((await requestFromCluster1(url)).client === nsIp ? true : undefined), 60_000, `nginx sees the namespace's global IP ${nsIp}`);

      await k.cluster1(['-n', ns, 'label', 'pod', 'toolbox', 'role=client', '--overwrite']);
      await apply('toolbox-egress', { numberOfIPs: 1, podSelector: { matchLabels: { role: 'client' } } });
      const [podIp] = await eventually(() => egressIps('globalegressips', 'toolbox-egress'), 60_000, 'the pod-selector GlobalEgressIP allocated');
      assert.notEqual(podIp, nsIp);
      await eventually(async () => ((await requestFromCluster1(url)).client === podIp ? true : undefined), 60_000, `nginx sees the pod selector's global IP ${podIp} (it wins over the namespace's)`);

      await k.cluster1(['-n', ns, 'delete', 'globalegressips', 'toolbox-egress']);
      await eventually(async () => ((await requestFromCluster1(url)).client === nsIp ? true : undefined), 60_000, 'back to the namespace\'s global IP');
    });

    it("after cluster2's active gateway pod is deleted, the other gateway node runs GlobalNet with the same global IPs and traffic resumes", async () => {
      const url = await nginxUrl();
      const globalIp = await ingressIp('nginx');
      assert.ok(globalIp);
      const egressBefore = await k.cluster2(['get', 'clusterglobalegressips', 'cluster-egress.submariner.io', '-o', 'jsonpath={.status.allocatedIPs}']);
      await requestFromCluster1(url);
      const oldNode = await activeGatewayNode('cluster2');
      assert.ok(oldNode, 'an active gateway');
      const pod = (await k.cluster2(['-n', SM, 'get', 'pods', '-l', 'gateway.submariner.io/status=active', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
      const started = Date.now();
      await k.cluster2(['-n', SM, 'delete', 'pod', pod, '--wait=false']);
      const newNode = await eventually(async () => {
        const n = await activeGatewayNode('cluster2');
        return n !== '' && n !== oldNode ? n : undefined;
      }, 60_000, 'another gateway becomes active');
      await eventually(async () => (gnRules(`ksub-${newNode}`).some((l) => l.includes(`-d ${globalIp}/32`)) ? true : undefined), 60_000, `${newNode} DNATs ${globalIp}`);
      await requestFromCluster1(url, 90_000);
      console.log(`# GlobalNet failover from ${oldNode} to ${newNode} (${o.cableDriver ?? 'strongswan'}): traffic resumed after ${Date.now() - started} ms`);
      assert.equal(await ingressIp('nginx'), globalIp, 'the Service keeps its global IP');
      assert.equal(await k.cluster2(['get', 'clusterglobalegressips', 'cluster-egress.submariner.io', '-o', 'jsonpath={.status.allocatedIPs}']), egressBefore, 'the cluster keeps its egress IPs');
      await eventually(async () => (gnRules(`ksub-${oldNode}`).length === 0 ? true : undefined), 60_000, `${oldNode} no longer holds GlobalNet rules`);
    });

    it('uninstall leaves no GlobalNet chain, ipset or route to a global CIDR on any node', async () => {
      for (const c of clusters) await k[c](['delete', 'namespace', ns, '--wait=true', '--timeout=120s']);
      disconnectClusters(kubeconfig);
      joined = false;
      const globalRoute = new RegExp(Object.values(o.globalCidrs).map((c) => c.replaceAll('.', '\\.')).join('|'));
      for (const c of clusters) {
        for (const n of nodes) {
          const netns = `ksub-${c}-${n}`;
          const state = nodeNetworkState(netns);
          assert.doesNotMatch(state.iptables, /SUBMARINER|SM-GN/, `${netns}: iptables`);
          assert.doesNotMatch(sh(netns, ['ipset', 'list', '-n']), /^SM-GN-/m, `${netns}: ipset list -n`);
          assert.doesNotMatch(state.routes, globalRoute, `${netns}: ip route show table all`);
        }
      }
    });
  });
}

globalnetRun('GlobalNet on clusters with the same CIDRs: 242.0.0.0/16, IPsec, service discovery', {
  range: '242.0.0.0/16',
  globalCidrs: { cluster1: '242.0.0.0/19', cluster2: '242.0.32.0/19' },
  serviceDiscovery: true,
});

globalnetRun("GlobalNet on clusters with the same CIDRs: the seed's 169.254.0.0/16, VXLAN, by global IP", {
  range: '169.254.0.0/16',
  globalCidrs: { cluster1: '169.254.0.0/19', cluster2: '169.254.32.0/19' },
  cableDriver: 'vxlan',
  serviceDiscovery: false,
});
