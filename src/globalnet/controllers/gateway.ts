import { annotations } from '../../api/names.js';
import { allocationKey, ensureAllocation, type ControllerContext } from './context.js';

const CONTRIBUTION = 'gateway';

/**
 * The active gateway's own global IP (key: the node name): annotated `submariner.io/globalIp` on its
 * Gateway object, and DNATed for ICMP to the node's CNI address so remote health checks reach it.
 */
export class GatewayController {
  constructor(
    private readonly ctx: ControllerContext,
    /** This node's address in the pod network, if it has one. */
    private readonly cniIp: string | undefined,
  ) {}

  reserve(): void {
    const node = this.ctx.config.nodeName;
    const ip = this.ctx.kube.gateways.get(node, this.ctx.config.namespace)?.metadata?.annotations?.[annotations.globalIp];
    if (ip && !this.ctx.allocations.reserve(allocationKey.gateway(node), [ip])) {
      this.ctx.log.warn("cannot keep the gateway's recorded global IP: it will be allocated again", { ip });
    }
  }

  async reconcile(node: string): Promise<void> {
    const ctx = this.ctx;
    const key = allocationKey.gateway(node);
    const gw = ctx.kube.gateways.get(node, ctx.config.namespace);
    const recorded = gw?.metadata?.annotations?.[annotations.globalIp];
    const outcome = ensureAllocation(ctx, key, 1, recorded ? [recorded] : undefined);
    if ('failed' in outcome) {
      ctx.log.warn('no global IP for the gateway', { reason: outcome.failed.message });
      return;
    }
    const [globalIp = ''] = outcome.ips;
    if (this.cniIp !== undefined) {
      ctx.dataplane.set(CONTRIBUTION, { kind: 'gateway', globalIp, cniIp: this.cniIp });
      ctx.program();
    }
    // The gateway creates its Gateway object; a change to it brings this key back.
    if (gw && recorded !== globalIp) await ctx.kube.gateways.annotate(node, { [annotations.globalIp]: globalIp });
  }
}
