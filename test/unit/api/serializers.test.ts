import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { EndpointResource, apiVersionOf, crdNameOf, registerApiSerializers, type Endpoint } from '../../../src/api/index.js';

void describe('client-node serialization of our kinds', () => {
  const endpoint: Endpoint = {
    apiVersion: 'submariner.io/v1',
    kind: 'Endpoint',
    metadata: { name: 'cluster1-submariner-cable-cluster1-10-0-0-1', namespace: 'submariner-operator' },
    spec: {
      cluster_id: 'cluster1',
      cable_name: 'submariner-cable-cluster1-10-0-0-1',
      hostname: 'node-1',
      subnets: ['10.96.0.0/12'],
      private_ip: '10.0.0.1',
      nat_enabled: false,
      backend: 'wireguard',
      backend_config: { 'udp-port': '4500' },
    },
  };

  void it('keeps the spec of a submariner.io Endpoint, which client-node would take for a discovery.k8s.io V1Endpoint', () => {
    registerApiSerializers();
    registerApiSerializers();
    // KubernetesObjectApi serializes by "<Version><Kind>", i.e. V1Endpoint, in both directions.
    const sent: unknown = ObjectSerializer.serialize(endpoint, 'V1Endpoint');
    assert.deepEqual(JSON.parse(JSON.stringify(sent)), endpoint);
    const received = ObjectSerializer.deserialize(JSON.parse(JSON.stringify(endpoint)), 'V1Endpoint') as Endpoint;
    assert.deepEqual(received.spec, endpoint.spec);
    assert.equal(received.metadata.name, endpoint.metadata.name);
  });

  void it('names the apiVersion and CRD of a kind', () => {
    assert.equal(apiVersionOf(EndpointResource), 'submariner.io/v1');
    assert.equal(crdNameOf(EndpointResource), 'endpoints.submariner.io');
  });
});
