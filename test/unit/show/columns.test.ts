import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatData, formatTable } from '../../../src/cli/output.js';
import { columns, dataOf } from '../../../src/show/columns.js';
import { connectionRows } from '../../../src/show/data/connections.js';
import { gatewayRows } from '../../../src/show/data/gateways.js';
import { networkRows } from '../../../src/show/data/networks.js';
import * as f from './fixtures.js';

void describe('show tables', () => {
  const conns = connectionRows('east', [f.activeGateway]);

  void it('prints subctl\'s columns for one cluster', () => {
    assert.equal(
      formatTable({ columns: columns('connections', false), rows: conns }),
      [
        'GATEWAY    CLUSTER   REMOTE IP       NAT   CABLE DRIVER   SUBNETS                       STATUS       RTT AVG.',
        'west-gw    west      192.168.242.2   yes   vxlan          10.96.0.0/16, 10.244.0.0/16   connected    794.04µs',
        'north-gw   north     10.250.3.2      no    wireguard      10.98.0.0/16                  connecting   <none>',
        '',
      ].join('\n'),
    );
  });

  void it('adds the cable driver\'s status message with -o wide', () => {
    const wide = formatTable({ columns: columns('connections', false), rows: conns }, true).split('\n');
    assert.match(wide[0] ?? '', /STATUS +RTT AVG\. +MESSAGE$/);
    assert.match(wide[2] ?? '', /connecting +<none> +waiting for the first handshake$/);
  });

  void it('puts a CONTEXT column first when several clusters are shown', () => {
    const rows = [...gatewayRows('east', [f.activeGateway]), ...gatewayRows('west', [f.passiveGateway])];
    assert.equal(
      formatTable({ columns: columns('gateways', true), rows }),
      [
        'CONTEXT   NODE       HA STATUS   SUMMARY',
        'east      east-gw    active      1 connections out of 2 are established',
        'west      east-gw2   passive     There are no connections',
        '',
      ].join('\n'),
    );
  });

  void it('adds the Globalnet columns only when a row has a global IP', () => {
    const gw = { ...f.activeGateway, metadata: { ...f.activeGateway.metadata, annotations: { 'submariner.io/globalIp': '169.254.0.30' } } };
    const rows = gatewayRows('east', [gw, f.passiveGateway]);
    assert.equal(
      formatTable({ columns: columns('gateways', false, rows), rows }),
      [
        'NODE       HA STATUS   SUMMARY                                  GLOBAL IP',
        'east-gw    active      1 connections out of 2 are established   169.254.0.30',
        'east-gw2   passive     There are no connections                 <none>',
        '',
      ].join('\n'),
    );
    const plain = gatewayRows('east', [f.passiveGateway]);
    assert.doesNotMatch(formatTable({ columns: columns('gateways', false, plain), rows: plain }), /GLOBAL IP/);
    const subm = { ...f.submariner, spec: { ...f.submariner.spec, globalCIDR: '169.254.0.0/19' }, status: { ...f.submariner.status, globalCIDR: '169.254.0.0/19' } };
    const egress = { apiVersion: 'submariner.io/v1' as const, kind: 'ClusterGlobalEgressIP' as const, metadata: { name: 'cluster-egress.submariner.io' }, status: { allocatedIPs: ['169.254.0.1'] } };
    const nets = networkRows('east', subm, egress);
    assert.match(formatTable({ columns: columns('networks', false, nets), rows: nets }), /GLOBAL CIDR +GLOBAL EGRESS IPS\n.* 169\.254\.0\.0\/19 +169\.254\.0\.1\n/);
  });

  void it('prints one view\'s rows as a list and several views keyed by name', () => {
    const gws = gatewayRows('east', [f.passiveGateway]);
    assert.deepEqual(JSON.parse(formatData(dataOf([{ view: 'gateways', rows: gws }]), 'json')), gws);
    assert.deepEqual(JSON.parse(formatData(dataOf([{ view: 'gateways', rows: gws }, { view: 'connections', rows: [] }]), 'json')), { gateways: gws, connections: [] });
  });
});
