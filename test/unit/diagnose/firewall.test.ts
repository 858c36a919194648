import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Gateway } from '../../../src/api/generated.js';
import { blockingRules, checkFirewall, parseConntrack, planProbes, probeVerdict, type ProbeRecord } from '../../../src/diagnose/checks/firewall.js';
import { runProbe } from '../../../src/diagnose/diagnose.js';
import type { ExecResult, PodExec } from '../../../src/kube/exec.js';
import * as show from '../show/fixtures.js';
import { east, gatewayPod, node, routeAgentPod } from './fixtures.js';

// Recorded from a gateway node: /proc/net/nf_conntrack after probes from 192.168.242.2 (sports 41000, 42000).
const conntrack = (probePassed: boolean): string =>
  [
    'ipv4     2 udp      17 25 src=192.168.242.2 dst=192.168.241.2 sport=4500 dport=4500 src=192.168.241.2 dst=192.168.242.2 sport=4500 dport=4500 [ASSURED] mark=0 zone=0 use=2',
    ...(probePassed ? ['ipv4     2 udp      17 29 src=192.168.242.2 dst=192.168.241.2 sport=41000 dport=4500 [UNREPLIED] src=192.168.241.2 dst=192.168.242.2 sport=4500 dport=41000 mark=0 zone=0 use=2'] : []),
    'ipv4     2 udp      17 29 src=192.168.242.2 dst=192.168.241.2 sport=42000 dport=47000 [UNREPLIED] src=192.168.241.2 dst=192.168.242.2 sport=47000 dport=42000 mark=0 zone=0 use=2',
    'ipv4     2 tcp      6 86399 ESTABLISHED src=10.250.1.2 dst=10.250.1.1 sport=51234 dport=6443 src=10.250.1.1 dst=10.250.1.2 sport=6443 dport=51234 [ASSURED] mark=0 zone=0 use=2',
    '',
  ].join('\n');

const dropRule = '-A INPUT -p udp -m udp --dport 4500 -j DROP';
const iptables = (drop: boolean): string => ['*filter', ':INPUT ACCEPT [0:0]', ...(drop ? [dropRule] : []), '-A INPUT -j SUBMARINER-INPUT', '-A SUBMARINER-INPUT -p udp -m udp --dport 4800 -j ACCEPT', 'COMMIT', ''].join('\n');

const end = (context: string, nodeName: string) => ({ context, node: nodeName, pod: { namespace: 'submariner-operator', name: `submariner-gateway-${nodeName}`, container: 'submariner-gateway' } });
const record = (passed: boolean, drop: boolean, sender = '41000 42000\n'): ProbeRecord => ({
  kind: 'tunnel',
  port: 4500,
  controlPort: 47000,
  from: end('west', 'west-gw'),
  to: { ...end('east', 'east-gw'), ip: '192.168.241.2' },
  sender: { code: 0, stdout: sender, stderr: '' },
  conntrack: { code: 0, stdout: conntrack(passed), stderr: '' },
  receiverRules: iptables(drop),
  senderRules: iptables(false),
});

void describe('diagnose firewall', () => {
  void it('reads the original tuples of the connection-tracking table', () => {
    const entries = parseConntrack(conntrack(true));
    assert.equal(entries.length, 4);
    assert.deepEqual(entries[1], { protocol: 'udp', src: '192.168.242.2', dst: '192.168.241.2', sport: 41000, dport: 4500 });
  });

  void it('finds the rules that drop UDP to a port', () => {
    assert.deepEqual(blockingRules(iptables(true), 4500), [dropRule]);
    assert.deepEqual(blockingRules(iptables(true), 4800), []);
    assert.deepEqual(blockingRules('-A INPUT -p udp -m multiport --dports 4490,4500 -j REJECT\n', 4500), ['-A INPUT -p udp -m multiport --dports 4490,4500 -j REJECT']);
  });

  void it('a probe the receiver tracked passes', () => {
    assert.deepEqual(probeVerdict(record(true, false)), { status: 'pass', message: 'UDP 4500 (tunnel) from west-gw to east-gw passes' });
  });

  void it('a probe lost while the control arrived is blocked, and the DROP rule is named', () => {
    const v = probeVerdict(record(false, true));
    assert.equal(v.status, 'fail');
    assert.equal(v.message, `UDP 4500 (tunnel) from west-gw to east-gw is blocked; the rule \`${dropRule} (on east-gw)\` drops it`);
    assert.match(v.fix ?? '', /allow UDP 4500 from west-gw to east-gw/);
  });

  void it('when nothing arrives the whole path is reported, and a failed send is not a verdict', () => {
    const lost = record(false, false);
    lost.conntrack.stdout = '';
    assert.match(probeVerdict(lost).message, /^no UDP from west-gw reaches east-gw \(192\.168\.241\.2\): neither port 4500 nor the control port 47000$/);
    assert.equal(probeVerdict({ ...record(true, false), sender: { code: 127, stdout: '', stderr: 'node: not found' } }).status, 'skip');
  });

  void it('plans tunnel and NAT-discovery probes both ways between the active gateways and VXLAN from each node', () => {
    const westGw: Gateway = {
      ...show.activeGateway,
      metadata: { name: 'west-gw', namespace: 'submariner-operator' },
      status: { ...show.activeGateway.status!, localEndpoint: show.westSpec, connections: [{ status: 'connected', statusMessage: '', endpoint: show.eastSpec, usingIP: '10.250.1.2' }] },
    };
    const west = east({
      context: 'west',
      submariner: { ...show.submariner, spec: { ...show.submariner.spec, clusterID: 'west' } },
      nodes: [node('west-gw', '10.250.2.2')],
      pods: [routeAgentPod('west-gw'), gatewayPod('west-gw')],
      gateways: [westGw],
    });
    const { plans } = planProbes([east(), west]);
    assert.deepEqual(
      plans.map((p) => `${p.kind} ${p.port} ${p.from.node} -> ${p.to.node} ${p.to.ip}`),
      ['vxlan 4800 east-worker -> east-gw 10.250.1.2', 'tunnel 4500 west-gw -> east-gw 10.250.1.2', 'nat-discovery 4490 west-gw -> east-gw 10.250.1.2', 'tunnel 4500 east-gw -> west-gw 192.168.242.2', 'nat-discovery 4490 east-gw -> west-gw 192.168.242.2'],
    );
  });

  void it('runs a probe through the agent pods and judges it per receiving cluster', async () => {
    const calls: string[] = [];
    const pods = (tracked: string): PodExec => ({
      exec: (pod, command): Promise<ExecResult> => {
        calls.push(`${pod.name}: ${command[0] ?? ''}`);
        if (command[0] === 'node') return Promise.resolve({ code: 0, stdout: '41000 42000\n', stderr: '' });
        if (command[0] === 'cat') return Promise.resolve({ code: 0, stdout: tracked, stderr: '' });
        return Promise.resolve({ code: 0, stdout: iptables(pod.name.includes('east')), stderr: '' });
      },
    });
    const plan = record(false, true);
    const r = await runProbe(plan, (c) => (c === 'east' ? pods(conntrack(false)) : pods('')), 47000);
    assert.deepEqual(calls, ['submariner-gateway-west-gw: node', 'submariner-gateway-east-gw: cat', 'submariner-gateway-east-gw: iptables-save', 'submariner-gateway-west-gw: iptables-save']);
    const result = checkFirewall('east', [r], [], false);
    assert.deepEqual(result.findings.map((f) => f.status), ['fail']);
    assert.match(result.findings[0]?.message ?? '', /^UDP 4500 \(tunnel\) from west-gw to east-gw is blocked/);
  });
});
