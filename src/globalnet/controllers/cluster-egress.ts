import type { ClusterGlobalEgressIP } from '../../api/generated.js';
import { defaultClusterEgressIPs, globalIPReasons, wellKnown } from '../../api/names.js';
import { apiStatus } from '../../kube/apply.js';
import type { WantedCondition } from '../../kube/conditions.js';
import {
  allocated,
  allocationKey,
  checkCount,
  egressStatusUpdate,
  ensureAllocation,
  notAllocated,
  release,
  type ControllerContext,
} from './context.js';

/** The contribution key of the cluster's egress IPs. */
const CONTRIBUTION = 'cluster-egress';

/**
 * ClusterGlobalEgressIPs: the well-known instance gets its global IPs, which all traffic from the
 * cluster's pod and service CIDRs leaves as; any other instance is refused (InvalidInstance).
 */
export class ClusterEgressController {
  constructor(private readonly ctx: ControllerContext) {}

  /** Creates the well-known instance with 8 IPs when it does not exist. */
  async ensureDefault(): Promise<void> {
    const name = wellKnown.clusterEgressIP;
    if (this.ctx.kube.clusterEgressIps.get(name)) return;
    const obj: ClusterGlobalEgressIP = {
      apiVersion: 'submariner.io/v1',
      kind: 'ClusterGlobalEgressIP',
      metadata: { name },
      spec: { numGlobalIPs: defaultClusterEgressIPs },
    };
    try {
      await this.ctx.kube.clusterEgressIps.create(obj);
      this.ctx.log.info('created the default ClusterGlobalEgressIP', { name, numGlobalIPs: defaultClusterEgressIPs });
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
    }
  }

  /** Reserves what the well-known instance's status records (start of leadership, before any reconcile). */
  reserve(): void {
    const obj = this.ctx.kube.clusterEgressIps.get(wellKnown.clusterEgressIP);
    const ips = obj?.status?.allocatedIPs ?? [];
    if (ips.length > 0 && !this.ctx.allocations.reserve(allocationKey.clusterEgress(wellKnown.clusterEgressIP), ips)) {
      this.ctx.log.warn('cannot keep the recorded cluster egress IPs: they will be allocated again', { ips });
    }
  }

  async reconcile(name: string): Promise<void> {
    const ctx = this.ctx;
    const key = allocationKey.clusterEgress(name);
    const obj = ctx.kube.clusterEgressIps.get(name);
    if (!obj) {
      release(ctx, key);
      if (name === wellKnown.clusterEgressIP) this.withdraw();
      return;
    }
    if (name !== wellKnown.clusterEgressIP) {
      await this.writeStatus(obj, [], notAllocated(globalIPReasons.invalidInstance, `Only the ClusterGlobalEgressIP named ${wellKnown.clusterEgressIP} is supported`));
      return;
    }
    const count = obj.spec?.numGlobalIPs ?? 1;
    const invalid = checkCount(count);
    const outcome = invalid ? { failed: invalid } : ensureAllocation(ctx, key, count, obj.status?.allocatedIPs);
    if ('failed' in outcome) {
      release(ctx, key);
      this.withdraw();
      await this.writeStatus(obj, [], outcome.failed);
      return;
    }
    ctx.dataplane.set(CONTRIBUTION, { kind: 'cluster-egress', sources: [...ctx.config.clusterCidrs, ...ctx.config.serviceCidrs], ips: outcome.ips });
    ctx.program();
    await this.writeStatus(obj, outcome.ips, allocated(outcome.ips.length));
  }

  private withdraw(): void {
    this.ctx.dataplane.delete(CONTRIBUTION);
    this.ctx.program();
  }

  private async writeStatus(obj: ClusterGlobalEgressIP, ips: readonly string[], condition: WantedCondition): Promise<void> {
    const status = egressStatusUpdate(this.ctx, obj.status, ips, condition);
    if (status) await this.ctx.kube.clusterEgressIps.replaceStatus({ ...obj, status });
  }

}
