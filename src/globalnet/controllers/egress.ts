import type { GlobalEgressIP } from '../../api/generated.js';
import { globalIPReasons } from '../../api/names.js';
import type { WantedCondition } from '../../kube/conditions.js';
import { selectorMatches, selectorProblem } from '../../kube/selector.js';
import { splitKey } from '../../kube/work-queue.js';
import { egressIpsetName } from '../names.js';
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
import { hasPodNetworkIp } from './pods.js';

/** Whether a GlobalEgressIP selects pods (SM-GN-EGRESS-PODS) rather than its whole namespace (SM-GN-EGRESS-NS). */
const selectsPods = (g: GlobalEgressIP): boolean => {
  const s = g.spec?.podSelector;
  return s !== undefined && (Object.keys(s.matchLabels ?? {}).length > 0 || (s.matchExpressions ?? []).length > 0);
};

/**
 * GlobalEgressIPs (key `namespace/name`): the selected pods of the namespace, or all of them, are kept
 * in an ipset and leave the cluster as the object's global IPs.
 */
export class EgressController {
  constructor(private readonly ctx: ControllerContext) {}

  reserve(): void {
    for (const g of this.ctx.kube.egressIps.list()) {
      const ips = g.status?.allocatedIPs ?? [];
      const key = `${g.metadata?.namespace ?? ''}/${g.metadata?.name ?? ''}`;
      if (ips.length > 0 && !this.ctx.allocations.reserve(allocationKey.egress(key), ips)) {
        this.ctx.log.warn('cannot keep the recorded egress IPs of a GlobalEgressIP: they will be allocated again', { globalEgressIP: key, ips });
      }
    }
  }

  /** The keys of the GlobalEgressIPs a pod of `namespace` may concern. */
  keysInNamespace(namespace: string): string[] {
    return this.ctx.kube.egressIps.list(namespace).map((g) => `${namespace}/${g.metadata?.name ?? ''}`);
  }

  async reconcile(key: string): Promise<void> {
    const ctx = this.ctx;
    const { namespace = '', name } = splitKey(key);
    const akey = allocationKey.egress(key);
    const obj = ctx.kube.egressIps.get(name, namespace);
    if (!obj) {
      release(ctx, akey);
      this.withdraw(key);
      return;
    }
    const count = obj.spec?.numberOfIPs ?? 1;
    const problem = obj.spec?.podSelector ? selectorProblem(obj.spec.podSelector) : undefined;
    const invalid = problem !== undefined ? notAllocated(globalIPReasons.invalidInput, `Invalid podSelector: ${problem}`) : checkCount(count);
    const outcome = invalid ? { failed: invalid } : ensureAllocation(ctx, akey, count, obj.status?.allocatedIPs);
    if ('failed' in outcome) {
      release(ctx, akey);
      this.withdraw(key);
      await this.writeStatus(obj, [], outcome.failed);
      return;
    }
    const selector = obj.spec?.podSelector ?? {};
    const members = ctx.kube.pods
      .list(namespace)
      .filter((p) => hasPodNetworkIp(p) && selectorMatches(selector, p.metadata?.labels ?? {}))
      .map((p) => p.status?.podIP ?? '');
    ctx.dataplane.set(`egress/${key}`, { kind: selectsPods(obj) ? 'pod-egress' : 'namespace-egress', set: egressIpsetName(key), ips: outcome.ips, members });
    ctx.program();
    await this.writeStatus(obj, outcome.ips, allocated(outcome.ips.length));
  }

  private withdraw(key: string): void {
    this.ctx.dataplane.delete(`egress/${key}`);
    this.ctx.program();
  }

  private async writeStatus(obj: GlobalEgressIP, ips: readonly string[], condition: WantedCondition): Promise<void> {
    const status = egressStatusUpdate(this.ctx, obj.status, ips, condition);
    if (status) await this.ctx.kube.egressIps.replaceStatus({ ...obj, status });
  }

}
