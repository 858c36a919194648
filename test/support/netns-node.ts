import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndpointSpec } from '../../src/api/generated.js';
import type { Logger } from '../../src/base/log.js';
import { ExecRunner, type CommandRunner, type RunOptions, type RunResult } from '../../src/net/command.js';
import { Ip } from '../../src/net/iproute2/ip.js';
import { IpRoute2 } from '../../src/net/iproute2/exec.js';
import type { DriverContext } from '../../plugins/driver.js';
import { SpawnStarter, type ChildHandle, type ProcessStarter, type StartOptions } from '../../plugins/process.js';

export { isRoot } from './skip.js';
export const PSK = Buffer.from('integration-test-psk-0123456789ab').toString('base64');

const host = new ExecRunner();
const hostIp = new Ip(new IpRoute2(host));

/** Runs every command inside a holder process's network and mount namespaces, as a hostNetwork pod would. */
class NsenterRunner implements CommandRunner {
  constructor(private readonly pid: number) {}
  run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return host.run('nsenter', ['-t', String(this.pid), '-n', '-m', '--', file, ...args], { ...options, netns: undefined });
  }
}

class NsenterStarter implements ProcessStarter {
  private readonly spawner = new SpawnStarter();
  constructor(private readonly pid: number) {}
  start(file: string, args: readonly string[], options: StartOptions = {}): Promise<ChildHandle> {
    return this.spawner.start('nsenter', ['-t', String(this.pid), '-n', '-m', '--', file, ...args], { ...options, netns: undefined });
  }
}

export const quietLog: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * A gateway "node": a network namespace with `eth0` on a shared veth and a bridge `cni0` holding the
 * pod address, plus a private mount namespace (its own /run/wireguard) held by a sleeping process.
 */
export class NetnsNode {
  readonly netns: string;
  readonly runner: CommandRunner;
  readonly ip: Ip;
  readonly processes: ProcessStarter;
  readonly stateDir: string;
  private constructor(
    readonly name: string,
    readonly underlayIp: string,
    readonly podIp: string,
    readonly podCidr: string,
    private readonly holder: ChildProcess,
    netns: string,
  ) {
    const pid = holder.pid ?? 0;
    this.netns = netns;
    this.runner = new NsenterRunner(pid);
    this.ip = new Ip(new IpRoute2(this.runner));
    this.processes = new NsenterStarter(pid);
    this.stateDir = mkdtempSync(join(tmpdir(), `ksub-${name}-`));
  }

  static async create(name: string, netns: string, underlayIp: string, podIp: string, podCidr: string): Promise<NetnsNode> {
    await hostIp.netnsAdd(netns);
    mkdirSync('/run/wireguard', { recursive: true });
    const holder = spawn('ip', ['netns', 'exec', netns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs ksub-wg /run/wireguard && exec sleep infinity'], {
      stdio: 'ignore',
    });
    const pid = holder.pid ?? 0;
    for (let i = 0; i < 100 && readComm(pid) !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 20));
    if (readComm(pid) !== 'sleep') throw new Error(`the namespace holder of ${name} did not start`);
    const node = new NetnsNode(name, underlayIp, podIp, podCidr, holder, netns);
    const ns = { netns };
    await hostIp.linkSet('lo', { up: true }, ns);
    await hostIp.linkAdd({ name: 'cni0', kind: 'bridge', up: true }, ns);
    await hostIp.addrAdd({ dev: 'cni0', cidr: `${podIp}/24` }, ns);
    return node;
  }

  endpoint(backend: EndpointSpec['backend'], over: Partial<EndpointSpec> = {}): EndpointSpec {
    return {
      cluster_id: this.name,
      cable_name: `submariner-cable-${this.name}-${this.underlayIp.replaceAll('.', '-')}`,
      hostname: `${this.name}-gw`,
      subnets: [this.podCidr],
      private_ip: this.underlayIp,
      public_ip: '',
      nat_enabled: false,
      backend,
      healthCheckIP: this.podIp,
      backend_config: { 'udp-port': '4500' },
      ...over,
    };
  }

  context(local: EndpointSpec): DriverContext {
    return {
      localEndpoint: local,
      cniIp: this.podIp,
      settings: { psk: PSK, nattPort: 4500, forceEncaps: false, debug: false },
      runner: this.runner,
      ip: this.ip,
      processes: this.processes,
      log: quietLog,
      stateDir: this.stateDir,
    };
  }

  /** Pings `dst` from the pod address; true when every reply came back. */
  async ping(dst: string, count = 3): Promise<boolean> {
    const res = await this.runner.run('ping', ['-n', '-q', '-c', String(count), '-i', '0.2', '-W', '1', '-I', this.podIp, dst], { allowFailure: true, timeoutMs: 15_000 });
    return res.code === 0;
  }

  /** The names of this node's links. */
  async links(): Promise<string[]> {
    return (await this.ip.linkList()).map((l) => l.name).sort();
  }

  async destroy(): Promise<void> {
    this.holder.kill('SIGKILL');
    if ((await hostIp.netnsList()).includes(this.netns)) await hostIp.netnsDel(this.netns);
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Two nodes joined by a veth pair on 172.31.251.0/24, without routes between their pod subnets; netns names start with `prefix`. */
export async function twoNodes(prefix = 'ksub-p'): Promise<[NetnsNode, NetnsNode]> {
  const tag = randomBytes(3).toString('hex');
  const a = await NetnsNode.create('east', `${prefix}a-${tag}`, '172.31.251.1', '10.91.1.1', '10.91.0.0/16');
  const b = await NetnsNode.create('west', `${prefix}b-${tag}`, '172.31.251.2', '10.92.1.1', '10.92.0.0/16');
  await hostIp.linkAdd({ name: 'eth0', kind: 'veth', peer: `kpb-${tag}`, peerNetns: b.netns }, { netns: a.netns });
  await b.ip.linkSet(`kpb-${tag}`, { up: false });
  await b.runner.run('ip', ['link', 'set', 'dev', `kpb-${tag}`, 'name', 'eth0']);
  for (const n of [a, b]) {
    await n.ip.addrAdd({ dev: 'eth0', cidr: `${n.underlayIp}/24` });
    await n.ip.linkSet('eth0', { up: true });
  }
  return [a, b];
}

/** Gateway nodes on one underlay: a bridge in a namespace of its own, with each node's eth0 on it. */
export interface SwitchedNodes {
  nodes: NetnsNode[];
  destroy(): Promise<void>;
}

const SWITCHED = [
  ['east', '172.31.252.1', '10.91.1.1', '10.91.0.0/16'],
  ['west', '172.31.252.2', '10.92.1.1', '10.92.0.0/16'],
  ['north', '172.31.252.3', '10.93.1.1', '10.93.0.0/16'],
] as const;

/**
 * Up to three nodes (east, west, north) on 172.31.252.0/24, without routes between their pod subnets. The
 * switch is a bridge in a namespace of its own, or `hostBridge`, an existing bridge of the host (the nodes
 * then share that network's path, e.g. the sandbox's public network).
 */
export async function switchedNodes(prefix: string, count: 2 | 3, hostBridge?: string): Promise<SwitchedNodes> {
  const tag = randomBytes(3).toString('hex');
  const switchNs = hostBridge === undefined ? `${prefix}s-${tag}` : undefined;
  if (switchNs) await hostIp.netnsAdd(switchNs);
  const nodes: NetnsNode[] = [];
  const destroy = async () => {
    for (const n of nodes) await n.destroy();
    if (switchNs && (await hostIp.netnsList()).includes(switchNs)) await hostIp.netnsDel(switchNs);
  };
  try {
    if (switchNs) await hostIp.linkAdd({ name: 'br0', kind: 'bridge', up: true }, { netns: switchNs });
    for (const [i, [name, underlayIp, podIp, podCidr]] of SWITCHED.slice(0, count).entries()) {
      const node = await NetnsNode.create(name, `${prefix}${name[0] ?? ''}-${tag}`, underlayIp, podIp, podCidr);
      nodes.push(node);
      // On the host, the port's name must be unique; the namespace goes with its node.
      const port = switchNs ? `port${i}` : `ksp${i}-${tag}`;
      if (switchNs) await hostIp.linkAdd({ name: 'eth0', kind: 'veth', peer: port, peerNetns: switchNs }, { netns: node.netns });
      else await hostIp.linkAdd({ name: port, kind: 'veth', peer: 'eth0', peerNetns: node.netns });
      await host.run('ip', [...(switchNs ? ['-n', switchNs] : []), 'link', 'set', port, 'master', hostBridge ?? 'br0', 'up']);
      await node.ip.addrAdd({ dev: 'eth0', cidr: `${underlayIp}/24` });
      await node.ip.linkSet('eth0', { up: true });
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  return { nodes, destroy };
}

/**
 * A pod behind `node`: a namespace with eth0 on the node's cni0 bridge, the address after the node's,
 * and a default route through the node, which forwards.
 */
export async function podBehind(node: NetnsNode): Promise<{ netns: string; ip: string; runner: CommandRunner; destroy: () => Promise<void> }> {
  const netns = `${node.netns}-pod`;
  const octets = node.podIp.split('.').map(Number);
  const ip = [...octets.slice(0, 3), (octets[3] ?? 0) + 1].join('.');
  await hostIp.netnsAdd(netns);
  await hostIp.linkSet('lo', { up: true }, { netns });
  await hostIp.linkAdd({ name: 'eth0', kind: 'veth', peer: 'podveth', peerNetns: node.netns }, { netns });
  await node.runner.run('ip', ['link', 'set', 'podveth', 'master', 'cni0', 'up']);
  await node.runner.run('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  await hostIp.addrAdd({ dev: 'eth0', cidr: `${ip}/24` }, { netns });
  await hostIp.linkSet('eth0', { up: true }, { netns });
  await host.run('ip', ['-n', netns, 'route', 'add', 'default', 'via', node.podIp]);
  return {
    netns,
    ip,
    runner: { run: (file, args, options = {}) => host.run(file, args, { ...options, netns }) },
    destroy: async () => {
      if ((await hostIp.netnsList()).includes(netns)) await hostIp.netnsDel(netns);
    },
  };
}

/** A TCP echo through the tunnel: a server on `server`'s pod address, a client bound to `client`'s. */
export async function tcpEcho(client: NetnsNode, server: NetnsNode, message: string): Promise<string> {
  const port = 5201;
  const serverJs = `require('net').createServer((c) => c.pipe(c)).listen(${port}, '${server.podIp}', () => console.log('listening'))`;
  let ready!: () => void;
  const listening = new Promise<void>((r) => (ready = r));
  const echo = await server.processes.start(process.execPath, ['-e', serverJs], { onOutput: (l) => l === 'listening' && ready() });
  try {
    await listening;
    const clientJs =
      `const c = require('net').connect({ host: '${server.podIp}', port: ${port}, localAddress: '${client.podIp}' }, () => c.end(process.argv[1]));` +
      `let d = ''; c.on('data', (x) => (d += x)); c.on('close', () => process.stdout.write(d)); c.setTimeout(5000, () => c.destroy());`;
    return (await client.runner.run(process.execPath, ['-e', clientJs, message], { timeoutMs: 10_000 })).stdout;
  } finally {
    await echo.stop();
  }
}
