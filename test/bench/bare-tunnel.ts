// The ceilings of the wireguard and vxlan cables: one bare tunnel between the two active gateway namespaces of the
// sandbox, over the same addresses as the cable and at its MTU, with nothing else on the path (no vx-submariner hop,
// no route agent rules, no pod veths): iperf3 and ping run in the gateways themselves. wireguard-go is the binary the
// driver starts, with a pre-shared key as the driver sets one; vxlan is one kernel VXLAN device a side. Its
// processes (wireguard-go, iperf3) run either in the host's root CPU cgroup or each in a CPU cgroup of its own, as
// the cable's run in the containers of their pods.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findWireguardGo } from '../../plugins/wireguard/install.js';
import { Wg, wgPresharedKey } from '../../plugins/wireguard/wg.js';
import { commandArgv, ExecRunner, type CommandRunner, type RunOptions } from '../../src/net/command.js';
import { CpuCgroup, toRootCgroup } from './cpu-cgroup.js';
import { iperfReceivedBps, pingAverageMs } from './dataplane-parse.js';

export type BareTunnel = 'wireguard-go' | 'vxlan';

/**
 * Where the bare path's processes run: `host`, in the root CPU cgroup, each thread competing on its own; `cgroups`,
 * each daemon and each iperf3 in a CPU cgroup of its own, competing as one group as a container does.
 */
export type Placement = 'host' | 'cgroups';

/** A bare path the benchmark measures beside a cable, round by round, until stopped. */
export interface BarePath {
  /** TCP throughput in bit/s through the path, for `seconds`, its processes placed as `placement` says. */
  iperf(seconds: number, placement?: Placement): Promise<number>;
  /** Average RTT in ms of 20 pings every `intervalS`. */
  rttMs(intervalS: number): Promise<number>;
  stop(): Promise<void>;
}

/** One gateway: its network namespace and the address the other gateway reaches it at. */
export interface BareSide {
  netns: string;
  address: string;
}

interface Side extends BareSide {
  dev: string;
  runner: CommandRunner;
  tunnelIp: string;
  port: number;
}

/**
 * `slot` sets a bare tunnel apart from others up at the same time (its devices, port, VNI and addresses); `env` is
 * added to wireguard-go's environment.
 */
export interface BareOptions {
  slot?: number;
  env?: Record<string, string>;
}

const host = new ExecRunner();
/**
 * Ports and VNI of slot 0, apart from the cables' own (4500, VNI 1000) and the route agent's (4800, VNI 100); each
 * slot takes one off.
 */
const wgPort = 51820;
const vxlan = { vni: 99, port: 4799 };
/** Tunnel addresses of slot `n` in the RFC 2544 benchmarking range, apart from the veth baseline's: a /30 each. */
const tunnel = { prefix: 30, address: (slot: number, side: number) => `198.18.2.${slot * 4 + side + 1}` };

const argvCommand = ([file = '', ...args]: string[]): { file: string; args: string[] } => ({ file, args });

function inNetns(netns: string): CommandRunner {
  return { run: (file: string, args: readonly string[], o: RunOptions = {}) => host.run(file, args, { ...o, netns }) };
}

async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`bare tunnel: ${what} within 15 s`);
    await sleep(100);
  }
}

/** The MTU of `dev` in `netns`. */
export async function linkMtu(netns: string, dev: string): Promise<number> {
  const [link] = JSON.parse((await host.run('ip', ['-n', netns, '-j', 'link', 'show', dev])).stdout) as { mtu: number }[];
  if (link === undefined) throw new Error(`no link ${dev} in ${netns}`);
  return link.mtu;
}

/** Two wireguard-go devices peered over the sides' addresses; returns the daemons (killed if the setup fails). */
async function wireguardGo(sides: [Side, Side], secrets: string, env: Record<string, string>): Promise<ChildProcess[]> {
  const binary = findWireguardGo();
  // Go's defaults unless `env` says otherwise, whatever the benchmark's own environment holds.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GO')));
  const daemons = sides.map((s) => spawn('ip', ['netns', 'exec', s.netns, binary, '-f', s.dev], { stdio: 'ignore', env: { ...inherited, ...env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' } }));
  try {
    await peerWireguardGo(binary, sides, secrets);
  } catch (err) {
    for (const d of daemons) d.kill('SIGKILL');
    throw err;
  }
  return daemons;
}

async function peerWireguardGo(binary: string, sides: [Side, Side], secrets: string): Promise<void> {
  const keys: { wg: Wg; publicKey: string; privateKey: string }[] = [];
  for (const s of sides) {
    const wg = new Wg(s.runner, secrets);
    await until(`${binary} did not create ${s.dev} in ${s.netns}`, () => wg.ready(s.dev));
    const privateKey = await wg.genKey();
    keys.push({ wg, privateKey, publicKey: await wg.pubKey(privateKey) });
  }
  for (const [i, s] of sides.entries()) {
    const [me, peer, other] = [keys[i], keys[1 - i], sides[1 - i]];
    if (!me || !peer || !other) throw new Error('bare wireguard-go: two sides expected');
    await me.wg.setDevice(s.dev, s.port, me.privateKey);
    await me.wg.setPeer(s.dev, { publicKey: peer.publicKey, endpoint: `${other.address}:${other.port}`, allowedIps: [`${other.tunnelIp}/32`], keepaliveSeconds: 10, presharedKey: wgPresharedKey('bench') });
  }
}

/** One end of a node-level iperf3 run: the network namespace, and the CPU cgroup to run in (else the root group). */
export interface IperfEnd {
  netns: string;
  group?: CpuCgroup | undefined;
}

/**
 * TCP throughput in bit/s of one iperf3 run of `seconds` from `client`'s namespace to a server listening on `address`
 * in `server`'s, each process in its end's CPU cgroup. The processes run in the namespaces themselves, not in pods.
 */
export async function iperfBetween(client: IperfEnd, server: IperfEnd, address: string, seconds: number): Promise<number> {
  const placed = (end: IperfEnd, argv: string[]) => (end.group ? end.group.wrap(argv) : argvCommand(argv));
  const listen = placed(server, commandArgv('iperf3', ['-s', '-1', '-B', address], server.netns));
  const send = placed(client, commandArgv('iperf3', ['-c', address, '-t', String(seconds), '-O', '1', '-J'], client.netns));
  const listener = spawn(listen.file, listen.args, { stdio: 'ignore' });
  try {
    await sleep(500);
    const r = await host.run(send.file, send.args, { allowFailure: true, timeoutMs: (seconds + 20) * 1000 });
    return iperfReceivedBps(r.stdout);
  } finally {
    listener.kill('SIGKILL');
  }
}

/** A bare tunnel of `mtu` bytes between `a` and `b`, up and answering; iperf3 and ping go a → b. */
export async function startBareTunnel(kind: BareTunnel, a: BareSide, b: BareSide, mtu: number, options: BareOptions = {}): Promise<BarePath> {
  const slot = options.slot ?? 0;
  const secrets = mkdtempSync(join(tmpdir(), 'bench-tunnel-'));
  const sides = [a, b].map((side, i): Side => ({ ...side, dev: `bench-tun${slot * 2 + i}`, runner: inNetns(side.netns), tunnelIp: tunnel.address(slot, i), port: wgPort - slot })) as [Side, Side];
  let daemons: ChildProcess[] = [];
  let groups: { daemons: CpuCgroup[]; client: CpuCgroup; server: CpuCgroup } | undefined;
  const placed = (placement: Placement) => {
    if (placement === 'host') {
      for (const d of daemons) if (d.pid !== undefined) toRootCgroup(d.pid);
      return undefined;
    }
    groups ??= {
      daemons: daemons.map((_, i) => new CpuCgroup(`ksub-bench-bare${slot}-daemon${i}`)),
      client: new CpuCgroup(`ksub-bench-bare${slot}-client`),
      server: new CpuCgroup(`ksub-bench-bare${slot}-server`),
    };
    for (const [i, d] of daemons.entries()) if (d.pid !== undefined) groups.daemons[i]?.add(d.pid);
    return groups;
  };
  const stop = async (): Promise<void> => {
    for (const s of sides) await s.runner.run('ip', ['link', 'del', s.dev], { allowFailure: true });
    for (const d of daemons) d.kill('SIGKILL');
    rmSync(secrets, { recursive: true, force: true });
    // Every group goes, even when one of them will not.
    if (groups) await Promise.allSettled([...groups.daemons, groups.client, groups.server].map((g) => g.remove()));
  };
  const [client, server] = sides;
  try {
    if (kind === 'wireguard-go') daemons = await wireguardGo(sides, secrets, options.env ?? {});
    else {
      for (const [i, s] of sides.entries()) {
        const other = sides[1 - i] as Side;
        await s.runner.run('ip', ['link', 'add', s.dev, 'type', 'vxlan', 'id', String(vxlan.vni - slot), 'remote', other.address, 'local', s.address, 'dstport', String(vxlan.port - slot)]);
      }
    }
    for (const s of sides) {
      await s.runner.run('ip', ['addr', 'add', `${s.tunnelIp}/${tunnel.prefix}`, 'dev', s.dev]);
      await s.runner.run('ip', ['link', 'set', s.dev, 'mtu', String(mtu), 'up']);
    }
    await until('no ping answer through the tunnel', async () => (await client.runner.run('ping', ['-n', '-c', '1', '-W', '1', server.tunnelIp], { allowFailure: true })).code === 0);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    iperf: async (seconds, placement = 'host') => {
      const g = placed(placement);
      return iperfBetween({ netns: client.netns, group: g?.client }, { netns: server.netns, group: g?.server }, server.tunnelIp, seconds);
    },
    rttMs: async (intervalS) => {
      const ping = await client.runner.run('ping', ['-n', '-q', '-c', '20', '-i', String(intervalS), '-W', '1', server.tunnelIp], { allowFailure: true, timeoutMs: 30_000 });
      return pingAverageMs(ping.stdout);
    },
    stop,
  };
}
