import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { operationMode } from '../../../plugins/common.js';
import {
  planConnections,
  renderIpsecConf,
  renderSecrets,
  whackCommands,
  type PlanInput,
} from '../../../plugins/libreswan/connections.js';
import { localEndpoint, remoteEndpoint } from './support.js';

const goldenDir = fileURLToPath(new URL('./golden/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const preferred = { 'udp-port': '4500', 'preferred-server': 'true' };

const cases: Record<string, PlanInput> = {
  'bi-directional': { local: localEndpoint(), remote: remoteEndpoint(), useIP: '10.250.2.2', useNAT: false, nattPort: 4500, forceEncaps: false },
  'bi-directional-nat': {
    local: localEndpoint({ backend_config: { 'udp-port': '4501' } }),
    remote: remoteEndpoint({ backend_config: { 'udp-port': '4502' }, subnets: ['10.2.0.0/16'] }),
    useIP: '192.168.242.2',
    useNAT: true,
    nattPort: 4501,
    forceEncaps: false,
  },
  server: { local: localEndpoint({ backend_config: preferred }), remote: remoteEndpoint(), useIP: '192.168.242.2', useNAT: true, nattPort: 4500, forceEncaps: false },
  client: { local: localEndpoint(), remote: remoteEndpoint({ backend_config: preferred, subnets: ['10.2.0.0/16'] }), useIP: '10.250.2.2', useNAT: false, nattPort: 4500, forceEncaps: true },
};

/** The whack commands (one per line) followed by the ipsec.conf of the same connections. */
function rendering(input: PlanInput): string {
  const conns = planConnections(input);
  const whack = conns.flatMap((c) => whackCommands(c)).map((args) => `ipsec whack ${args.join(' ')}`);
  return `${whack.join('\n')}\n\n${renderIpsecConf(conns)}`;
}

void describe('libreswan connection renderer', () => {
  for (const [name, input] of Object.entries(cases)) {
    void it(`renders ${name} connections as whack commands and ipsec.conf (golden)`, () => {
      const file = `${goldenDir}libreswan-${name}.txt`;
      const got = rendering(input);
      if (update) writeFileSync(file, got);
      assert.equal(got, readFileSync(file, 'utf8'));
    });
  }

  void it('makes one connection per (local subnet, remote subnet) pair, named after the remote cable', () => {
    const names = planConnections(cases['bi-directional']!).map((c) => c.name);
    const cable = remoteEndpoint().cable_name;
    assert.deepEqual(names, [`${cable}-0-0`, `${cable}-0-1`, `${cable}-1-0`, `${cable}-1-1`]);
  });

  void it('leaves out a subnet that is the remote address itself', () => {
    const conns = planConnections({ ...cases['bi-directional']!, remote: remoteEndpoint({ subnets: ['10.2.0.0/16', '10.250.2.2/32'] }) });
    assert.deepEqual([...new Set(conns.map((c) => c.right.subnet))], ['10.2.0.0/16']);
  });

  void it('picks the mode from preferred-server, the larger cable name serving when both prefer it', () => {
    const l = localEndpoint();
    const r = remoteEndpoint();
    assert.equal(operationMode(l, r), 'bi-directional');
    assert.equal(operationMode({ ...l, backend_config: preferred }, r), 'server');
    assert.equal(operationMode(l, { ...r, backend_config: preferred }), 'client');
    assert.equal(operationMode({ ...l, backend_config: preferred }, { ...r, backend_config: preferred }), 'client');
    assert.equal(operationMode({ ...r, backend_config: preferred }, { ...l, backend_config: preferred }), 'server');
  });

  void it('refuses cable names and addresses that could not be passed to pluto safely', () => {
    assert.throws(() => planConnections({ ...cases['bi-directional']!, remote: remoteEndpoint({ cable_name: 'x"; rm -rf' }) }), /cable name .* is invalid/);
    assert.throws(() => planConnections({ ...cases['bi-directional']!, useIP: '10.0.0.1 --bad' }), /invalid address of endpoint/);
    assert.throws(() => planConnections({ ...cases['bi-directional']!, remote: remoteEndpoint({ subnets: ['10.2.0.0/99'] }) }), /invalid subnet "10.2.0.0\/99"/);
  });

  void it('renders the secrets line and refuses a PSK that would break it', () => {
    assert.equal(renderSecrets('c2VjcmV0'), '%any %any : PSK "c2VjcmV0"\n');
    assert.throws(() => renderSecrets('a"b'), /one line of text without double quotes/);
  });
});
