// In-memory clusters for the verify and benchmark logic: namespaces, pods, Services, exports, gateways and a
// network between the clusters that answers curl and dig as the toolbox would.
import type { ExecResult } from '../../kube/exec.js';
import type { ClusterFacts, PodRequest, RunningPod, TestCluster } from '../workloads.js';

interface FakePod {
  req: PodRequest;
  ip: string;
  log: string[];
}

/** What joins the fake clusters: addresses, names and whether the tunnel is up. */
export class FakeNetwork {
  readonly clusters: FakeCluster[] = [];
  /** Cross-cluster traffic is dropped. */
  partitioned = false;
  /** Replaces every exec, e.g. to hang until interrupted. */
  onExec: ((cluster: FakeCluster, pod: RunningPod, command: readonly string[]) => Promise<ExecResult> | undefined) | undefined;
  execCount = 0;
  private nextIp = 10;

  allocate(prefix: string): string {
    return `${prefix}.${this.nextIp++}`;
  }

  /** The cluster and server pod that own an address (pod IP, Service IP or global ingress IP). */
  lookup(ip: string): { cluster: FakeCluster; server: FakePod | undefined } | undefined {
    for (const c of this.clusters) {
      const server = c.serverFor(ip);
      if (server !== undefined || c.ownsAddress(ip)) return { cluster: c, server };
    }
    return undefined;
  }

  /** The A records of a clusterset name, as the clusters' DNS would answer it. */
  resolve(name: string): string[] | undefined {
    const m = /^(?:([^.]+)\.)?([^.]+)\.([^.]+)\.svc\.clusterset\.local$/.exec(name);
    if (!m) return undefined;
    const [, clusterId, svc, ns] = m;
    const out: string[] = [];
    for (const c of this.clusters) {
      if (clusterId !== undefined && c.facts_.clusterId !== clusterId) continue;
      const ip = c.exportedAddress(`${ns}/${svc}`);
      if (ip !== undefined) out.push(ip);
    }
    return out.length > 0 ? out : undefined;
  }
}

export class FakeCluster implements TestCluster {
  readonly namespaces = new Set<string>();
  readonly pods = new Map<string, FakePod>();
  readonly services = new Map<string, { ip: string; selector: Record<string, string> }>();
  readonly exports = new Set<string>();
  readonly ingressIPs = new Map<string, string>();
  egressIPs: string[] = [];
  gateways: { pod: string; node: string; active: boolean }[];
  /** Namespace creation fails (e.g. forbidden). */
  failCreateNamespace = false;
  /** Everything ever created, for assertions. */
  readonly history: string[] = [];
  private gatewaySerial = 0;

  constructor(
    readonly context: string,
    readonly facts_: ClusterFacts,
    private readonly net: FakeNetwork,
    private readonly prefix: string,
  ) {
    net.clusters.push(this);
    this.gateways = facts_.gatewayNodes.map((node, i) => ({ pod: `submariner-gateway-${i}`, node, active: i === 0 }));
  }

  async facts(): Promise<ClusterFacts> {
    return structuredClone(this.facts_);
  }

  async createNamespace(name: string): Promise<void> {
    if (this.failCreateNamespace) throw new Error(`namespaces is forbidden: cannot create namespace ${name} in ${this.context}`);
    if (this.namespaces.has(name)) throw new Error(`namespaces "${name}" already exists`);
    this.namespaces.add(name);
    this.history.push(`namespace ${name}`);
  }

  async deleteNamespace(name: string): Promise<void> {
    this.namespaces.delete(name);
    for (const key of [...this.pods.keys(), ...this.services.keys(), ...this.exports, ...this.ingressIPs.keys()]) {
      if (key.startsWith(`${name}/`)) {
        this.pods.delete(key);
        this.services.delete(key);
        this.exports.delete(key);
        this.ingressIPs.delete(key);
      }
    }
  }

  private requireNamespace(ns: string): void {
    if (!this.namespaces.has(ns)) throw new Error(`namespaces "${ns}" not found in ${this.context}`);
  }

  async runPod(req: PodRequest): Promise<RunningPod> {
    this.requireNamespace(req.namespace);
    const key = `${req.namespace}/${req.name}`;
    if (this.pods.has(key)) throw new Error(`pods "${req.name}" already exists`);
    const ip = req.hostNetwork === true ? `${this.prefix}.0.${req.node.length}` : this.net.allocate(`${this.prefix}.1`);
    this.pods.set(key, { req, ip, log: [] });
    this.history.push(`pod ${key} on ${req.node}${req.hostNetwork === true ? ' (host network)' : ''}`);
    return { namespace: req.namespace, name: req.name, container: req.name, ip, node: req.node };
  }

  async createService(namespace: string, name: string, selector: Record<string, string>): Promise<string> {
    this.requireNamespace(namespace);
    const ip = this.net.allocate(`${this.prefix}.2`);
    this.services.set(`${namespace}/${name}`, { ip, selector });
    return ip;
  }

  ownsAddress(ip: string): boolean {
    return ip.startsWith(`${this.prefix}.`);
  }

  serverFor(ip: string): FakePod | undefined {
    const direct = [...this.pods.values()].find((p) => p.ip === ip && p.req.port !== undefined);
    if (direct) return direct;
    const svcKey = [...this.services.entries()].find(([, s]) => s.ip === ip)?.[0] ?? [...this.ingressIPs.entries()].find(([, g]) => g === ip)?.[0];
    if (svcKey === undefined) return undefined;
    const svc = this.services.get(svcKey);
    const ns = svcKey.split('/')[0];
    return [...this.pods.values()].find(
      (p) => p.req.namespace === ns && Object.entries(svc?.selector ?? {}).every(([k, v]) => p.req.labels?.[k] === v),
    );
  }

  exportedAddress(key: string): string | undefined {
    if (!this.exports.has(key)) return undefined;
    return this.facts_.globalCidr !== undefined ? this.ingressIPs.get(key) : this.services.get(key)?.ip;
  }

  async exec(pod: RunningPod, command: readonly string[]): Promise<ExecResult> {
    this.net.execCount++;
    const override = this.net.onExec?.(this, pod, command);
    if (override !== undefined) return override;
    const source = this.pods.get(`${pod.namespace}/${pod.name}`);
    if (source === undefined) throw new Error(`pods "${pod.name}" not found`);
    if (command[0] === 'dig') return this.dig(command.at(-2) ?? '');
    if (command[0] === 'curl') return this.curl(source, command.at(-1) ?? '');
    return { code: 127, stdout: '', stderr: `${command[0] ?? ''}: not found` };
  }

  private dig(name: string): ExecResult {
    const ips = this.net.resolve(name);
    const status = ips ? 'NOERROR' : 'NXDOMAIN';
    const answers = (ips ?? []).map((ip) => `${name}. 5 IN\tA ${ip}`).join('\n');
    return { code: 0, stdout: `;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 1\n\n;; ANSWER SECTION:\n${answers}\n`, stderr: '' };
  }

  private curl(source: FakePod, url: string): ExecResult {
    const host = new URL(url).hostname;
    const ip = /^\d/.test(host) ? host : this.net.resolve(host)?.[0];
    const target = ip === undefined ? undefined : this.net.lookup(ip);
    const noAnswer: ExecResult = { code: 28, stdout: '000', stderr: '' };
    if (target?.server === undefined) return noAnswer;
    const crossing = target.cluster !== this;
    if (crossing && (this.net.partitioned || !this.gateways.some((g) => g.active) || !target.cluster.gateways.some((g) => g.active))) return noAnswer;
    const from = crossing && this.facts_.globalCidr !== undefined ? (this.egressIPs[0] ?? source.ip) : source.ip;
    target.server.log.push(`${from} - - [01/Jan/2025:00:00:00 +0000] "GET / HTTP/1.1" 200 20 "-" "curl/8.0"`);
    return { code: 0, stdout: '200', stderr: '' };
  }

  async logs(pod: RunningPod): Promise<string> {
    return (this.pods.get(`${pod.namespace}/${pod.name}`)?.log ?? []).join('\n');
  }

  async exportService(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    if (!this.services.has(key)) throw new Error(`service ${name} not found in namespace ${namespace}`);
    this.exports.add(key);
    if (this.facts_.globalCidr !== undefined) this.ingressIPs.set(key, this.net.allocate(`${this.prefix}.9`));
  }

  async unexportService(namespace: string, name: string): Promise<void> {
    this.exports.delete(`${namespace}/${name}`);
    this.ingressIPs.delete(`${namespace}/${name}`);
  }

  async activeGateway(): Promise<{ pod: string; node: string } | undefined> {
    const g = this.gateways.find((x) => x.active);
    return g && { pod: g.pod, node: g.node };
  }

  /** Deleting the active gateway pod hands over to another gateway node (or a new pod on the same one). */
  async deleteAgentPod(name: string): Promise<void> {
    const i = this.gateways.findIndex((g) => g.pod === name);
    if (i < 0) throw new Error(`pods "${name}" not found`);
    const [gone] = this.gateways.splice(i, 1);
    const next = this.gateways[0] ?? { pod: `submariner-gateway-r${++this.gatewaySerial}`, node: gone?.node ?? '', active: false };
    if (!this.gateways.includes(next)) this.gateways.push(next);
    next.active = true;
  }

  async clusterEgressIPs(): Promise<string[]> {
    return [...this.egressIPs];
  }

  async globalIngressIP(namespace: string, service: string): Promise<string | undefined> {
    return this.ingressIPs.get(`${namespace}/${service}`);
  }
}

/** Two connected clusters, each with two gateway nodes and a worker. */
export function fakeFleet(o: { globalnet?: boolean } = {}): { net: FakeNetwork; c1: FakeCluster; c2: FakeCluster } {
  const net = new FakeNetwork();
  const facts = (c: string, n: number): ClusterFacts => ({
    clusterId: c,
    globalCidr: o.globalnet === true ? `242.${n}.0.0/16` : undefined,
    gatewayNodes: [`${c}-gateway`, `${c}-gateway2`],
    otherNodes: [`${c}-worker`],
  });
  return { net, c1: new FakeCluster('cluster1', facts('cluster1', 1), net, '10.1'), c2: new FakeCluster('cluster2', facts('cluster2', 2), net, '10.2') };
}
