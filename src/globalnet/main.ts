import { KubeConfig } from '@kubernetes/client-node';
import { wellKnown } from '../api/names.js';
import { LeaderElector } from '../kube/lease/elector.js';
import { KubeLeaseStore, leaseRequestTimeoutMs } from '../kube/lease/store.js';
import { jsonLogger } from '../base/log.js';
import { serveAgentMetrics } from '../kube/metrics-server.js';
import { cniAddress } from '../net/cni.js';
import { ExecRunner } from '../net/command.js';
import { IpRoute2 } from '../net/iproute2/exec.js';
import { Ip } from '../net/iproute2/ip.js';
import { IpsetCommand } from '../net/ipset.js';
import { Iptables } from '../net/packetfilter/iptables.js';
import { GlobalnetAgent } from './agent.js';
import { uninstallEnv } from '../api/agent-env.js';
import { parseGlobalnetConfig } from './config.js';
import { kernelTimeoutMs, leaderElection } from './constants.js';
import { Dataplane } from './dataplane.js';
import { watchGlobalnet } from './kube.js';
import { GlobalIpGauges } from './metrics.js';

function kernel(): { dataplane: Dataplane; ip: Ip } {
  const runner = new ExecRunner();
  const iptables = new Iptables(runner, { timeoutMs: kernelTimeoutMs });
  const dataplane = new Dataplane({ packetFilter: iptables, ipsets: new IpsetCommand(runner, { timeoutMs: kernelTimeoutMs }) });
  return { dataplane, ip: new Ip(new IpRoute2(runner)) };
}

/** The GlobalNet agent: runs until SIGTERM or SIGINT; the node keeps its rules (a restart reprograms nothing). */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = parseGlobalnetConfig(env);
  const log = jsonLogger('globalnet', config.debug);
  const { dataplane, ip } = kernel();
  if (config.uninstall) {
    const { changed } = await dataplane.uninstall();
    log.info('uninstalled', { node: config.nodeName, removed: changed });
    return;
  }
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const metrics = new GlobalIpGauges();
  const metricsServer = await serveAgentMetrics(metrics.registry, config.metricsPort, log);
  const cniIp = cniAddress(await ip.addrList({ family: 4 }), config.clusterCidrs, ['vx-submariner'])?.ip;
  if (cniIp === undefined) log.warn('no address of this node lies in the cluster CIDR: remote health checks of the gateway\'s global IP will not be answered');
  const agent = new GlobalnetAgent({
    config,
    watches: watchGlobalnet(kc, config.namespace, log),
    dataplane,
    cniIp,
    metrics,
    log,
    newElection: (callbacks) =>
      new LeaderElector({
        identity: `${config.nodeName}-submariner-globalnet`,
        store: new KubeLeaseStore(kc, config.namespace, wellKnown.globalnetLease, { requestTimeoutMs: leaseRequestTimeoutMs(leaderElection) }),
        ...leaderElection,
        log,
        ...callbacks,
      }),
  });
  log.info('starting', { node: config.nodeName, clusterId: config.clusterId, globalCidr: config.globalCidr ?? '(from the Cluster object)' });
  await agent.start();
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping; the node keeps its rules', { signal });
  await agent.stop();
  await metricsServer?.close();
}

/** Removes every GlobalNet chain, rule and ipset from this node (SUBMARINER_UNINSTALL=true does the same). */
export async function uninstall(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await main({ ...env, [uninstallEnv]: 'true' });
}
