import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerRows } from '../../../src/show/data/brokers.js';
import { connectionRows } from '../../../src/show/data/connections.js';
import { endpointRows } from '../../../src/show/data/endpoints.js';
import { gatewayRows, summary } from '../../../src/show/data/gateways.js';
import { networkRows } from '../../../src/show/data/networks.js';
import { versionRows } from '../../../src/show/data/versions.js';
import * as f from './fixtures.js';

void describe('show data', () => {
  void it('connections: the active gateway\'s, with the address and NAT the cable uses and the average RTT', () => {
    assert.deepEqual(connectionRows('east', [f.passiveGateway, f.activeGateway]), [
      { context: 'east', gateway: 'west-gw', cluster: 'west', remoteIp: '192.168.242.2', nat: 'yes', cableDriver: 'vxlan', subnets: '10.96.0.0/16, 10.244.0.0/16', status: 'connected', rtt: '794.04µs', message: '' },
      { context: 'east', gateway: 'north-gw', cluster: 'north', remoteIp: '10.250.3.2', nat: 'no', cableDriver: 'wireguard', subnets: '10.98.0.0/16', status: 'connecting', rtt: '', message: 'waiting for the first handshake' },
    ]);
    assert.deepEqual(connectionRows('east', [f.passiveGateway]), [], 'a passive gateway has no connections to show');
  });

  void it('endpoints: local or remote by the Submariner object\'s cluster ID', () => {
    assert.deepEqual(endpointRows('east', f.endpoints, f.submariner.spec.clusterID), [
      { context: 'east', cluster: 'east', endpointIp: '10.250.1.2', publicIp: '', cableDriver: 'vxlan', type: 'local' },
      { context: 'east', cluster: 'west', endpointIp: '10.250.2.2', publicIp: '192.168.242.2', cableDriver: 'vxlan', type: 'remote' },
    ]);
    assert.deepEqual(endpointRows('east', f.endpoints, undefined).map((r) => r.type), ['remote', 'remote']);
  });

  void it('gateways: HA status and subctl\'s summary line', () => {
    assert.deepEqual(gatewayRows('east', [f.activeGateway, f.passiveGateway]), [
      { context: 'east', node: 'east-gw', haStatus: 'active', summary: '1 connections out of 2 are established' },
      { context: 'east', node: 'east-gw2', haStatus: 'passive', summary: 'There are no connections' },
    ]);
    const allUp = structuredClone(f.activeGateway);
    for (const c of allUp.status?.connections ?? []) c.status = 'connected';
    assert.equal(summary(allUp), 'All connections (2) are established');
    assert.equal(summary({ ...f.passiveGateway, status: { ...f.activeGateway.status!, statusFailure: 'no cable driver' } }), 'no cable driver');
  });

  void it('networks: the Submariner status, its spec where the status is silent', () => {
    assert.deepEqual(networkRows('east', f.submariner), [
      { context: 'east', cluster: 'east', networkPlugin: 'kindnet', serviceCidrs: '10.97.0.0/16', clusterCidrs: '10.245.0.0/16', globalCidr: '' },
    ]);
    assert.equal(networkRows('east', { ...f.submariner, status: {} })[0]?.networkPlugin, 'generic');
    assert.deepEqual(networkRows('east', undefined), []);
  });

  void it('with Globalnet: the gateways\' global IPs and the cluster\'s global CIDR and egress IPs', () => {
    const gw = { ...f.activeGateway, metadata: { ...f.activeGateway.metadata, annotations: { 'submariner.io/globalIp': '169.254.0.30' } } };
    assert.deepEqual(gatewayRows('east', [gw, f.passiveGateway]).map((r) => [r.node, r.globalIp]), [['east-gw', '169.254.0.30'], ['east-gw2', undefined]]);
    const subm = { ...f.submariner, spec: { ...f.submariner.spec, globalCIDR: '169.254.0.0/19' }, status: { ...f.submariner.status, globalCIDR: '169.254.0.0/19' } };
    const egress = { apiVersion: 'submariner.io/v1' as const, kind: 'ClusterGlobalEgressIP' as const, metadata: { name: 'cluster-egress.submariner.io' }, status: { allocatedIPs: ['169.254.0.1', '169.254.0.2'] } };
    assert.deepEqual(networkRows('east', subm, egress)[0], {
      context: 'east',
      cluster: 'east',
      networkPlugin: 'kindnet',
      serviceCidrs: '10.97.0.0/16',
      clusterCidrs: '10.245.0.0/16',
      globalCidr: '169.254.0.0/19',
      globalEgressIps: '169.254.0.1, 169.254.0.2',
    });
  });

  void it('versions: the workloads kubectl-submariner manages, running once a replica is ready', () => {
    assert.deepEqual(versionRows('east', [...f.daemonSets, ...f.deployments]), [
      { context: 'east', component: 'submariner-gateway', repository: 'quay.io/submariner', configured: '0.1.0', running: '0.1.0' },
      { context: 'east', component: 'submariner-routeagent', repository: 'localhost:5000/submariner', configured: 'latest', running: '' },
      { context: 'east', component: 'submariner-lighthouse-agent', repository: 'quay.io/submariner', configured: '0.1.0', running: '0.1.0' },
    ]);
  });

  void it('brokers: Globalnet settings only when Globalnet is on', () => {
    assert.deepEqual(brokerRows('broker', f.brokers), [
      {
        context: 'broker',
        namespace: 'submariner-k8s-broker',
        name: 'submariner-broker',
        components: 'service-discovery, connectivity',
        globalnet: 'yes',
        globalnetCidr: '242.0.0.0/8',
        defaultGlobalnetSize: '65536',
        defaultDomains: 'example.org',
      },
      { context: 'broker', namespace: 'other', name: 'plain', components: 'connectivity', globalnet: 'no', globalnetCidr: '', defaultGlobalnetSize: '', defaultDomains: '' },
    ]);
  });
});
