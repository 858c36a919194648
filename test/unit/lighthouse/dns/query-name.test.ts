import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findZone, parseName } from '../../../../src/lighthouse/dns/query-name.js';

describe('query names', () => {
  it('finds the longest zone the name lies in', () => {
    const zones = ['local', 'clusterset.local', 'example.org'];
    assert.equal(findZone('a.svc.clusterset.local', zones), 'clusterset.local');
    assert.equal(findZone('clusterset.local', zones), 'clusterset.local');
    assert.equal(findZone('other.local', zones), 'local');
    assert.equal(findZone('notexample.org', zones), undefined);
    assert.equal(findZone('.', zones), undefined);
  });

  const Z = 'clusterset.local';
  const cases = [
    [Z, { kind: 'apex' }],
    [`dns-version.${Z}`, { kind: 'version' }],
    [`svc.${Z}`, { kind: 'services' }],
    [`ns.svc.${Z}`, { kind: 'namespace', namespace: 'ns' }],
    [`s.ns.svc.${Z}`, { kind: 'service', ref: { namespace: 'ns', service: 's' } }],
    [`c1.s.ns.svc.${Z}`, { kind: 'service', ref: { namespace: 'ns', service: 's', cluster: 'c1' } }],
    [`web-0.c1.s.ns.svc.${Z}`, { kind: 'service', ref: { namespace: 'ns', service: 's', cluster: 'c1', host: 'web-0' } }],
    [`_http._tcp.s.ns.svc.${Z}`, { kind: 'service', ref: { namespace: 'ns', service: 's', port: { name: 'http', protocol: 'tcp' } } }],
    [`_http._tcp.c1.s.ns.svc.${Z}`, { kind: 'service', ref: { namespace: 'ns', service: 's', cluster: 'c1', port: { name: 'http', protocol: 'tcp' } } }],
    [`_http.c1.s.ns.svc.${Z}`, { kind: 'none' }],
    [`_http.s.ns.svc.${Z}`, { kind: 'none' }],
    [`x._tcp.c1.s.ns.svc.${Z}`, { kind: 'none' }],
    [`_a._b._c.s.ns.svc.${Z}`, { kind: 'none' }],
    [`a.b.c.d.s.ns.svc.${Z}`, { kind: 'none' }],
    [`s.ns.pod.${Z}`, { kind: 'none' }],
    [`www.${Z}`, { kind: 'none' }],
  ] as const;
  for (const [name, want] of cases) {
    it(`parses ${name}`, () => assert.deepEqual(parseName(name, Z), want));
  }
});
