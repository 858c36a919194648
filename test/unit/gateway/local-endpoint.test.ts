import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { validateRemoteEndpoint, overlappingSubnet } from '../../../src/gateway/endpoint-validation.js';
import { cniInterfaceIp } from '../../../src/gateway/host-info.js';
import { buildLocalEndpoint, endpointName, publicIpSources, resolvePublicIp, type NodeInfo } from '../../../src/gateway/local-endpoint.js';
import { gatewayKernel, remoteEndpoint } from '../plugins/support.js';

const config = parseGatewayConfig({
  SUBMARINER_NAMESPACE: 'submariner-operator',
  SUBMARINER_CLUSTERID: 'cluster1',
  SUBMARINER_CLUSTERCIDR: '10.1.0.0/16',
  SUBMARINER_SERVICECIDR: '100.1.0.0/16',
  SUBMARINER_CABLEDRIVER: 'vxlan',
  NODE_NAME: 'cluster1-gateway',
});
const node: NodeInfo = { name: 'cluster1-gateway', labels: { 'submariner.io/gateway': 'true' }, annotations: { 'gateway.submariner.io/public-ip': 'ipv4:192.168.241.2' } };
const noLookups = { resolve4: async () => assert.fail('no DNS lookup expected'), httpGet: async () => assert.fail('no HTTP lookup expected') };

void describe('local Endpoint', () => {
  void it('is built from the node, the private IP and the CNI IP', () => {
    const spec = buildLocalEndpoint({ config, node, privateIp: '10.250.1.2', cniIp: '10.1.0.1', publicIp: '192.168.241.2' });
    assert.deepEqual(spec, {
      cluster_id: 'cluster1',
      cable_name: 'submariner-cable-cluster1-10-250-1-2',
      healthCheckIP: '10.1.0.1',
      hostname: 'cluster1-gateway',
      subnets: ['100.1.0.0/16', '10.1.0.0/16'],
      private_ip: '10.250.1.2',
      public_ip: '192.168.241.2',
      nat_enabled: false,
      backend: 'vxlan',
      backend_config: { 'udp-port': '4500', 'natt-discovery-port': '4490' },
    });
    assert.equal(endpointName('cluster1', spec.cable_name), 'cluster1-submariner-cable-cluster1-10-250-1-2');
  });

  void it('takes port and preferred-server overrides from gateway.submariner.io/ node labels and annotations (annotations win)', () => {
    const n: NodeInfo = { name: 'gw', labels: { 'gateway.submariner.io/udp-port': '4600' }, annotations: { 'gateway.submariner.io/udp-port': '4700', 'gateway.submariner.io/preferred-server': 'true' } };
    const spec = buildLocalEndpoint({ config, node: n, privateIp: '10.250.1.2', cniIp: undefined, publicIp: '' });
    assert.deepEqual(spec.backend_config, { 'udp-port': '4700', 'natt-discovery-port': '4490', 'preferred-server': 'true' });
    assert.equal(spec.healthCheckIP, '');
  });

  void it('advertises only the GlobalCIDR with Globalnet', () => {
    const spec = buildLocalEndpoint({ config: { ...config, globalCidrs: ['242.0.0.0/16'] }, node, privateIp: '10.250.1.2', cniIp: '10.1.0.1', publicIp: '' });
    assert.deepEqual(spec.subnets, ['242.0.0.0/16']);
    assert.equal(spec.healthCheckIP, '', 'the health-check IP waits for the gateway\'s global IP');
  });

  void it('finds the CNI interface IP: the node address inside the cluster CIDR', async () => {
    assert.equal(await cniInterfaceIp(await gatewayKernel(), ['10.1.0.0/16']), '10.1.0.1');
    assert.equal(await cniInterfaceIp(await gatewayKernel(), ['10.9.0.0/16']), undefined);
  });
});

void describe('public IP', () => {
  void it('comes from the node annotation first, else SUBMARINER_PUBLICIP, and is not looked up when neither is set', () => {
    assert.equal(publicIpSources({ ...config, publicIp: 'ipv4:1.2.3.4' }, node), 'ipv4:192.168.241.2');
    assert.equal(publicIpSources({ ...config, publicIp: 'ipv4:1.2.3.4' }, { ...node, annotations: {} }), 'ipv4:1.2.3.4');
    assert.equal(publicIpSources(config, { ...node, annotations: {} }), undefined);
  });

  void it('resolves ipv4:, dns: and api: sources in order', async () => {
    assert.equal(await resolvePublicIp('ipv4:192.168.241.2', noLookups, false), '192.168.241.2');
    assert.equal(await resolvePublicIp('dns:gw.example', { ...noLookups, resolve4: async () => ['10.0.0.9', '10.0.0.3'] }, false), '10.0.0.3');
    const api = { ...noLookups, httpGet: async (url: string) => (url === 'https://ip.example/plain' ? 'your ip: 203.0.113.7\n' : '') };
    assert.equal(await resolvePublicIp('ipv4:bad,api:ip.example/plain', api, false), '203.0.113.7');
  });

  void it('accepts only literals in an air-gapped deployment and explains every failure', async () => {
    await assert.rejects(resolvePublicIp('api:ip.example,lb:gw', noLookups, true), /could not resolve the public IP from "api:ip.example,lb:gw": api:ip.example: only ipv4: sources are allowed in an air-gapped deployment; lb:gw: only ipv4:/);
    await assert.rejects(resolvePublicIp('lb:gw', noLookups, false), /unknown method "lb"/);
  });
});

void describe('remote Endpoint checks', () => {
  const ok = remoteEndpoint();
  void it('accepts a well-formed Endpoint of our driver', () => {
    assert.equal(validateRemoteEndpoint(ok, 'vxlan', ['libreswan', 'vxlan', 'wireguard']), undefined);
  });

  void it('gives the reason for a malformed one', () => {
    const v = (over: object) => validateRemoteEndpoint({ ...ok, ...over }, 'vxlan', ['libreswan', 'vxlan', 'wireguard']);
    assert.equal(v({ subnets: ['10.2.0.0/40'] }), 'subnet "10.2.0.0/40" is not a valid IPv4 CIDR');
    assert.equal(v({ subnets: [] }), 'subnets is empty');
    assert.equal(v({ private_ip: 'gw' }), 'private_ip "gw" is not an IPv4 address');
    assert.equal(v({ backend: 'strongswan' }), 'cable driver "strongswan" is unknown (supported: libreswan, vxlan, wireguard)');
    assert.equal(v({ backend: 'wireguard' }), 'the remote gateway uses the wireguard cable driver but this cluster uses vxlan');
    assert.equal(v({ backend_config: { 'udp-port': 'x' } }), 'backend_config udp-port "x" is not a UDP port');
    assert.equal(validateRemoteEndpoint(undefined, 'vxlan', ['vxlan']), 'the Endpoint has no spec');
  });

  void it('finds a remote subnet overlapping ours', () => {
    assert.equal(overlappingSubnet(remoteEndpoint({ subnets: ['10.1.128.0/17'] }), ['10.1.0.0/16']), '10.1.128.0/17');
    assert.equal(overlappingSubnet(ok, ['10.1.0.0/16']), undefined);
  });
});
