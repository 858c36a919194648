import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEndpoint } from '../../../src/routeagent/endpoints.js';
import { buildView, diffViews } from '../../../src/routeagent/view.js';
import { allNodes, config, endpoint, localEndpoint, node, north, west } from './fixtures.js';

const view = (eps: unknown[], nodes = allNodes(), nodeName = 'east-worker') => buildView({ ...config, nodeName }, eps, nodes).view;

void describe('route agent view', () => {
  void it('reads subnets as IPv4 network addresses and leaves IPv6 ones out', () => {
    const parsed = parseEndpoint(endpoint('west', 'west-gw', ['10.245.3.7/16', 'fd00:10::/64', '10.245.0.0/16', '10.97.0.0/16']));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.endpoint.subnets, ['10.245.0.0/16', '10.97.0.0/16']);
  });

  void it('rejects bad fields and tolerates unknown ones', () => {
    const withExtra = { ...west(), spec: { ...west().spec, future_field: { x: 1 }, backend_config: { 'interface-name': 'submariner', weird: 3 } } };
    const ok = parseEndpoint(withExtra);
    assert.ok(ok.ok);
    assert.deepEqual(ok.endpoint.backendConfig, { 'interface-name': 'submariner' });
    const cases: [unknown, RegExp][] = [
      [{ ...west(), spec: { ...west().spec, subnets: '10.0.0.0/8' } }, /spec.subnets is not a list/],
      [{ ...west(), spec: { ...west().spec, subnets: [42] } }, /spec.subnets holds 42/],
      [{ ...west(), spec: { ...west().spec, cluster_id: '' } }, /spec.cluster_id is missing/],
      [{ ...west(), spec: { ...west().spec, private_ip: '10.0.0.300' } }, /spec.private_ip "10.0.0.300" is not an IPv4 address/],
      [null, /it has no spec/],
    ];
    for (const [obj, reason] of cases) {
      const r = parseEndpoint(obj);
      assert.ok(!r.ok);
      assert.match(r.skipped.reason, reason);
    }
  });

  void it('finds the gateway by host name, ignoring case and domain', () => {
    assert.equal(view([localEndpoint('east-gw')], allNodes(), 'east-gw').isGateway, true);
    assert.equal(view([{ ...localEndpoint('east-gw'), spec: { ...localEndpoint('east-gw').spec, hostname: 'EAST-GW' } }], allNodes(), 'east-gw.example.org').isGateway, true);
    assert.equal(view([localEndpoint('east-gw')]).isGateway, false);
    const noHost = buildView(config, [{ ...localEndpoint('east-gw'), spec: { ...localEndpoint('east-gw').spec, hostname: '' } }], allNodes());
    assert.equal(noHost.view.localEndpoint, undefined);
    assert.match(noHost.skipped[0]?.reason ?? '', /no spec.hostname/);
  });

  void it('turns differences between views into events', () => {
    const local = localEndpoint('east-gw');
    const w = west();
    const n = north();
    const first = view([local, w]);
    assert.deepEqual(diffViews(undefined, first).map((e) => e.type), ['localEndpointCreated', 'transitionToNonGateway', 'remoteEndpointCreated', 'nodesChanged']);
    assert.deepEqual(diffViews(first, view([local, w])), []);
    const w2 = { ...w, spec: { ...w.spec, subnets: ['10.245.0.0/16'] } };
    assert.deepEqual(diffViews(first, view([local, w2, n])).map((e) => [e.type, 'endpoint' in e ? e.endpoint.clusterId : '']), [['remoteEndpointCreated', 'north'], ['remoteEndpointUpdated', 'west']]);
    assert.deepEqual(diffViews(first, view([n])).map((e) => e.type), ['localEndpointRemoved', 'remoteEndpointRemoved', 'remoteEndpointCreated']);
    const gw = view([localEndpoint('east-worker'), w]);
    assert.deepEqual(diffViews(first, gw).map((e) => e.type), ['localEndpointUpdated', 'transitionToGateway']);
    assert.deepEqual(diffViews(first, view([local, w], [node('east-gw'), node('east-worker')])).map((e) => e.type), ['nodesChanged']);
  });
});
