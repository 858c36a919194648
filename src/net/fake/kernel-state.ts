import { isIPv4 } from 'node:net';
import { CommandError } from '../command.js';
import { TABLE_DEFAULT, TABLE_LOCAL, TABLE_MAIN, type AddrInfo, type FdbEntry, type Route, type Rule, type VxlanAttrs } from '../iproute2/model.js';

/** One link in one fake namespace. */
export interface FakeLink {
  index: number;
  name: string;
  kind: string | undefined;
  mtu: number;
  up: boolean;
  address: string;
  master?: string | undefined;
  vxlan?: VxlanAttrs | undefined;
  /** The receive packet steering mask of its first receive queue, as the kernel prints it ('0': none). */
  rpsCpus?: string | undefined;
  /** The other end of a veth: its name and namespace key ('' for the root namespace). */
  peer?: { name: string; ns: string } | undefined;
}

/** Everything one network namespace holds. */
export class NsState {
  readonly links = new Map<string, FakeLink>();
  addrs: AddrInfo[] = [];
  routes: Route[] = [];
  rules: Rule[] = [
    { priority: 0, table: TABLE_LOCAL },
    { priority: 32766, table: TABLE_MAIN },
    { priority: 32767, table: TABLE_DEFAULT },
  ];
  fdb: FdbEntry[] = [];
  readonly sysctl = new Map<string, string>();
  private nextIndex = 1;

  constructor() {
    this.addLink({ name: 'lo', kind: undefined, mtu: 65536, up: false, address: '00:00:00:00:00:00' });
  }

  addLink(link: Omit<FakeLink, 'index'>): FakeLink {
    const full = { ...link, index: this.nextIndex++ };
    this.links.set(full.name, full);
    return full;
  }

  /** Removes a link and what the kernel removes with it: addresses, routes, FDB entries, bridge membership. */
  dropLink(name: string): FakeLink | undefined {
    const link = this.links.get(name);
    if (!link) return undefined;
    this.links.delete(name);
    this.addrs = this.addrs.filter((a) => a.dev !== name);
    this.fdb = this.fdb.filter((e) => e.dev !== name);
    this.dropRoutesVia(name);
    for (const l of this.links.values()) if (l.master === name) l.master = undefined;
    return link;
  }

  /** A link going down or away takes its routes with it. */
  dropRoutesVia(name: string): void {
    this.routes = this.routes.filter((r) => r.dev !== name);
  }

  /** The up link with an IPv4 address whose subnet holds `ip` (what makes a gateway reachable). */
  connectedDev(ip: string, dev?: string): string | undefined {
    if (!isIPv4(ip)) return dev;
    return this.addrs.find((a) => {
      const link = this.links.get(a.dev);
      return link?.up && (dev === undefined || a.dev === dev) && a.family === 4 && inSubnet(ip, a.cidr);
    })?.dev;
  }
}

function v4(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function inSubnet(ip: string, cidr: string): boolean {
  const [net = '', len = '32'] = cidr.split('/');
  if (!isIPv4(ip) || !isIPv4(net)) return false;
  const size = 2 ** (32 - Number(len));
  return Math.floor(v4(ip) / size) === Math.floor(v4(net) / size);
}

/** Throws what the real tool would have printed. */
export function kernelError(argv: readonly string[], code: number, stderr: string): never {
  throw new CommandError(argv, { code, stdout: '', stderr: `${stderr}\n` });
}

let macCounter = 0;

/** A locally administered MAC, unique within the process. */
export function nextMac(): string {
  macCounter++;
  const b = [0x02, 0x4b, 0x53, (macCounter >> 16) & 0xff, (macCounter >> 8) & 0xff, macCounter & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
