import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cidrSize, formatIp, parseCidr, parseIp } from '../../../net/cidr.js';

interface IpamRecord {
  cidr: string;
  /** Pod uid → address. */
  allocations: Record<string, string>;
  /** Offset of the address handed out last; the next search starts after it. */
  last: number;
}

/**
 * Pod addresses of one node, from its podCIDR: the first address belongs to the bridge, network and
 * broadcast addresses are never handed out. Allocations are written to `file` at every change, so a
 * restarted kubelet gives each pod the address it had.
 */
export class PodIpam {
  private record: IpamRecord;

  constructor(
    private readonly file: string,
    cidr: string,
  ) {
    if (parseCidr(cidr).prefix > 29) throw new Error(`pod CIDR ${cidr} is too small for pods: use a /29 or larger block`);
    const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as IpamRecord) : undefined;
    this.record = saved?.cidr === cidr ? saved : { cidr, allocations: {}, last: 1 };
    this.save();
  }

  get cidr(): string {
    return this.record.cidr;
  }

  /** The bridge's address: the first host address of the range. */
  get gateway(): string {
    return formatIp(parseCidr(this.record.cidr).base + 1);
  }

  lookup(uid: string): string | undefined {
    return this.record.allocations[uid];
  }

  /** The pod's address: the one it holds, else the next free one after the last handed out. */
  allocate(uid: string): string {
    const held = this.record.allocations[uid];
    if (held !== undefined) return held;
    const range = parseCidr(this.record.cidr);
    const size = cidrSize(range);
    const used = new Set(Object.values(this.record.allocations).map(parseIp));
    for (let step = 1; step <= size - 3; step++) {
      const offset = ((this.record.last - 2 + step) % (size - 3)) + 2;
      const ip = range.base + offset;
      if (used.has(ip)) continue;
      this.record.allocations[uid] = formatIp(ip);
      this.record.last = offset;
      this.save();
      return formatIp(ip);
    }
    throw new Error(`no free pod address left in ${this.record.cidr} (${Object.keys(this.record.allocations).length} pods hold one)`);
  }

  release(uid: string): void {
    if (this.record.allocations[uid] === undefined) return;
    delete this.record.allocations[uid];
    this.save();
  }

  /** Drops the allocations of pods not in `uids` (pods deleted while the kubelet was down). */
  retain(uids: ReadonlySet<string>): void {
    const stale = Object.keys(this.record.allocations).filter((u) => !uids.has(u));
    for (const u of stale) delete this.record.allocations[u];
    if (stale.length > 0) this.save();
  }

  private save(): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.record, null, 2));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
