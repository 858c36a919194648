import { execFileSync } from 'node:child_process';

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
