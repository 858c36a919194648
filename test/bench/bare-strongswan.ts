// The baseline of the strongswan cable: bare charon with the driver's own configuration between two plain
// network namespaces (no cluster, no route agent hop), ESP in userspace (kernel-libipsec) as on the sandbox.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { findStrongswan } from '../../plugins/strongswan/install.js';
import { StrongswanDriver } from '../../plugins/strongswan/strongswan.js';
import { twoNodes, type NetnsNode } from '../support/netns-node.js';
import { iperfReceivedBps, pingAverageMs } from './dataplane-parse.js';
import { median } from './table.js';

export interface BareResult {
  bps: number;
  rttMs: number;
}

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

/** Throughput (median of `rounds`) and RTT between pod addresses of two namespaces joined by two charons. */
export async function measureBareStrongswan(rounds: number, seconds: number, probeIntervalS: number): Promise<BareResult> {
  const install = findStrongswan();
  const [a, b] = await twoNodes('ss-bench-');
  const da = new StrongswanDriver(a.context(a.endpoint('strongswan')), { install });
  const db = new StrongswanDriver(b.context(b.endpoint('strongswan')), { install });
  try {
    await a.runner.run('ip', ['route', 'add', 'default', 'via', b.underlayIp]);
    await b.runner.run('ip', ['route', 'add', 'default', 'via', a.underlayIp]);
    await da.init();
    await db.init();
    await da.connectToEndpoint({ endpoint: b.endpoint('strongswan'), useIP: b.underlayIp, useNAT: false });
    await db.connectToEndpoint({ endpoint: a.endpoint('strongswan'), useIP: a.underlayIp, useNAT: false });
    const deadline = Date.now() + 60_000;
    while (!((await connected(da)) && (await connected(db)))) {
      if (Date.now() > deadline) throw new Error('bare strongSwan: the two charons did not connect within 60 s');
      await sleep(250);
    }
    const bps: number[] = [];
    for (let i = 0; i < rounds; i++) bps.push(await iperf(a, b, seconds));
    const ping = await a.runner.run('ping', ['-n', '-q', '-c', '20', '-i', String(probeIntervalS), '-W', '1', '-I', a.podIp, b.podIp], { allowFailure: true, timeoutMs: 30_000 });
    return { bps: median(bps), rttMs: pingAverageMs(ping.stdout) };
  } finally {
    await da.cleanup().catch(() => undefined);
    await db.cleanup().catch(() => undefined);
    await a.destroy();
    await b.destroy();
  }
}
