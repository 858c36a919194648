import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './cli.js';

/** Runs kubectl-submariner against the test fleet, failing with its output when it exits non-zero. */
export function submariner(kubeconfig: string, ...args: string[]): CliResult {
  const r = runCli([...args, '--kubeconfig', kubeconfig], { ...process.env, NO_COLOR: '1' });
  if (r.code !== 0) throw new Error(`kubectl submariner ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** deploy-broker on cluster1, then join cluster1 and cluster2 with both gateway nodes each. Returns the broker-info path. */
export function connectClusters(kubeconfig: string, cableDriver: string): string {
  const brokerInfo = join(mkdtempSync(join(tmpdir(), 'ksub-e2e-')), 'broker-info.subm');
  submariner(kubeconfig, 'deploy-broker', '--context', 'cluster1', '--broker-info', brokerInfo);
  for (const c of ['cluster1', 'cluster2']) {
    submariner(kubeconfig, 'join', brokerInfo, '--context', c, '--clusterid', c, '--cable-driver', cableDriver, '--gateway-node', `${c}-gateway`, '--gateway-node', `${c}-gateway2`);
  }
  return brokerInfo;
}

/** Uninstalls cluster2, then cluster1 (and with it the idle broker); fails on any warning uninstall prints. */
export function disconnectClusters(kubeconfig: string): void {
  for (const c of ['cluster2', 'cluster1']) {
    const r = submariner(kubeconfig, 'uninstall', '-y', '--context', c);
    if (r.stderr.includes('⚠')) throw new Error(`kubectl submariner uninstall --context ${c} warned:\n${r.stderr}`);
  }
}

/** What Submariner may leave in a node namespace: SUBMARINER chains, its interfaces, routes and rules. */
export function nodeNetworkState(netns: string): { iptables: string; routes: string; rules: string; links: string } {
  const sh = (args: string[]): string => execFileSync('ip', ['netns', 'exec', netns, ...args], { encoding: 'utf8' });
  return {
    iptables: sh(['iptables-save'])
      .split('\n')
      .filter((l) => !l.startsWith('#') && !/^:\S+ \S+ \[\d+:\d+\]$/.test(l))
      .map((l) => l.replace(/\[\d+:\d+\]/g, ''))
      .join('\n'),
    // IPv4 routes, without the carrier state of cni0, which goes down when a node's last pod leaves.
    routes: sh(['ip', '-4', 'route', 'show', 'table', 'all']).replaceAll(' linkdown', ''),
    rules: sh(['ip', 'rule', 'show']),
    // The node's own links; pods' veths (on cni0) come and go with the pods.
    links: sh(['ip', '-o', 'link', 'show'])
      .split('\n')
      .filter((l) => !l.includes(' master cni0 '))
      .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
      .filter((l) => l !== '')
      .sort()
      .join('\n'),
  };
}
