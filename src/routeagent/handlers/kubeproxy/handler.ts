import { errorText, type Logger } from '../../../base/log.js';
import { allowedCpuMask } from '../../../net/cpus.js';
import type { Ip } from '../../../net/iproute2/ip.js';
import type { NsOpt } from '../../../net/iproute2/model.js';
import type { PacketFilter } from '../../../net/packetfilter/model.js';
import { networkPlugins, pendingRetryMs } from '../../constants.js';
import { HandlerBase, type HandleResult } from '../../event/handler.js';
import { Datapath } from './datapath.js';
import { discoverHost } from './host.js';
import { planDatapath, type DatapathPlan } from './plan.js';

export interface KubeProxyHandlerDeps {
  ip: Ip;
  packetFilter: PacketFilter;
  clusterCidrs: readonly string[];
  /** This cluster's pod, service and global CIDRs. */
  localCidrs: readonly string[];
  log: Logger;
  /** The node's network namespace, when it is not the agent's own. */
  ns?: NsOpt | undefined;
  /** The CPUs vx-submariner spreads what it receives over (a `cpuMask`); by default those this process may run on. */
  cpuMask?: string | undefined;
}

/**
 * The data plane for CNIs whose services kube-proxy programs with iptables: vx-submariner to the
 * active gateway, routes to remote clusters, host networking on the gateway and the packet filter.
 * Level-triggered: every batch of events (and every re-sync) plans the whole node and applies it.
 */
export class KubeProxyHandler extends HandlerBase {
  private readonly datapath: Datapath;
  private readonly cpuMask: string;
  private last: { role: DatapathPlan['role']; gateway: string | undefined; pending: string } | undefined;

  constructor(private readonly deps: KubeProxyHandlerDeps) {
    super();
    this.datapath = new Datapath(deps.ip, deps.packetFilter, deps.ns, deps.log);
    this.cpuMask = deps.cpuMask ?? allowedCpuMask();
  }

  name(): string {
    return 'kubeproxy-iptables';
  }

  override networkPlugins(): readonly string[] {
    return networkPlugins.filter((p) => p !== 'OVNKubernetes');
  }

  override async handle(): Promise<HandleResult> {
    return this.sync();
  }

  /** Plans the node from the current view and its kernel, and applies the plan. */
  async sync(): Promise<HandleResult> {
    const { ip, clusterCidrs, localCidrs, ns } = this.deps;
    const view = this.view();
    const host = await discoverHost(ip, clusterCidrs, this.cpuMask, ns);
    const plan = planDatapath({ view, localCidrs, host });
    try {
      await this.datapath.apply(plan);
    } catch (err) {
      throw new Error(`cannot program the ${plan.role} data plane: ${errorText(err)}`, { cause: err });
    }
    this.report(plan, view.localEndpoint?.hostname);
    return plan.pending.length > 0 ? { retryAfterMs: pendingRetryMs } : {};
  }

  private report(plan: DatapathPlan, gateway: string | undefined): void {
    const now = { role: plan.role, gateway, pending: plan.pending.join('; ') };
    const before = this.last;
    this.last = now;
    if (before?.role !== now.role || before.gateway !== now.gateway) {
      this.deps.log.info('data plane programmed', { role: now.role, gatewayNode: gateway ?? null, remoteRoutes: plan.routes.length + plan.hostRoutes.length });
    }
    if (now.pending !== '' && before?.pending !== now.pending) this.deps.log.warn('data plane incomplete, retrying', { reasons: plan.pending });
  }

  override async uninstall(): Promise<void> {
    await this.datapath.uninstall();
    this.deps.log.info('removed vx-submariner, routes, rules and iptables chains');
  }
}
