import type { V1Node } from '@kubernetes/client-node';
import type { Endpoint } from '../../../src/api/generated.js';
import { FakeIptables, FakeKernel, FakeRunner } from '../../../src/net/fake/index.js';
import { Ip } from '../../../src/net/iproute2/ip.js';
import { Iptables } from '../../../src/net/packetfilter/iptables.js';
import type { Logger } from '../../../src/base/log.js';
import type { RouteAgentConfig } from '../../../src/routeagent/config.js';

export const CLUSTER = 'east';
export const NS = 'submariner-operator';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const SERVICE_CIDR = '10.96.0.0/16';

export const config: RouteAgentConfig = {
  namespace: NS,
  clusterId: CLUSTER,
  nodeName: 'east-worker',
  clusterCidrs: [CLUSTER_CIDR],
  serviceCidrs: [SERVICE_CIDR],
  globalCidrs: [],
  networkPlugin: 'generic',
  unknownNetworkPlugin: undefined,
  healthCheck: { enabled: true, intervalSeconds: 1, maxPacketLossCount: 5 },
  uninstall: false,
  debug: false,
};

/** Nodes of the local cluster: name → InternalIP and podCIDR. */
export const NODES = {
  'east-gw': { ip: '10.250.1.10', podCidr: '10.244.0.0/24' },
  'east-gw2': { ip: '10.250.1.12', podCidr: '10.244.2.0/24' },
  'east-worker': { ip: '10.250.1.11', podCidr: '10.244.1.0/24' },
} as const;
export type NodeName = keyof typeof NODES;

export function node(name: NodeName, annotations: Record<string, string> = {}): V1Node {
  return {
    metadata: { name, annotations, resourceVersion: '1' },
    spec: { podCIDR: NODES[name].podCidr },
    status: { addresses: [{ type: 'InternalIP', address: NODES[name].ip }, { type: 'Hostname', address: name }] },
  };
}

export const allNodes = (): V1Node[] => (Object.keys(NODES) as NodeName[]).map((n) => node(n));

let seq = 0;

export function endpoint(clusterId: string, hostname: string, subnets: string[], extra: Partial<Endpoint['spec']> = {}, created?: string): Endpoint {
  seq++;
  const ip = clusterId === CLUSTER ? NODES[hostname as NodeName]?.ip ?? '10.250.1.99' : `172.20.0.${seq}`;
  return {
    apiVersion: 'submariner.io/v1',
    kind: 'Endpoint',
    metadata: {
      name: `${clusterId}-submariner-cable-${clusterId}-${ip.replaceAll('.', '-')}`,
      namespace: NS,
      resourceVersion: String(seq),
      creationTimestamp: (created ?? new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString()) as unknown as Date,
    },
    spec: {
      cluster_id: clusterId,
      cable_name: `submariner-cable-${clusterId}-${ip.replaceAll('.', '-')}`,
      hostname,
      subnets,
      private_ip: ip,
      nat_enabled: false,
      backend: 'vxlan',
      backend_config: {},
      ...extra,
    },
  };
}

export const localEndpoint = (gateway: NodeName, extra: Partial<Endpoint['spec']> = {}): Endpoint =>
  endpoint(CLUSTER, gateway, [SERVICE_CIDR, CLUSTER_CIDR], { healthCheckIP: '10.244.0.1', ...extra });
export const west = (): Endpoint => endpoint('west', 'west-gw', ['10.97.0.0/16', '10.245.0.0/16'], { healthCheckIP: '10.245.0.1' });
export const north = (): Endpoint => endpoint('north', 'north-gw', ['10.98.0.0/16', '10.246.0.0/16'], { healthCheckIP: '10.246.0.1' });

/** A node's network in a FakeKernel: eth0 with its InternalIP and the default route, cni0 with its podCIDR's first address. */
export async function fakeNode(name: NodeName, o: { mtu?: number; cable?: string } = {}): Promise<{ kernel: FakeKernel; ip: Ip; runner: FakeRunner; ipt: FakeIptables; iptables: Iptables }> {
  const kernel = new FakeKernel();
  const { ip: nodeIp, podCidr } = NODES[name];
  await kernel.apply([
    { op: 'linkAdd', link: { name: 'eth0', kind: 'dummy', mtu: o.mtu ?? 1500, up: true } },
    { op: 'addrAdd', addr: { dev: 'eth0', cidr: `${nodeIp}/24` } },
    { op: 'routeAdd', route: { dst: 'default', gateway: '10.250.1.1', dev: 'eth0' } },
    { op: 'linkAdd', link: { name: 'cni0', kind: 'bridge', up: true } },
    { op: 'addrAdd', addr: { dev: 'cni0', cidr: `${podCidr.replace(/0\/24$/, '1')}/24` } },
  ]);
  if (o.cable) await kernel.linkAdd({ name: o.cable, kind: 'wireguard', up: true });
  const runner = new FakeRunner();
  const ipt = new FakeIptables().install(runner);
  return { kernel, ip: new Ip(kernel), runner, ipt, iptables: new Iptables(runner) };
}

export const cniIp = (name: NodeName): string => NODES[name].podCidr.replace(/0\/24$/, '1');

/** A logger that keeps what it was told. */
export function memoryLog(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
