import { isIP } from 'node:net';
import { checkNetnsName } from '../command.js';
import type { Addr, FdbEntry, IpOp, LinkAttrs, LinkSpec, Route, Rule } from './model.js';

// Every value is checked before it reaches an argv or a batch line: no whitespace, no leading "-".

const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,14}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const WORD = /^[a-z0-9_]+$/;
const MARK = /^(0x[0-9a-f]+|\d+)(\/(0x[0-9a-f]+|\d+))?$/i;
const SYSCTL_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./:-]*$/;

export function checkIfName(name: string): string {
  if (!IFNAME.test(name)) {
    throw new RangeError(`invalid interface name "${name}": use 1-15 letters, digits or "_.+-", not starting with "-" or "."`);
  }
  return name;
}

export function checkIp(ip: string, what = 'address'): string {
  if (isIP(ip) === 0) throw new RangeError(`invalid ${what} "${ip}": use an IPv4 or IPv6 address such as 10.0.0.1`);
  return ip;
}

export function checkCidr(cidr: string, what = 'CIDR'): string {
  const [ip = '', len, extra] = cidr.split('/');
  const max = isIP(ip) === 6 ? 128 : 32;
  const n = Number(len);
  if (isIP(ip) === 0 || extra !== undefined || (len !== undefined && !(len !== '' && Number.isInteger(n) && n >= 0 && n <= max))) {
    throw new RangeError(`invalid ${what} "${cidr}": use address/prefix such as 10.1.0.0/16`);
  }
  return cidr;
}

function checkDst(dst: string): string {
  return dst === 'default' ? dst : checkCidr(dst, 'route destination');
}

export function checkMac(mac: string): string {
  if (!MAC.test(mac)) throw new RangeError(`invalid MAC address "${mac}": use six hex pairs such as 00:00:00:00:00:00`);
  return mac.toLowerCase();
}

function checkWord(value: string, what: string): string {
  if (!WORD.test(value)) throw new RangeError(`invalid ${what} "${value}": use a name such as "static" or a number`);
  return value;
}

function checkUint(value: number, what: string, max = 0xffffffff): string {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`invalid ${what} ${value}: use a whole number from 0 to ${max}`);
  }
  return String(value);
}

function checkMark(mark: string): string {
  if (!MARK.test(mark)) throw new RangeError(`invalid fwmark "${mark}": use value or value/mask such as 0xc0000/0xc0000`);
  return mark;
}

export function checkSysctlKey(key: string): string {
  if (!SYSCTL_KEY.test(key) || key.includes('..')) {
    throw new RangeError(`invalid sysctl key "${key}": use a name such as net.ipv4.ip_forward`);
  }
  return key;
}

export function checkSysctlValue(key: string, value: string): string {
  if (/[\n\r]/.test(value) || value === '') throw new RangeError(`invalid value for sysctl ${key}: use one line of text`);
  return value;
}

/** A CPU mask as `rps_cpus` takes it: hex, in comma-separated groups of 8 digits after the first. */
export function checkCpuMask(mask: string): string {
  if (!/^[0-9a-f]{1,8}(,[0-9a-f]{8})*$/i.test(mask)) throw new RangeError(`invalid CPU mask "${mask}": give hex digits in comma-separated groups of 8, e.g. 3 or ff,ffffffff`);
  return mask;
}

/** Where `dev`'s first receive queue takes its steering mask. In a network namespace, `ip netns exec` mounts that namespace's /sys. */
export const rpsCpusPath = (dev: string): string => `/sys/class/net/${checkIfName(dev)}/queues/rx-0/rps_cpus`;

export { checkNetnsName };

function linkCommonArgs(spec: { mtu?: number | undefined; address?: string | undefined; master?: string | undefined; up?: boolean | undefined }): string[] {
  const args: string[] = [];
  if (spec.mtu !== undefined) args.push('mtu', checkUint(spec.mtu, 'MTU', 65535));
  if (spec.address !== undefined) args.push('address', checkMac(spec.address));
  if (spec.master !== undefined) args.push('master', checkIfName(spec.master));
  if (spec.up) args.push('up');
  return args;
}

function linkAddArgs(spec: LinkSpec): string[] {
  const args = ['link', 'add', 'name', checkIfName(spec.name), ...linkCommonArgs(spec), 'type', spec.kind];
  switch (spec.kind) {
    case 'veth':
      args.push('peer', 'name', checkIfName(spec.peer));
      if (spec.peerNetns !== undefined) args.push('netns', checkNetnsName(spec.peerNetns));
      break;
    case 'vxlan':
      args.push('id', checkUint(spec.vni, 'VXLAN VNI', 0xffffff), 'dstport', checkUint(spec.port, 'VXLAN port', 65535));
      if (spec.dev !== undefined) args.push('dev', checkIfName(spec.dev));
      if (spec.remote !== undefined) args.push('remote', checkIp(spec.remote, 'VXLAN remote'));
      if (spec.group !== undefined) args.push('group', checkIp(spec.group, 'VXLAN group'));
      if (spec.local !== undefined) args.push('local', checkIp(spec.local, 'VXLAN local address'));
      break;
    default:
      break;
  }
  return args;
}

function linkSetArgs(name: string, attrs: LinkAttrs): string[] {
  const args = ['link', 'set', 'dev', checkIfName(name)];
  if (attrs.mtu !== undefined) args.push('mtu', checkUint(attrs.mtu, 'MTU', 65535));
  if (attrs.address !== undefined) args.push('address', checkMac(attrs.address));
  if (attrs.master === null) args.push('nomaster');
  else if (attrs.master !== undefined) args.push('master', checkIfName(attrs.master));
  if (attrs.netns !== undefined) args.push('netns', checkNetnsName(attrs.netns));
  if (attrs.up !== undefined) args.push(attrs.up ? 'up' : 'down');
  if (args.length === 4) throw new RangeError(`nothing to set on link "${name}": give up, mtu, address, master or netns`);
  return args;
}

function addrArgs(verb: 'add' | 'del', addr: Addr): string[] {
  return ['addr', verb, checkCidr(addr.cidr, 'interface address'), 'dev', checkIfName(addr.dev)];
}

function routeArgs(verb: 'add' | 'replace' | 'del', r: Route): string[] {
  const args = ['route', verb];
  if (r.type !== undefined) args.push(checkWord(r.type, 'route type'));
  args.push(checkDst(r.dst));
  if (r.gateway !== undefined) args.push('via', checkIp(r.gateway, 'gateway'));
  if (r.dev !== undefined) args.push('dev', checkIfName(r.dev));
  if (r.src !== undefined) args.push('src', checkIp(r.src, 'route source'));
  if (r.metric !== undefined) args.push('metric', checkUint(r.metric, 'route metric'));
  if (r.protocol !== undefined) args.push('proto', checkWord(r.protocol, 'route protocol'));
  if (r.scope !== undefined) args.push('scope', checkWord(r.scope, 'route scope'));
  if (r.onlink) args.push('onlink');
  args.push('table', checkUint(r.table ?? 254, 'routing table'));
  return args;
}

function ruleArgs(verb: 'add' | 'del', r: Rule): string[] {
  const args = ['rule', verb];
  if (r.priority !== undefined) args.push('priority', checkUint(r.priority, 'rule priority'));
  if (r.from !== undefined) args.push('from', checkCidr(r.from, 'rule source'));
  if (r.to !== undefined) args.push('to', checkCidr(r.to, 'rule destination'));
  if (r.fwmark !== undefined) args.push('fwmark', checkMark(r.fwmark));
  if (r.iif !== undefined) args.push('iif', checkIfName(r.iif));
  if (r.oif !== undefined) args.push('oif', checkIfName(r.oif));
  args.push('table', checkUint(r.table, 'routing table'));
  return args;
}

function fdbArgs(verb: 'append' | 'del', e: FdbEntry): string[] {
  return ['fdb', verb, checkMac(e.mac), 'dev', checkIfName(e.dev), 'dst', checkIp(e.dst, 'FDB destination')];
}

/** The program (`ip` or `bridge`) and arguments for one write. */
export function opArgv(op: IpOp): { tool: 'ip' | 'bridge'; args: string[] } {
  switch (op.op) {
    case 'linkAdd': return { tool: 'ip', args: linkAddArgs(op.link) };
    case 'linkSet': return { tool: 'ip', args: linkSetArgs(op.name, op.attrs) };
    case 'linkDel': return { tool: 'ip', args: ['link', 'del', 'dev', checkIfName(op.name)] };
    case 'addrAdd': return { tool: 'ip', args: addrArgs('add', op.addr) };
    case 'addrDel': return { tool: 'ip', args: addrArgs('del', op.addr) };
    case 'routeAdd': return { tool: 'ip', args: routeArgs('add', op.route) };
    case 'routeReplace': return { tool: 'ip', args: routeArgs('replace', op.route) };
    case 'routeDel': return { tool: 'ip', args: routeArgs('del', op.route) };
    case 'routeFlush': return { tool: 'ip', args: ['route', 'flush', 'table', checkUint(op.table, 'routing table')] };
    case 'ruleAdd': return { tool: 'ip', args: ruleArgs('add', op.rule) };
    case 'ruleDel': return { tool: 'ip', args: ruleArgs('del', op.rule) };
    case 'fdbAppend': return { tool: 'bridge', args: fdbArgs('append', op.entry) };
    case 'fdbDel': return { tool: 'bridge', args: fdbArgs('del', op.entry) };
  }
}
