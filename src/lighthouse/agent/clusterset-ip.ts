import { cidrSize, formatCidr, formatIp, parseCidr, parseIp, type Cidr } from '../../net/cidr.js';

/**
 * Hands out clusterset IPs from this cluster's block of the clusterset IP range (the broker splits the range per
 * cluster, so clusters never hand out the same IP). Which IPs are in use is the broker's to say: the IPs exports
 * carry there. This keeps the IPs handed out here until an export carries them, so two services reconciled at the
 * same time never get the same one. The block's first and last addresses are never used.
 */
export class ClustersetIpAllocator {
  private readonly block: Cidr | undefined;
  private readonly held = new Map<string, string>();

  constructor(cidr: string | undefined) {
    this.block = cidr ? parseCidr(cidr) : undefined;
  }

  /** The block, e.g. 243.0.0.0/20; undefined when this cluster has none. */
  get cidr(): string | undefined {
    return this.block && formatCidr(this.block);
  }

  /** The IP held for `service`, else the lowest of the block that neither `used` holds nor another service here. */
  allocate(service: string, used: ReadonlySet<string>): string {
    const mine = this.held.get(service);
    if (mine !== undefined) return mine;
    if (this.block === undefined) throw new Error('this cluster has no block of the clusterset IP range: join it again to get one');
    const taken = new Set([...used, ...this.held.values()]);
    const size = cidrSize(this.block);
    for (let n = 1; n < size - 1; n++) {
      const ip = formatIp(this.block.base + n);
      if (taken.has(ip)) continue;
      this.held.set(service, ip);
      return ip;
    }
    throw new Error(`the clusterset IP block ${formatCidr(this.block)} of this cluster is full (${size - 2} services): deploy the broker with a larger --clusterset-ip-cidr-range`);
  }

  /** Forgets the IP handed out for `service` (an export carries it now, or it is not needed any more). */
  release(service: string): void {
    this.held.delete(service);
  }

  /** Whether `ip` is in this cluster's block. */
  owns(ip: string): boolean {
    if (this.block === undefined) return false;
    const n = parseIp(ip);
    return n >= this.block.base && n < this.block.base + cidrSize(this.block);
  }
}
