import type { V1Service } from '@kubernetes/client-node';
import type { GlobalIngressIP, GlobalIngressIPStatus } from '../../api/generated.js';
import { annotations } from '../../api/names.js';
import { splitKey } from '../../kube/work-queue.js';
import type { Contribution } from '../dataplane.js';
import { kubeProxyServiceChain } from '../names.js';
import type { ServicePort } from '../plan.js';
import { allocated, allocationKey, conditionsUpdate, ensureAllocation, release, type ControllerContext } from './context.js';

const protocols: Record<string, ServicePort['proto']> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** What an exported ClusterIP Service's global IP leads to: each port into kube-proxy's chain for it. */
export function serviceContribution(globalIp: string, svc: V1Service): Contribution | undefined {
  const clusterIp = svc.spec?.clusterIP;
  const ns = svc.metadata?.namespace ?? '';
  const name = svc.metadata?.name ?? '';
  if (!clusterIp || clusterIp === 'None') return undefined;
  const ports = (svc.spec?.ports ?? []).flatMap((p) => {
    const proto = protocols[p.protocol ?? 'TCP'];
    return proto === undefined ? [] : [{ proto, port: p.port, kubeProxyChain: kubeProxyServiceChain(ns, name, p.name, proto) }];
  });
  return { kind: 'service', globalIp, clusterIp, ports };
}

/**
 * GlobalIngressIPs (key `namespace/name`): each gets one global IP, DNATed to what it targets: a
 * ClusterIP Service, a headless Service's pod (which also leaves as that IP) or Endpoints address.
 */
export class IngressController {
  constructor(private readonly ctx: ControllerContext) {}

  reserve(): void {
    for (const g of this.ctx.kube.ingressIps.list()) {
      const ip = g.status?.allocatedIP;
      const key = `${g.metadata?.namespace ?? ''}/${g.metadata?.name ?? ''}`;
      if (ip && !this.ctx.allocations.reserve(allocationKey.ingress(key), [ip])) {
        this.ctx.log.warn('cannot keep the recorded global IP of a GlobalIngressIP: it will be allocated again', { globalIngressIP: key, ip });
      }
    }
  }

  async reconcile(key: string): Promise<void> {
    const done = this.contribute(key);
    if (done) await this.writeStatus(done.obj, done.ip, done.condition);
  }

  /**
   * Allocates the object's global IP and contributes its rules, or releases and withdraws them when it is gone; the
   * status to record is returned. Synchronous, so that the agent can program rules as objects arrive, ahead of the
   * status writes that wait on the API server.
   */
  contribute(key: string): { obj: GlobalIngressIP; ip: string | undefined; condition: Parameters<typeof conditionsUpdate>[2] } | undefined {
    const ctx = this.ctx;
    const { namespace = '', name } = splitKey(key);
    const akey = allocationKey.ingress(key);
    const obj = ctx.kube.ingressIps.get(name, namespace);
    if (!obj) {
      release(ctx, akey);
      this.withdraw(key);
      return undefined;
    }
    const recorded = obj.status?.allocatedIP ? [obj.status.allocatedIP] : undefined;
    const outcome = ensureAllocation(ctx, akey, 1, recorded);
    if ('failed' in outcome) {
      this.withdraw(key);
      return { obj, ip: undefined, condition: outcome.failed };
    }
    const [globalIp = ''] = outcome.ips;
    const part = this.target(obj, globalIp);
    if (part) ctx.dataplane.set(`ingress/${key}`, part);
    else ctx.dataplane.delete(`ingress/${key}`);
    ctx.program();
    return { obj, ip: globalIp, condition: allocated(1) };
  }

  private target(obj: GlobalIngressIP, globalIp: string): Contribution | undefined {
    const notes = obj.metadata?.annotations ?? {};
    switch (obj.spec?.target) {
      case 'ClusterIPService': {
        const svc = this.ctx.kube.services.get(obj.spec.serviceRef?.name ?? '', obj.metadata?.namespace);
        return svc && serviceContribution(globalIp, svc);
      }
      case 'HeadlessServicePod': {
        const ip = notes[annotations.headlessServicePodIp];
        return ip ? { kind: 'headless-pod', globalIp, ip } : undefined;
      }
      case 'HeadlessServiceEndpoints': {
        const ip = notes[annotations.headlessServiceEndpointsIp];
        return ip ? { kind: 'headless-endpoints', globalIp, ip } : undefined;
      }
      default:
        return undefined;
    }
  }

  private withdraw(key: string): void {
    this.ctx.dataplane.delete(`ingress/${key}`);
    this.ctx.program();
  }

  private async writeStatus(obj: GlobalIngressIP, ip: string | undefined, condition: Parameters<typeof conditionsUpdate>[2]): Promise<void> {
    const conditions = conditionsUpdate(this.ctx, obj.status?.conditions, condition);
    if (!conditions && (obj.status?.allocatedIP ?? undefined) === ip) return;
    const status: GlobalIngressIPStatus = { conditions: conditions ?? obj.status?.conditions ?? [], ...(ip ? { allocatedIP: ip } : {}) };
    await this.ctx.kube.ingressIps.replaceStatus({ ...obj, status });
  }
}
