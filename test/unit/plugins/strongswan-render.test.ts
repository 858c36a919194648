import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { charonPlugins, planConnection, renderStrongswanConf, renderSwanctlConf, type PlanInput } from '../../../plugins/strongswan/config.js';
import { parseIkeError } from '../../../plugins/strongswan/ike-log.js';
import { parseListSas } from '../../../plugins/strongswan/list-sas.js';
import { localEndpoint, PSK, remoteEndpoint } from './support.js';

const goldenDir = fileURLToPath(new URL('./golden/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const vici = '/var/run/submariner/strongswan/run/charon.vici';

const west = remoteEndpoint({ backend: 'strongswan' });
const north = remoteEndpoint({
  cluster_id: 'north',
  cable_name: 'submariner-cable-north-10-250-3-2',
  private_ip: '10.250.3.2',
  subnets: ['100.3.0.0/16', '10.3.0.0/16'],
  backend: 'strongswan',
  backend_config: { 'udp-port': '4600' },
});
const input = (over: Partial<PlanInput>): PlanInput => ({ local: localEndpoint({ backend: 'strongswan' }), remote: west, useIP: '10.250.2.2', useNAT: false, nattPort: 4500, forceEncaps: false, ...over });

const cases: Record<string, { esp: 'kernel-libipsec' | 'kernel-netlink'; nattPort: number; debug: boolean; inputs: PlanInput[] }> = {
  'one-remote': { esp: 'kernel-libipsec', nattPort: 4500, debug: false, inputs: [input({})] },
  'one-remote-nat': {
    esp: 'kernel-libipsec',
    nattPort: 4501,
    debug: true,
    inputs: [input({ local: localEndpoint({ backend: 'strongswan', backend_config: { 'udp-port': '4501' } }), useIP: '192.168.242.2', useNAT: true, nattPort: 4501 })],
  },
  'several-remotes': {
    esp: 'kernel-netlink',
    nattPort: 4500,
    debug: false,
    inputs: [input({}), input({ remote: north, useIP: '192.168.243.2', useNAT: false, forceEncaps: true })],
  },
  'preferred-server': {
    esp: 'kernel-libipsec',
    nattPort: 4500,
    debug: false,
    inputs: [input({ local: localEndpoint({ backend: 'strongswan', backend_config: { 'udp-port': '4500', 'preferred-server': 'true' } }) })],
  },
};

void describe('strongswan configuration renderer', () => {
  for (const [name, c] of Object.entries(cases)) {
    void it(`renders strongswan.conf and swanctl.conf for ${name} (golden)`, () => {
      const file = `${goldenDir}strongswan-${name}.txt`;
      const got = `${renderStrongswanConf({ esp: c.esp, nattPort: c.nattPort, viciSocket: vici, debug: c.debug })}\n${renderSwanctlConf(c.inputs.map(planConnection), PSK)}`;
      if (update) writeFileSync(file, got);
      assert.equal(got, readFileSync(file, 'utf8'));
    });
  }

  void it('loads kernel-libipsec before kernel-netlink, and kdf with openssl', () => {
    const plugins = charonPlugins('kernel-libipsec');
    assert.ok(plugins.indexOf('kernel-libipsec') < plugins.indexOf('kernel-netlink'));
    assert.ok(plugins.includes('kdf') && plugins.includes('openssl'));
    assert.equal(charonPlugins('kernel-netlink').includes('kernel-libipsec'), false);
  });

  void it('uses the remote udp-port, encapsulates on NAT or when forced, and rejects a bad cable name', () => {
    assert.equal(planConnection(input({ remote: north })).remotePort, 4600);
    assert.equal(planConnection(input({})).encap, false);
    assert.equal(planConnection(input({ useNAT: true })).encap, true);
    assert.equal(planConnection(input({ forceEncaps: true })).encap, true);
    assert.throws(() => planConnection(input({ remote: { ...west, cable_name: 'bad name' } })), /cable name "bad name" is invalid/);
  });

  void it('writes the PSK in hex, never as text', () => {
    const conf = renderSwanctlConf([planConnection(input({}))], PSK);
    assert.equal(conf.includes(PSK), false);
    assert.ok(conf.includes(`secret = 0x${Buffer.from(PSK).toString('hex')}`));
  });

  void it('parses swanctl --list-sas as charon 5.9.8 prints it', () => {
    const sas = parseListSas(readFileSync(`${goldenDir}strongswan-list-sas.txt`, 'utf8'));
    assert.deepEqual(sas, [
      {
        name: 'submariner-cable-west-172-31-251-2',
        state: 'ESTABLISHED',
        children: [{ name: 'submariner-cable-west-172-31-251-2', state: 'INSTALLED', mode: 'TUNNEL-in-UDP', inBytes: 667, outBytes: 771 }],
      },
    ]);
  });
});

void describe('charon log lines read for IKE failures (filelog with ike_name, as charon 5.9.8 writes them)', () => {
  const conn = 'submariner-cable-west-172-31-251-2';
  void it('reads the initiator and the responder side of a pre-shared key mismatch as authentication failures', () => {
    assert.deepEqual(parseIkeError(`14[IKE] <${conn}|1> received AUTHENTICATION_FAILED notify error`), {
      connection: conn,
      message: 'received AUTHENTICATION_FAILED notify error',
      authentication: true,
    });
    assert.deepEqual(parseIkeError(`09[IKE] <${conn}|2> tried 1 shared key for '172.31.251.1' - '172.31.251.2', but MAC mismatched`), {
      connection: conn,
      message: "tried 1 shared key for '172.31.251.1' - '172.31.251.2', but MAC mismatched",
      authentication: true,
    });
  });

  void it('reads other failures as such, not as authentication failures', () => {
    assert.deepEqual(parseIkeError(`11[IKE] <${conn}|3> establishing IKE_SA failed, peer not responding`), {
      connection: conn,
      message: 'establishing IKE_SA failed, peer not responding',
      authentication: false,
    });
    assert.equal(parseIkeError(`10[IKE] <${conn}|1> received NO_PROPOSAL_CHOSEN notify error`)?.authentication, false);
  });

  void it('ignores message dumps, progress and lines of unnamed SAs', () => {
    assert.equal(parseIkeError(`09[ENC] <${conn}|2> generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]`), undefined);
    assert.equal(parseIkeError(`12[IKE] <${conn}|1> establishing CHILD_SA ${conn}{2}`), undefined);
    assert.equal(parseIkeError('15[IKE] <2> no shared key found for 172.31.251.1'), undefined);
    assert.equal(parseIkeError('00[DMN] SIGTERM received, shutting down'), undefined);
  });
});
