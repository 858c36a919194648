import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatData, formatTable } from '../../../src/cli/output.js';
import { columns, dataOf } from '../../../src/show/columns.js';
import { connectionRows } from '../../../src/show/data/connections.js';
import { gatewayRows } from '../../../src/show/data/gateways.js';
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

  void it('prints one view\'s rows as a list and several views keyed by name', () => {
    const gws = gatewayRows('east', [f.passiveGateway]);
    assert.deepEqual(JSON.parse(formatData(dataOf([{ view: 'gateways', rows: gws }]), 'json')), gws);
    assert.deepEqual(JSON.parse(formatData(dataOf([{ view: 'gateways', rows: gws }, { view: 'connections', rows: [] }]), 'json')), { gateways: gws, connections: [] });
  });
});
