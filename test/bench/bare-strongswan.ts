// The baseline of the strongswan cable: bare charon with the driver's own configuration between two plain
// network namespaces (no cluster, no route agent hop, no pod), ESP in userspace (kernel-libipsec) as on the
// sandbox. On `hostBridge` (the sandbox's public network) the two namespaces' ESP takes the gateways' own
// underlay path, so that the cable is compared with charon alone, under the same load, round by round.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { findStrongswan } from '../../plugins/strongswan/install.js';
import { StrongswanDriver } from '../../plugins/strongswan/strongswan.js';
import { switchedNodes, type NetnsNode } from '../support/netns-node.js';
import type { BarePath } from './bare-tunnel.js';
import { iperfReceivedBps, pingAverageMs } from './dataplane-parse.js';

async function connected(d: StrongswanDriver): Promise<boolean> {
  const conns = await d.getConnections();
  return conns.length > 0 && conns.every((c) => c.status === 'connected');
}

async function iperf(client: NetnsNode, server: NetnsNode, seconds: number): Promise<number> {
  const listener = spawn('ip', ['netns', 'exec', server.netns, 'iperf3', '-s', '-1', '-B', server.podIp], { stdio: 'ignore' });
  try {
    await sleep(500);
    const r = await client.runner.run('iperf3', ['-c', server.podIp, '-B', client.podIp, '-t', String(seconds), '-O', '1', '-J'], { allowFailure: true, timeoutMs: (seconds + 20) * 1000 });
    return iperfReceivedBps(r.stdout);
  } finally {
    listener.kill('SIGKILL');
  }
}

/** Two namespaces joined by two charons, on a bridge of their own or on `hostBridge`. */
export async function startBareStrongswan(hostBridge?: string): Promise<BarePath> {
  const install = findStrongswan();
  const nodes = await switchedNodes('ss-bench-', 2, hostBridge);
  const [a, b] = nodes.nodes as [NetnsNode, NetnsNode];
  const da = new StrongswanDriver(a.context(a.endpoint('strongswan')), { install });
  const db = new StrongswanDriver(b.context(b.endpoint('strongswan')), { install });
  const stop = async () => {
    await da.cleanup().catch(() => undefined);
    await db.cleanup().catch(() => undefined);
    await nodes.destroy();
  };
  try {
    await da.init();
    await db.init();
    await da.connectToEndpoint({ endpoint: b.endpoint('strongswan'), useIP: b.underlayIp, useNAT: false });
    await db.connectToEndpoint({ endpoint: a.endpoint('strongswan'), useIP: a.underlayIp, useNAT: false });
    const deadline = Date.now() + 60_000;
    while (!((await connected(da)) && (await connected(db)))) {
      if (Date.now() > deadline) throw new Error('bare strongSwan: the two charons did not connect within 60 s');
      await sleep(250);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    iperf: (seconds) => iperf(a, b, seconds),
    rttMs: async (intervalS) => {
      const ping = await a.runner.run('ping', ['-n', '-q', '-c', '20', '-i', String(intervalS), '-W', '1', '-I', a.podIp, b.podIp], { allowFailure: true, timeoutMs: 30_000 });
      return pingAverageMs(ping.stdout);
    },
    stop,
  };
}
