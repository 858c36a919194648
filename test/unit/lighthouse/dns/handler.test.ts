import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordType } from 'dns-packet';
import { answerData, ask, world } from './fixtures.js';

interface Case {
  qname: string;
  qtype: RecordType | 'ANY';
  rcode: string;
  answers: string[];
  /** Authoritative answer; true unless stated. */
  aa?: boolean;
  why: string;
}

const Z = 'clusterset.local';

const cases: Case[] = [
  { why: 'local cluster preferred', qname: `nginx.default.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: ['10.0.0.10'] },
  { why: 'case-insensitive names', qname: 'NGINX.Default.SVC.ClusterSet.LOCAL', qtype: 'A', rcode: 'NOERROR', answers: ['10.0.0.10'] },
  { why: 'custom domain', qname: 'nginx.default.svc.example.org', qtype: 'A', rcode: 'NOERROR', answers: ['10.0.0.10'] },
  { why: 'AAAA of an IPv4-only service is NODATA', qname: `nginx.default.svc.${Z}`, qtype: 'AAAA', rcode: 'NOERROR', answers: [] },
  { why: 'other record types are NODATA', qname: `nginx.default.svc.${Z}`, qtype: 'MX', rcode: 'NOERROR', answers: [] },
  { why: 'one cluster by name', qname: `west.nginx.default.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: ['10.1.0.10'] },
  { why: 'unknown cluster name', qname: `north.nginx.default.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', answers: [] },
  { why: 'local endpoint not ready: a remote answers', qname: `unready.default.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: ['10.1.0.50'] },
  { why: 'ServiceImport spec.ips wins', qname: `vip.default.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: ['242.0.0.1'] },
  { why: 'only a disconnected cluster exports it', qname: `gone.default.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: [] },
  { why: 'a named cluster answers even when disconnected', qname: `south.gone.default.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: ['10.3.0.40'] },
  { why: 'IPv6 service answers AAAA', qname: `v6.default.svc.${Z}`, qtype: 'AAAA', rcode: 'NOERROR', answers: ['fd00::10'] },
  { why: 'IPv6-only service has no A', qname: `v6.default.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: [] },
  {
    why: 'headless: ready endpoints of connected clusters',
    qname: `db.prod.svc.${Z}`,
    qtype: 'A',
    rcode: 'NOERROR',
    answers: ['10.0.1.1', '10.1.1.1'],
  },
  { why: 'headless: one cluster', qname: `east.db.prod.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: ['10.0.1.1'] },
  { why: 'headless: a named disconnected cluster', qname: `south.db.prod.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: ['10.3.1.1'] },
  { why: 'headless pod by host name', qname: `db-0.west.db.prod.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: ['10.1.1.1'] },
  { why: 'headless pod by dashed address', qname: `10-0-1-1.east.db.prod.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: ['10.0.1.1'] },
  { why: 'headless pod not ready', qname: `db-1.east.db.prod.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: [] },
  { why: 'headless pod unknown', qname: `db-7.east.db.prod.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', answers: [] },
  { why: 'host names only exist for headless services', qname: `x.west.nginx.default.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', answers: [] },
  {
    why: 'SRV for a named port',
    qname: `_http._tcp.nginx.default.svc.${Z}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answers: [`0 50 80 nginx.default.svc.${Z}`],
  },
  { why: 'SRV for a UDP port', qname: `_dns._udp.nginx.default.svc.${Z}`, qtype: 'SRV', rcode: 'NOERROR', answers: [`0 50 53 nginx.default.svc.${Z}`] },
  { why: 'SRV with a wrong protocol', qname: `_http._udp.nginx.default.svc.${Z}`, qtype: 'SRV', rcode: 'NXDOMAIN', answers: [] },
  {
    why: 'SRV with a cluster',
    qname: `_http._tcp.west.nginx.default.svc.${Z}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answers: [`0 50 80 west.nginx.default.svc.${Z}`],
  },
  {
    why: 'SRV for every port',
    qname: `nginx.default.svc.${Z}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answers: [`0 50 80 nginx.default.svc.${Z}`, `0 50 53 nginx.default.svc.${Z}`],
  },
  {
    why: 'SRV of a headless service: one per pod, with each cluster’s port',
    qname: `_pg._tcp.db.prod.svc.${Z}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answers: [`0 50 5432 db-0.east.db.prod.svc.${Z}`, `0 50 5433 db-0.west.db.prod.svc.${Z}`],
  },
  { why: 'SRV name asked for A', qname: `_http._tcp.nginx.default.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: [] },
  { why: 'SRV with no reachable cluster', qname: `_http._tcp.gone.default.svc.${Z}`, qtype: 'SRV', rcode: 'NOERROR', answers: [] },
  { why: 'TXT version', qname: `dns-version.${Z}`, qtype: 'TXT', rcode: 'NOERROR', answers: ['1.0.0'] },
  { why: 'TXT version in a custom domain', qname: 'dns-version.example.org', qtype: 'TXT', rcode: 'NOERROR', answers: ['1.0.0'] },
  { why: 'version name asked for A', qname: `dns-version.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: [] },
  { why: 'unknown service', qname: `missing.default.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', answers: [] },
  { why: 'unknown namespace', qname: `nginx.other.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', answers: [] },
  { why: 'namespace with services exists', qname: `default.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', answers: [] },
  { why: 'namespace without services', qname: `other.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', answers: [] },
  { why: 'non-svc names', qname: `nginx.default.pod.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', answers: [] },
  { why: 'names longer than the forms', qname: `a.b.c.d.nginx.default.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', answers: [] },
  { why: 'zone apex has no A', qname: Z, qtype: 'A', rcode: 'NOERROR', answers: [] },
  { why: 'outside the zones', qname: 'www.example.com', qtype: 'A', rcode: 'REFUSED', answers: [], aa: false },
  { why: 'zone as a prefix of another name', qname: `${Z}.evil.com`, qtype: 'A', rcode: 'REFUSED', answers: [], aa: false },
  { why: 'zone as a suffix of a label', qname: 'notclusterset.local', qtype: 'A', rcode: 'REFUSED', answers: [], aa: false },
  { why: 'zone transfers', qname: Z, qtype: 'AXFR', rcode: 'REFUSED', answers: [], aa: false },
  { why: 'ANY', qname: `nginx.default.svc.${Z}`, qtype: 'ANY', rcode: 'NOTIMP', answers: [], aa: false },
];

describe('DNS handler', () => {
  for (const c of cases) {
    it(`${c.qname} ${c.qtype} → ${c.rcode} ${JSON.stringify(c.answers)} (${c.why})`, () => {
      const { handler } = world();
      const response = ask(handler, c.qname, c.qtype);
      assert.equal(response.rcode, c.rcode);
      assert.deepEqual(answerData(response), c.answers);
      assert.equal(response.flag_aa, c.aa ?? true, 'authoritative answer flag');
      assert.equal(response.flag_qr, true);
      assert.equal(response.flag_tc, false);
      assert.equal(response.flag_rd, true, 'RD is copied from the query');
      assert.equal(response.flag_ra, false, 'not a recursive resolver');
      assert.equal(response.id, 4242);
      assert.deepEqual(response.questions, [{ name: c.qname, type: c.qtype, class: 'IN' }]);
      for (const a of response.answers ?? []) {
        assert.equal(a.name, c.qname, 'answers are owned by the name asked, in its case');
        assert.equal(a.type, c.qtype);
        if (a.type !== 'OPT') assert.equal(a.ttl, 5);
      }
    });
  }

  it('puts the zone SOA in the authority section of NXDOMAIN and NODATA, with the TTL as minimum', () => {
    const { handler } = world({ ttl: 30 });
    for (const [name, type] of [
      [`missing.default.svc.${Z}`, 'A'],
      [`nginx.default.svc.example.org`, 'AAAA'],
    ] as const) {
      const response = ask(handler, name, type);
      const soa = response.authorities?.[0];
      assert.equal(soa?.type, 'SOA');
      assert.equal(soa.name, name.endsWith(Z) ? Z : 'example.org');
      assert.equal(soa.ttl, 30);
      assert.equal(soa.data.minimum, 30);
    }
    const apex = ask(handler, 'example.org', 'SOA');
    assert.equal(apex.answers?.[0]?.type, 'SOA');
  });

  it('uses the configured TTL', () => {
    const { handler } = world({ ttl: 42 });
    const response = ask(handler, `nginx.default.svc.${Z}`, 'A');
    assert.equal(response.answers?.[0]?.type === 'A' && response.answers[0].ttl, 42);
  });

  it('prefers the local cluster on every query', () => {
    const { handler } = world();
    const seen = Array.from({ length: 6 }, () => answerData(ask(handler, `nginx.default.svc.${Z}`, 'A')).join());
    assert.deepEqual(new Set(seen), new Set(['10.0.0.10']));
  });

  it('round-robins over the connected clusters and never picks a disconnected one', () => {
    const { handler } = world();
    const seen = Array.from({ length: 6 }, () => answerData(ask(handler, `api.prod.svc.${Z}`, 'A')).join());
    assert.deepEqual(seen, ['10.2.0.20', '10.1.0.20', '10.2.0.20', '10.1.0.20', '10.2.0.20', '10.1.0.20']);
  });

  it('follows connectivity changes', () => {
    const { handler, status } = world();
    status.disconnect('north');
    const seen = Array.from({ length: 3 }, () => answerData(ask(handler, `api.prod.svc.${Z}`, 'A')).join());
    assert.deepEqual(seen, ['10.1.0.20', '10.1.0.20', '10.1.0.20']);
    status.disconnect('west');
    const none = ask(handler, `api.prod.svc.${Z}`, 'A');
    assert.equal(none.rcode, 'NOERROR');
    assert.deepEqual(answerData(none), []);
    status.connect('south');
    assert.deepEqual(answerData(ask(handler, `api.prod.svc.${Z}`, 'A')), ['10.3.0.20']);
    assert.deepEqual(answerData(ask(handler, `db.prod.svc.${Z}`, 'A')), ['10.0.1.1', '10.3.1.1']);
  });

  it('prefers the local cluster when it starts exporting', async () => {
    const { handler, resolver } = world();
    const { endpointSlice } = await import('./fixtures.js');
    resolver.upsertEndpointSlice(endpointSlice({ namespace: 'prod', service: 'api', cluster: 'east', endpoints: [{ addresses: ['10.0.0.20'] }] }));
    assert.deepEqual(answerData(ask(handler, `api.prod.svc.${Z}`, 'A')), ['10.0.0.20']);
  });
});
