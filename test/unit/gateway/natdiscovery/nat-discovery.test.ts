import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSpec } from '../../../../src/api/generated.js';
import { decodeNatMessage, encodeNatMessage } from '../../../../src/gateway/natdiscovery/message.js';
import { NatDiscovery, type NatResult } from '../../../../src/gateway/natdiscovery/nat-discovery.js';
import { captureLogger } from '../../plugins/support.js';

const PORT = 4490;
const spec = (id: string, priv: string, pub: string, over: Partial<EndpointSpec> = {}): EndpointSpec => ({
  cluster_id: id,
  cable_name: `submariner-cable-${id}-${priv.replaceAll('.', '-')}`,
  hostname: id,
  subnets: ['10.0.0.0/16'],
  private_ip: priv,
  public_ip: pub,
  nat_enabled: false,
  backend: 'vxlan',
  backend_config: { 'natt-discovery-port': String(PORT) },
  ...over,
});

interface Datagram {
  msg: Buffer;
  from: string;
  to: string;
}

/**
 * Two gateways on a fake network. `deliver` decides each datagram's fate: the source address the
 * receiver sees, or undefined to drop it; `hold` keeps datagrams until `flush`.
 */
function pair(o: { deliver: (d: Datagram) => string | undefined; hold?: (d: Datagram) => boolean; east?: Partial<EndpointSpec>; west?: Partial<EndpointSpec> }) {
  let now = 0;
  const held: Datagram[] = [];
  const ready = new Map<string, NatResult>();
  const eastSpec = spec('east', '10.250.1.2', '192.168.241.2', o.east);
  const westSpec = spec('west', '10.250.2.2', '192.168.242.2', o.west);
  const nodes = new Map<string, NatDiscovery>();
  const deliver = (d: Datagram) => {
    const seen = o.deliver(d);
    const to = [...nodes.entries()].find(([owner]) => owner.split(' ').includes(d.to))?.[1];
    if (seen !== undefined && to) to.handleMessage(d.msg, { address: seen, port: PORT });
  };
  const make = (local: EndpointSpec): NatDiscovery =>
    new NatDiscovery({
      local: () => local,
      localPort: PORT,
      now: () => now,
      log: captureLogger(),
      onReady: (name, r) => ready.set(`${local.cluster_id}->${name}`, r),
      send: (msg, ip) => {
        const d = { msg, from: local.private_ip, to: ip };
        if (o.hold?.(d)) held.push(d);
        else deliver(d);
      },
    });
  const east = make(eastSpec);
  const west = make(westSpec);
  nodes.set(`${eastSpec.private_ip} ${eastSpec.public_ip}`, east);
  nodes.set(`${westSpec.private_ip} ${westSpec.public_ip}`, west);
  return {
    east,
    west,
    eastSpec,
    westSpec,
    ready,
    advance: (ms: number) => {
      now += ms;
      east.tick();
      west.tick();
    },
    flush: () => held.splice(0).forEach(deliver),
  };
}

const samePrefix = (a: string, b: string) => a.split('.').slice(0, 2).join('.') === b.split('.').slice(0, 2).join('.');
/** Private addresses reach each other directly. */
const flat = (d: Datagram) => d.from;
/** Clusters behind NAT: private addresses are unreachable across clusters; sources appear as the sender's public IP. */
const natted = (d: Datagram) => (d.to.startsWith('10.250.') && !samePrefix(d.from, d.to) ? undefined : d.from === '10.250.1.2' ? '192.168.241.2' : '192.168.242.2');

void describe('NAT discovery between two in-process gateways', () => {
  void it('picks the private IP without NAT when the gateways reach each other directly', () => {
    const t = pair({ deliver: flat });
    t.east.addEndpoint('west-ep', t.westSpec);
    assert.deepEqual(t.east.result('west-ep'), { useIP: '10.250.2.2', useNAT: false, via: 'private' });
    assert.deepEqual(t.ready.get('east->west-ep'), { useIP: '10.250.2.2', useNAT: false, via: 'private' });
  });

  void it('picks the public IP with NAT when only the public IP answers, after the private grace period', () => {
    const t = pair({ deliver: natted });
    t.east.addEndpoint('west-ep', t.westSpec);
    assert.equal(t.east.result('west-ep'), undefined, 'the private IP may still answer');
    t.advance(1000);
    assert.deepEqual(t.east.result('west-ep'), { useIP: '192.168.242.2', useNAT: true, via: 'public' });
  });

  void it('prefers a private answer arriving within 1 s of the public one', () => {
    const t = pair({ deliver: flat, hold: (d) => d.to === '10.250.2.2' || d.to === '10.250.1.2' });
    t.east.addEndpoint('west-ep', t.westSpec);
    t.advance(500);
    assert.equal(t.east.result('west-ep'), undefined);
    t.flush();
    t.flush();
    assert.deepEqual(t.east.result('west-ep'), { useIP: '10.250.2.2', useNAT: false, via: 'private' });
  });

  void it('rejects an answer to the private IP that comes from another address', () => {
    const t = pair({ deliver: (d) => (d.to === '10.250.1.2' ? '192.168.242.2' : d.from) });
    t.east.addEndpoint('west-ep', t.westSpec);
    t.advance(1000);
    assert.equal(t.east.result('west-ep')?.via, 'public');
  });

  void it('keeps re-sending every 2 s, then falls back to the legacy rules after 60 s without an answer', () => {
    const sent: string[] = [];
    const t = pair({ deliver: (d) => void sent.push(d.to), west: { nat_enabled: true } });
    t.east.addEndpoint('west-ep', t.westSpec);
    for (let i = 0; i < 4; i++) t.advance(1000);
    assert.equal(sent.length, 6, 'two requests (private and public) at 0, 2 and 4 s');
    t.advance(60_000);
    assert.deepEqual(t.east.result('west-ep'), { useIP: '192.168.242.2', useNAT: true, via: 'fallback' });
  });

  void it('gives up after 6 s for a remote behind a load balancer, and uses the private IP without NAT settings', () => {
    const t = pair({ deliver: () => undefined, west: { backend_config: { 'natt-discovery-port': '4490', 'using-loadbalancer': 'true' } } });
    t.east.addEndpoint('west-ep', t.westSpec);
    t.advance(6000);
    assert.deepEqual(t.east.result('west-ep'), { useIP: '192.168.242.2', useNAT: true, via: 'fallback' });
    const u = pair({ deliver: () => undefined });
    u.east.addEndpoint('west-ep', u.westSpec);
    u.advance(60_000);
    assert.deepEqual(u.east.result('west-ep'), { useIP: '10.250.2.2', useNAT: false, via: 'fallback' });
  });

  void it('decides at once when the remote has no discovery port', () => {
    const t = pair({ deliver: flat, west: { backend_config: {}, nat_enabled: true } });
    t.east.addEndpoint('west-ep', t.westSpec);
    assert.deepEqual(t.east.result('west-ep'), { useIP: '192.168.242.2', useNAT: true, via: 'fallback' });
  });

  void it('restarts discovery when the remote addresses change, not on other updates', () => {
    const t = pair({ deliver: flat });
    t.east.addEndpoint('west-ep', t.westSpec);
    t.ready.clear();
    t.east.addEndpoint('west-ep', { ...t.westSpec, hostname: 'renamed' });
    assert.equal(t.ready.size, 0);
    t.east.addEndpoint('west-ep', { ...t.westSpec, public_ip: '192.168.242.9' });
    assert.equal(t.ready.size, 1);
  });

  void it('answers UNKNOWN_DST_CLUSTER to requests for another cluster and drops malformed datagrams', () => {
    const replies: Buffer[] = [];
    const d = new NatDiscovery({ local: () => spec('east', '10.250.1.2', ''), localPort: PORT, log: captureLogger(), send: (m) => replies.push(m) });
    d.handleMessage(Buffer.from('not json'), { address: '10.0.0.9', port: PORT });
    d.handleMessage(Buffer.from(JSON.stringify({ version: 1, type: 'request', requestNumber: 1 })), { address: '10.0.0.9', port: PORT });
    assert.equal(replies.length, 0);
    const req = {
      version: 1 as const,
      type: 'request' as const,
      requestNumber: 7,
      sender: { clusterId: 'west', endpointId: 'w' },
      receiver: { clusterId: 'north', endpointId: 'n' },
      usingSrc: { ip: '10.250.2.2', port: PORT },
      usingDst: { ip: '10.250.1.2', port: PORT },
    };
    d.handleMessage(encodeNatMessage(req), { address: '10.250.2.2', port: PORT });
    const res = decodeNatMessage(replies[0]!);
    assert.equal(res.type === 'response' && res.response, 'UNKNOWN_DST_CLUSTER');
  });

  void it('flags source NAT when the request arrives from another address or port', () => {
    const replies: Buffer[] = [];
    const local = spec('east', '10.250.1.2', '');
    const d = new NatDiscovery({ local: () => local, localPort: PORT, log: captureLogger(), send: (m) => replies.push(m) });
    const req = {
      version: 1 as const,
      type: 'request' as const,
      requestNumber: 1,
      sender: { clusterId: 'west', endpointId: 'w' },
      receiver: { clusterId: 'east', endpointId: local.cable_name },
      usingSrc: { ip: '10.250.2.2', port: PORT },
      usingDst: { ip: '10.250.1.2', port: PORT },
    };
    d.handleMessage(encodeNatMessage(req), { address: '192.168.242.2', port: 31000 });
    const res = decodeNatMessage(replies[0]!);
    assert.deepEqual(
      res.type === 'response' && [res.response, res.srcIpNatDetected, res.srcPortNatDetected, res.dstIpNatDetected, res.receivedSrc],
      ['NAT_DETECTED', true, true, false, { ip: '192.168.242.2', port: 31000 }],
    );
  });

  void it('discovers back a gateway that asked, so that its Endpoint, published later, connects at once', () => {
    const t = pair({ deliver: natted });
    // west, a standby gateway, probes east's active gateway; east learns west from the request.
    t.west.addEndpoint('east-ep', t.eastSpec);
    t.advance(1000);
    assert.deepEqual(t.west.result('east-ep'), { useIP: '192.168.241.2', useNAT: true, via: 'public' });
    assert.equal(t.ready.has('east->learned:west/' + t.westSpec.cable_name), false, 'nothing is connected for a gateway without an Endpoint');
    t.east.addEndpoint('west-ep', t.westSpec);
    assert.deepEqual(t.east.result('west-ep'), { useIP: '192.168.242.2', useNAT: true, via: 'public' }, 'decided without waiting for an answer');
    assert.deepEqual(t.ready.get('east->west-ep'), { useIP: '192.168.242.2', useNAT: true, via: 'public' });
  });

  void it('does not use what it learned for other addresses, or after 5 minutes', () => {
    const t = pair({ deliver: natted });
    t.west.addEndpoint('east-ep', t.eastSpec);
    t.advance(1000);
    t.east.addEndpoint('moved', { ...t.westSpec, private_ip: '10.250.2.7' });
    assert.equal(t.east.result('moved'), undefined, 'another private IP is discovered afresh');
    t.east.removeEndpoint('moved');
    t.advance(5 * 60_000);
    t.east.addEndpoint('west-ep', t.westSpec);
    assert.equal(t.east.result('west-ep'), undefined, 'a stale result is discovered afresh');
    t.advance(1000);
    assert.equal(t.east.result('west-ep')?.via, 'public');
  });

  void it('refreshes a result without dropping it, and tells only of a change', () => {
    let moved = false;
    const t = pair({ deliver: (d) => (moved && d.to === '10.250.2.2' ? undefined : flat(d)) });
    t.east.addEndpoint('west-ep', t.westSpec);
    assert.equal(t.east.result('west-ep')?.via, 'private');
    t.ready.clear();
    t.east.refresh('west-ep');
    assert.equal(t.east.result('west-ep')?.via, 'private');
    assert.equal(t.ready.size, 0, 'the same answer is no news');
    moved = true;
    t.east.refresh('west-ep');
    assert.equal(t.east.result('west-ep')?.via, 'private', 'kept while the new answer is awaited');
    t.advance(1000);
    assert.deepEqual(t.ready.get('east->west-ep'), { useIP: '192.168.242.2', useNAT: true, via: 'public' });
  });

  void it('discovers back at most 64 asking gateways, and none of its own cluster', () => {
    const sent: string[] = [];
    const requests: { msg: Buffer; ip: string }[] = [];
    const local = spec('east', '10.250.1.2', '');
    let now = 0;
    const d = new NatDiscovery({
      local: () => local,
      localPort: PORT,
      now: () => now,
      log: captureLogger(),
      send: (m, ip) => {
        sent.push(ip);
        if (decodeNatMessage(m).type === 'request') requests.push({ msg: m, ip });
      },
    });
    /** The asking gateway at `ip` answers east's request to discover it back. */
    const answer = (ip: string) => {
      const req = requests.find((r) => r.ip === ip);
      if (!req) return;
      const replies: Buffer[] = [];
      const gw = new NatDiscovery({ local: () => ({ ...spec('west', ip, ''), cable_name: `cable-${ip}` }), localPort: PORT, log: captureLogger(), send: (m) => void replies.push(m) });
      gw.handleMessage(req.msg, { address: '10.250.1.2', port: PORT });
      d.handleMessage(replies[0]!, { address: ip, port: PORT });
    };
    const ask = (cluster: string, ip: string) =>
      d.handleMessage(
        encodeNatMessage({
          version: 1,
          type: 'request',
          requestNumber: 1,
          sender: { clusterId: cluster, endpointId: `cable-${ip}` },
          receiver: { clusterId: 'east', endpointId: local.cable_name },
          usingSrc: { ip, port: PORT },
          usingDst: { ip: '10.250.1.2', port: PORT },
        }),
        { address: ip, port: PORT },
      );
    ask('east', '10.250.1.3');
    assert.deepEqual(sent, ['10.250.1.3'], 'only the answer');
    sent.length = 0;
    // At the pace discovering back allows (4 a second), each answering.
    for (let i = 1; i <= 70; i++) {
      now = i * 250;
      ask('west', `10.250.3.${i}`);
      answer(`10.250.3.${i}`);
    }
    assert.equal(new Set(requests.map((r) => r.ip)).size, 70, 'every asking gateway is discovered back once');
    const known = Array.from({ length: 70 }, (_, i) => `10.250.3.${i + 1}`).filter((ip) => d.result(`learned:west/cable-${ip}`) !== undefined);
    assert.equal(known.length, 64, 'only the 64 latest are kept');
    for (let i = 1; i <= 6; i++) assert.ok(!known.includes(`10.250.3.${i}`), `10.250.3.${i}, among the oldest, was dropped`);
    assert.ok(known.includes('10.250.3.70'));
  });

  void it('discovers back 16 strangers at once, then 4 a second; a gateway it reaches privately is not discovered again from another address', () => {
    const sent: string[] = [];
    const local = spec('east', '10.250.1.2', '');
    let now = 0;
    const d = new NatDiscovery({ local: () => local, localPort: PORT, now: () => now, log: captureLogger(), send: (_m, ip) => void sent.push(ip) });
    const ask = (endpointId: string, ip: string, from = ip) =>
      d.handleMessage(
        encodeNatMessage({
          version: 1,
          type: 'request',
          requestNumber: 1,
          sender: { clusterId: 'west', endpointId },
          receiver: { clusterId: 'east', endpointId: local.cable_name },
          usingSrc: { ip, port: PORT },
          usingDst: { ip: '10.250.1.2', port: PORT },
        }),
        { address: from, port: PORT },
      );
    const answers = () => sent.filter((ip) => ip.startsWith('10.250.4.')).length;
    for (let i = 1; i <= 40; i++) ask(`stranger-${i}`, `10.250.4.${i}`);
    // Each request is answered; each stranger discovered back gets a request (its private and public address are the same).
    assert.equal(answers(), 40 + 16, '40 answers and 16 discovered back');
    sent.length = 0;
    now = 1000;
    for (let i = 41; i <= 60; i++) ask(`stranger-${i}`, `10.250.4.${i}`);
    assert.equal(answers(), 20 + 4, 'a second later, 4 more');
    // The clock steps back a minute: the pace goes on from there.
    sent.length = 0;
    now = 1000 - 60_000;
    ask('stranger-61', '10.250.4.61');
    now += 1000;
    for (let i = 62; i <= 70; i++) ask(`stranger-${i}`, `10.250.4.${i}`);
    assert.equal(answers(), 10 + 4, 'a second after the step back, 4 more');

    // A gateway that answers on its private IP keeps its result when it also asks through its NAT.
    const out: { msg: Buffer; ip: string }[] = [];
    const e = new NatDiscovery({ local: () => local, localPort: PORT, now: () => now, log: captureLogger(), send: (msg, ip) => void out.push({ msg, ip }) });
    const askE = (from: string) =>
      e.handleMessage(
        encodeNatMessage({
          version: 1,
          type: 'request',
          requestNumber: 1,
          sender: { clusterId: 'west', endpointId: 'w' },
          receiver: { clusterId: 'east', endpointId: local.cable_name },
          usingSrc: { ip: '10.250.2.2', port: PORT },
          usingDst: { ip: '10.250.1.2', port: PORT },
        }),
        { address: from, port: PORT },
      );
    askE('10.250.2.2');
    // west answers east's request to discover it back, sent to its private IP.
    const request = out.find((o) => o.ip === '10.250.2.2' && decodeNatMessage(o.msg).type === 'request');
    const westReplies: Buffer[] = [];
    const west = new NatDiscovery({ local: () => ({ ...spec('west', '10.250.2.2', '192.168.242.2'), cable_name: 'w' }), localPort: PORT, log: captureLogger(), send: (m) => void westReplies.push(m) });
    west.handleMessage(request!.msg, { address: '10.250.1.2', port: PORT });
    e.handleMessage(westReplies[0]!, { address: '10.250.2.2', port: PORT });
    assert.equal(e.result('learned:west/w')?.via, 'private');
    out.length = 0;
    askE('192.168.242.2');
    assert.deepEqual(out.map((o) => [decodeNatMessage(o.msg).type, o.ip]), [['response', '192.168.242.2']], 'answered, not discovered again');
    assert.equal(e.result('learned:west/w')?.via, 'private');
  });
});
