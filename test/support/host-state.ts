import { execFileSync } from 'node:child_process';
import { stateRoot } from '../../src/sandbox/state.js';
import type { FleetTopology } from '../../src/sandbox/topology.js';

/**
 * What a sandbox changes on the host: network namespaces, links, its processes (control planes, CoreDNS, OCM,
 * the daemon) and iptables. Other fleets on the host (test and benchmark control planes) are not ours to judge.
 */
export function hostState(): Record<string, string> {
  const sh = (file: string, args: string[]): string => execFileSync(file, args, { encoding: 'utf8' });
  const procs = sh('ps', ['-eo', 'comm=,args='])
    .split('\n')
    .filter((l) => /etcd|kube-|coredns|\/ocm-v[\d.]+\/|forwarder\.js|http-server\.js|daemon\.(js|ts)/.test(l) && !/kubectl-submariner\/(test|bench)-/.test(l) && !l.includes('node --test') && !l.startsWith('ps '))
    .sort();
  return {
    netns: sh('ip', ['netns', 'list']),
    links: sh('ip', ['-o', 'link', 'show']).replace(/^\d+: /gm, '').split('\n').map((l) => l.split(':')[0]).sort().join('\n'),
    processes: procs.join('\n'),
    iptables: sh('iptables-save', []).split('\n').filter((l) => !l.startsWith('#')).join('\n'),
  };
}

/**
 * What is left on the host of the sandbox fleet `name` with this topology: its network namespaces and links,
 * and processes run from its state directory or from OCM's binaries outside test and benchmark fleets. Unlike
 * hostState, it ignores whatever else runs on the host meanwhile.
 */
export function sandboxLeftovers(topology: FleetTopology, name = 'sandbox'): string[] {
  const sh = (file: string, args: string[]): string => execFileSync(file, args, { encoding: 'utf8' });
  const nodes = topology.clusters.flatMap((c) => c.nodes);
  const ourNetns = new Set(nodes.map((n) => n.netns));
  const ourLinks = new Set([topology.apiLink, topology.publicBridge, ...topology.clusters.map((c) => c.bridge), ...nodes.flatMap((n) => (n.publicHostLink ? [n.hostLink, n.publicHostLink] : [n.hostLink]))]);
  const netns = sh('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => ourNetns.has(n));
  const links = sh('ip', ['-o', 'link', 'show']).split('\n').map((l) => l.replace(/^\d+: /, '').split(/[:@]/)[0] ?? '').filter((l) => ourLinks.has(l));
  const dir = `${stateRoot()}/${name}/`;
  const procs = sh('ps', ['-eo', 'pid=,args='])
    .split('\n')
    .filter((l) => (l.includes(dir) || /\/ocm-v[\d.]+\//.test(l)) && !/kubectl-submariner\/(test|bench)-/.test(l) && !l.includes(' ps -eo'));
  return [...netns.map((n) => `netns ${n}`), ...links.map((l) => `link ${l}`), ...procs.map((p) => `process ${p.trim()}`)];
}
