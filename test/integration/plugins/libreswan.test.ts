import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExecRunner } from '../../../src/net/command.js';
import { planConnections, renderIpsecConf, type PlanInput } from '../../../plugins/libreswan/connections.js';
import { LibreswanDriver } from '../../../plugins/libreswan/libreswan.js';
import { isRoot, twoNodes, type NetnsNode } from '../../support/netns-node.js';

const host = new ExecRunner();

void describe('libreswan: ipsec addconn accepts the rendered ipsec.conf (needs libreswan)', () => {
  void it('checks bi-directional, NAT, server and client connections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksub-ipsec-'));
    try {
      const ep = (id: string, ip: string, subnets: string[], config: Record<string, string>) => ({
        cluster_id: id,
        cable_name: `submariner-cable-${id}-${ip.replaceAll('.', '-')}`,
        hostname: id,
        subnets,
        private_ip: ip,
        nat_enabled: false,
        backend: 'libreswan' as const,
        backend_config: config,
      });
      const east = ep('east', '10.250.1.2', ['100.1.0.0/16', '10.1.0.0/16'], { 'udp-port': '4500' });
      const west = ep('west', '10.250.2.2', ['100.2.0.0/16', '10.2.0.0/16'], { 'udp-port': '4501' });
      const preferred = { 'udp-port': '4500', 'preferred-server': 'true' };
      const inputs: PlanInput[] = [
        { local: east, remote: west, useIP: '10.250.2.2', useNAT: false, nattPort: 4500, forceEncaps: false },
        { local: east, remote: west, useIP: '192.168.242.2', useNAT: true, nattPort: 4500, forceEncaps: false },
        { local: { ...east, backend_config: preferred }, remote: west, useIP: '192.168.242.2', useNAT: true, nattPort: 4500, forceEncaps: false },
        { local: east, remote: { ...west, cable_name: 'submariner-cable-north-10-250-3-2', backend_config: preferred }, useIP: '10.250.3.2', useNAT: false, nattPort: 4500, forceEncaps: true },
      ];
      const file = join(dir, 'ipsec.conf');
      writeFileSync(file, renderIpsecConf(inputs.flatMap((i, n) => planConnections(i).map((c) => ({ ...c, name: `${c.name}-case${n}` })))));
      const res = await host.run('ipsec', ['addconn', '--checkconfig', '--config', file], { allowFailure: true });
      assert.equal(res.code, 0, `ipsec addconn --checkconfig rejected the rendered config: ${res.stdout}${res.stderr}`);
      writeFileSync(file, 'config setup\n\nconn broken\n\tleftnosuchkey=1\n');
      assert.notEqual((await host.run('ipsec', ['addconn', '--checkconfig', '--config', file], { allowFailure: true })).code, 0, 'the check must be able to fail');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void describe('libreswan: two plutos in two network namespaces establish the IKE SA (needs root and libreswan)', { skip: isRoot ? false : 'needs root (network namespaces)' }, () => {
  let a: NetnsNode;
  let b: NetnsNode;
  let da: LibreswanDriver;
  let db: LibreswanDriver;

  before(async () => {
    [a, b] = await twoNodes();
    da = new LibreswanDriver(a.context(a.endpoint('libreswan')));
    db = new LibreswanDriver(b.context(b.endpoint('libreswan')));
  });

  after(async () => {
    await da?.cleanup().catch(() => undefined);
    await db?.cleanup().catch(() => undefined);
    await a?.destroy();
    await b?.destroy();
  });

  void it('reports the IKE SA established on both sides (this kernel has no ESP, so no IPsec SA can be installed)', async () => {
    await da.init();
    await db.init();
    await db.connectToEndpoint({ endpoint: a.endpoint('libreswan'), useIP: a.underlayIp, useNAT: false });
    await da.connectToEndpoint({ endpoint: b.endpoint('libreswan'), useIP: b.underlayIp, useNAT: false });
    const deadline = Date.now() + 20_000;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = [...(await da.getConnections()), ...(await db.getConnections())].map((c) => c.statusMessage);
      if (seen.every((m) => m === 'IKE SA established, no IPsec SA yet' || m.includes('IPsec SAs up'))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(seen.length, 2);
    assert.ok(seen.every((m) => m === 'IKE SA established, no IPsec SA yet' || m.includes('IPsec SAs up')), `statuses: ${JSON.stringify(seen)}`);
    const status = await a.runner.run('ipsec', ['whack', '--ctlsocket', join(a.stateDir, 'run', 'pluto.ctl'), '--status']);
    assert.match(status.stdout, /STATE_V2_ESTABLISHED_IKE_SA \(established IKE SA\)/);
  });

  void it('cleanup stops both plutos', async () => {
    await da.cleanup();
    await db.cleanup();
    const res = await a.runner.run('ipsec', ['whack', '--ctlsocket', join(a.stateDir, 'run', 'pluto.ctl'), '--status'], { allowFailure: true });
    assert.notEqual(res.code, 0, 'whack can no longer reach the stopped pluto');
  });
});
