import { errorText, type Logger } from '../../../base/log.js';
import type { Ip } from '../../../net/iproute2/ip.js';
import { routeKey, sameRoute, TABLE_MAIN, type IpOp, type NsOpt, type Route } from '../../../net/iproute2/model.js';
import type { PacketFilter } from '../../../net/packetfilter/model.js';
import { hostNetworking, packetFilterOwner, vxlan } from '../../constants.js';
import type { DatapathPlan } from './plan.js';

const hostRule = { priority: hostNetworking.rulePriority, table: hostNetworking.table };

/**
 * Makes the node's kernel match a DatapathPlan through the Ip adapter and the packet filter (one
 * batch per table at most), and removes it all on uninstall. Applying the same plan
 * twice changes nothing the second time.
 */
export class Datapath {
  /** The last receive packet steering failure warned about: warned once, not on every sync. */
  private rpsFailure: string | undefined;
  /** The steering mask vx-submariner has had since this datapath created or checked it: not read again on every sync. */
  private steered: string | undefined;

  constructor(
    private readonly ip: Ip,
    private readonly packetFilter: PacketFilter,
    private readonly ns: NsOpt = {},
    private readonly log?: Logger,
  ) {}

  async apply(plan: DatapathPlan): Promise<void> {
    await this.packetFilter.apply(plan.packetFilter);
    await this.syncVxlan(plan);
    await this.syncRoutes(plan.routes);
    await this.syncHostNetworking(plan);
  }

  private async syncVxlan(plan: DatapathPlan): Promise<void> {
    const { ip, ns } = this;
    if (!plan.vxlan) {
      this.steered = undefined;
      await ip.linkDelIfPresent(vxlan.name, ns);
      return;
    }
    // A device made again (by this sync, or by a failed one that made it before failing) starts unsteered.
    const link = await ip.ensureVxlan(plan.vxlan.link, ns).catch((err: unknown) => {
      this.steered = undefined;
      throw err;
    });
    if (link === 'created' || link === 'recreated') this.steered = undefined;
    if (plan.vxlan.rpsCpus !== undefined && plan.vxlan.rpsCpus !== this.steered) await this.steer(plan.vxlan.rpsCpus);
    const want = plan.vxlan.address;
    const have = await ip.addrList({ ...ns, dev: vxlan.name, family: 4 });
    const ops: IpOp[] = have.filter((a) => a.cidr !== want).map((a): IpOp => ({ op: 'addrDel', addr: { dev: vxlan.name, cidr: a.cidr } }));
    if (!have.some((a) => a.cidr === want)) ops.push({ op: 'addrAdd', addr: { dev: vxlan.name, cidr: want } });
    if (ops.length > 0) await ip.apply(ops, ns);
    for (const { key, value } of plan.sysctls) {
      if ((await ip.sysctlRead(key, ns)) !== value) await ip.sysctlWrite(key, value, ns);
    }
    if (plan.role === 'gateway') await ip.syncFloodList(vxlan.name, plan.flood, ns);
  }

  /** Receive packet steering is a matter of speed: a node that refuses it (a read-only /sys) still forwards. */
  private async steer(mask: string): Promise<void> {
    try {
      await this.ip.ensureRpsCpus(vxlan.name, mask, this.ns);
      this.steered = mask;
      this.rpsFailure = undefined;
    } catch (err) {
      const error = errorText(err);
      if (this.rpsFailure !== error) this.log?.warn(`cannot spread what ${vxlan.name} receives over the node's CPUs; traffic still flows`, { error });
      this.rpsFailure = error;
    }
  }

  /** Main-table routes through vx-submariner: exactly the planned ones. */
  private async syncRoutes(routes: readonly Route[]): Promise<void> {
    const have = await this.ip.routeList({ ...this.ns, table: TABLE_MAIN, family: 4 });
    const ours = have.filter((r) => r.dev === vxlan.name && r.protocol !== 'kernel');
    await this.replaceRoutes(ours, routes);
  }

  private async syncHostNetworking(plan: DatapathPlan): Promise<void> {
    const { ip, ns } = this;
    if (!plan.rule) await ip.ruleDelIfPresent(hostRule, ns);
    const have = await ip.routeList({ ...ns, table: hostNetworking.table, family: 4 });
    await this.replaceRoutes(have, plan.hostRoutes);
    if (plan.rule) await ip.ruleAddIfNotPresent(plan.rule, ns);
  }

  /** Deletes the routes of `have` that are not wanted (those a wanted one replaces stay until replaced), then writes the missing ones. */
  private async replaceRoutes(have: readonly Route[], want: readonly Route[]): Promise<void> {
    const keys = new Set(want.map(routeKey));
    const stale = have.filter((r) => !want.some((w) => sameRoute(w, r)) && !keys.has(routeKey(r)));
    if (stale.length > 0) await this.ip.apply(stale.map((route): IpOp => ({ op: 'routeDel', route })), { ...this.ns, force: true });
    if (want.length > 0) await this.ip.routesAddOrReplace(want, this.ns);
  }

  /** Removes every chain, jump, rule, route, FDB entry and link the route agent creates; each step runs even if another fails. */
  async uninstall(): Promise<void> {
    const { ip, ns, packetFilter } = this;
    const steps: (() => Promise<unknown>)[] = [
      () => packetFilter.remove(packetFilterOwner),
      () => ip.ruleDelIfPresent(hostRule, ns),
      () => ip.routeFlush(hostNetworking.table, ns),
      // Its routes and FDB entries go with the link.
      () => ip.linkDelIfPresent(vxlan.name, ns),
    ];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(failures, `uninstall left state behind: ${failures.map((f) => (f instanceof Error ? f.message : String(f))).join('; ')}`);
    }
  }
}
