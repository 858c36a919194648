// The pool of global IPs of one cluster: every address of its GlobalCIDR but the network and broadcast
// addresses, handed out as contiguous ranges and never twice.

import { cidrContains, cidrSize, formatIp, parseCidr, parseIp, type Cidr } from '../net/cidr.js';

/** An allocation the pool cannot make or take back. */
export class IpamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpamError';
  }
}

export class IpPool {
  private readonly cidr: Cidr;
  /** The first usable address and how many there are. */
  private readonly first: number;
  readonly size: number;
  private readonly used: Uint8Array;
  private free: number;
  /** No free address lies below this index. */
  private lowestFree = 0;

  constructor(readonly globalCidr: string) {
    this.cidr = parseCidr(globalCidr);
    const total = cidrSize(this.cidr);
    const skipEnds = total > 2;
    this.first = this.cidr.base + (skipEnds ? 1 : 0);
    this.size = total - (skipEnds ? 2 : 0);
    this.used = new Uint8Array(this.size);
    this.free = this.size;
  }

  get available(): number {
    return this.free;
  }

  get allocated(): number {
    return this.size - this.free;
  }

  private index(ip: string): number {
    let n: number;
    try {
      n = parseIp(ip);
    } catch {
      throw new IpamError(`"${ip}" is not an IPv4 address`);
    }
    if (!cidrContains(this.cidr, n) || n < this.first || n >= this.first + this.size) {
      throw new IpamError(`${ip} is not an allocatable address of ${this.globalCidr}`);
    }
    return n - this.first;
  }

  /** `count` contiguous addresses, lowest first; undefined when no free run is that long. */
  allocate(count: number): string[] | undefined {
    if (!Number.isInteger(count) || count < 1) throw new IpamError(`cannot allocate ${count} addresses: ask for at least 1`);
    if (count > this.free) return undefined;
    let run = 0;
    for (let i = this.lowestFree; i < this.size; i++) {
      run = this.used[i] ? 0 : run + 1;
      if (run === count) {
        const start = i - count + 1;
        this.used.fill(1, start, i + 1);
        this.free -= count;
        if (start === this.lowestFree) this.advance();
        return Array.from({ length: count }, (_, k) => formatIp(this.first + start + k));
      }
    }
    return undefined;
  }

  /** Marks addresses recorded elsewhere (objects' status) as taken; throws, taking none, when one is taken or outside the pool. */
  reserve(ips: readonly string[]): void {
    const idx = ips.map((ip) => this.index(ip));
    const taken = idx.find((i, k) => this.used[i] || idx.indexOf(i) !== k);
    if (taken !== undefined) throw new IpamError(`${formatIp(this.first + taken)} is already allocated`);
    for (const i of idx) this.used[i] = 1;
    this.free -= idx.length;
    this.advance();
  }

  /** Gives addresses back; addresses not allocated are ignored. */
  release(ips: readonly string[]): void {
    for (const ip of ips) {
      const i = this.index(ip);
      if (!this.used[i]) continue;
      this.used[i] = 0;
      this.free++;
      if (i < this.lowestFree) this.lowestFree = i;
    }
  }

  isAllocated(ip: string): boolean {
    return this.used[this.index(ip)] === 1;
  }

  private advance(): void {
    while (this.lowestFree < this.size && this.used[this.lowestFree]) this.lowestFree++;
  }
}

/** `first-last` (or the address alone) of a contiguous range, as SNAT's --to-source takes it. */
export function ipRange(ips: readonly string[]): string {
  const first = ips[0];
  const last = ips[ips.length - 1];
  if (first === undefined || last === undefined) throw new IpamError('an empty range has no addresses');
  return first === last ? first : `${first}-${last}`;
}

/** Who holds which addresses of a pool: one contiguous range per key (an object). */
export class Allocations {
  private readonly byKey = new Map<string, string[]>();

  constructor(readonly pool: IpPool) {}

  get(key: string): readonly string[] | undefined {
    return this.byKey.get(key);
  }

  /** Takes the addresses an object's status records; false (nothing taken) when one is taken or not in the pool. */
  reserve(key: string, ips: readonly string[]): boolean {
    if (ips.length === 0 || this.byKey.has(key)) return false;
    try {
      this.pool.reserve(ips);
    } catch (err) {
      if (err instanceof IpamError) return false;
      throw err;
    }
    this.byKey.set(key, [...ips]);
    return true;
  }

  /** A new range of `count` addresses for `key`, replacing what it held; undefined (and nothing held) when the pool has no such range. */
  allocate(key: string, count: number): readonly string[] | undefined {
    this.release(key);
    const ips = this.pool.allocate(count);
    if (ips) this.byKey.set(key, ips);
    return ips;
  }

  release(key: string): void {
    const ips = this.byKey.get(key);
    if (ips === undefined) return;
    this.pool.release(ips);
    this.byKey.delete(key);
  }
}
