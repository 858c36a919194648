import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Resolver } from '../../../../src/lighthouse/dns/resolver.js';
import { endpointSlice, FakeClusterStatus, serviceImport } from './fixtures.js';

const ref = { namespace: 'ns', service: 'svc' };

function fresh() {
  return new Resolver(new FakeClusterStatus('east', ['west']));
}

describe('resolver updates from watch events', () => {
  it('knows a service only once its ServiceImport exists, whatever order the objects arrive in', () => {
    const r = fresh();
    r.upsertEndpointSlice(endpointSlice({ namespace: 'ns', service: 'svc', cluster: 'west', endpoints: [{ addresses: ['10.1.0.1'] }] }));
    assert.equal(r.exists(ref), false);
    r.upsertServiceImport(serviceImport('ns', 'svc', 'ClusterSetIP', []));
    assert.equal(r.exists(ref), true);
    assert.deepEqual(r.addresses(ref, 4), ['10.1.0.1']);
    r.deleteServiceImport(serviceImport('ns', 'svc', 'ClusterSetIP', []));
    assert.equal(r.exists(ref), false);
    assert.deepEqual(r.addresses(ref, 4), []);
    assert.equal(r.hasNamespace('ns'), false);
  });

  it('answers the clusterset IP for the service, a cluster\'s own service IP for the cluster name, never the pods behind the IP', () => {
    const r = fresh();
    r.upsertServiceImport(serviceImport('ns', 'svc', 'ClusterSetIP', [], ['243.0.0.1']));
    r.upsertEndpointSlice(endpointSlice({ namespace: 'ns', service: 'svc', cluster: 'west', endpoints: [{ addresses: ['10.1.0.1'] }] }));
    const pods = endpointSlice({ namespace: 'ns', service: 'svc', cluster: 'west', name: 'svc-abc-ns-west', endpoints: [{ addresses: ['10.241.0.7'] }] });
    pods.metadata = { ...pods.metadata, labels: { ...pods.metadata?.labels, 'lighthouse.submariner.io/pod-endpoints': 'true' } };
    r.upsertEndpointSlice(pods);
    assert.deepEqual(r.addresses(ref, 4), ['243.0.0.1']);
    assert.deepEqual(r.addresses({ ...ref, cluster: 'west' }, 4), ['10.1.0.1']);
  });

  it('replaces a slice on update and forgets it on delete', () => {
    const r = fresh();
    r.upsertServiceImport(serviceImport('ns', 'svc', 'Headless', []));
    const slice = { namespace: 'ns', service: 'svc', cluster: 'east', name: 'svc-abc' };
    r.upsertEndpointSlice(endpointSlice({ ...slice, endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }] }));
    assert.deepEqual(r.addresses(ref, 4), ['10.0.0.1', '10.0.0.2']);
    r.upsertEndpointSlice(endpointSlice({ ...slice, endpoints: [{ addresses: ['10.0.0.3'] }] }));
    assert.deepEqual(r.addresses(ref, 4), ['10.0.0.3']);
    r.deleteEndpointSlice(endpointSlice({ ...slice, endpoints: [] }));
    assert.deepEqual(r.addresses(ref, 4), []);
    assert.equal(r.exists({ ...ref, cluster: 'east' }), false);
  });

  it('moves a slice whose labels change to the service and cluster they name now', () => {
    const r = fresh();
    r.upsertServiceImport(serviceImport('ns', 'svc', 'Headless', []));
    r.upsertServiceImport(serviceImport('ns', 'other', 'Headless', []));
    r.upsertEndpointSlice(endpointSlice({ namespace: 'ns', service: 'svc', cluster: 'east', name: 's1', endpoints: [{ addresses: ['10.0.0.1'] }] }));
    r.upsertEndpointSlice(endpointSlice({ namespace: 'ns', service: 'other', cluster: 'west', name: 's1', endpoints: [{ addresses: ['10.0.0.1'] }] }));
    assert.deepEqual(r.addresses(ref, 4), []);
    assert.deepEqual(r.addresses({ namespace: 'ns', service: 'other', cluster: 'west' }, 4), ['10.0.0.1']);
  });

  it('merges several slices of one cluster and skips addresses of the wrong family or FQDN slices', () => {
    const r = fresh();
    r.upsertServiceImport(serviceImport('ns', 'svc', 'Headless', []));
    r.upsertEndpointSlice(endpointSlice({ namespace: 'ns', service: 'svc', cluster: 'east', name: 'a', endpoints: [{ addresses: ['10.0.0.1', 'fd00::1'] }] }));
    r.upsertEndpointSlice(
      endpointSlice({ namespace: 'ns', service: 'svc', cluster: 'east', name: 'b', addressType: 'IPv6', endpoints: [{ addresses: ['fd00::2', 'not-an-ip'] }] }),
    );
    r.upsertEndpointSlice({ ...endpointSlice({ namespace: 'ns', service: 'svc', cluster: 'east', name: 'c', endpoints: [{ addresses: ['x.example.com'] }] }), addressType: 'FQDN' });
    assert.deepEqual(r.addresses(ref, 4), ['10.0.0.1']);
    assert.deepEqual(r.addresses(ref, 6), ['fd00::2']);
  });

  it('publishes not-ready addresses when the slice says so', () => {
    const r = fresh();
    r.upsertServiceImport(serviceImport('ns', 'svc', 'Headless', []));
    r.upsertEndpointSlice(
      endpointSlice({
        namespace: 'ns',
        service: 'svc',
        cluster: 'east',
        endpoints: [{ addresses: ['10.0.0.1'], ready: false }],
        annotations: { 'lighthouse.submariner.io/publish-not-ready-addresses': 'true' },
      }),
    );
    assert.deepEqual(r.addresses(ref, 4), ['10.0.0.1']);
  });

  it('ignores objects without a namespace, a name or the Lighthouse labels', () => {
    const r = fresh();
    r.upsertServiceImport({ metadata: { name: 'svc' } });
    const unlabelled = endpointSlice({ namespace: 'ns', service: 'svc', cluster: 'east', endpoints: [{ addresses: ['10.0.0.1'] }] });
    unlabelled.metadata = { name: 'x', namespace: 'ns' };
    r.upsertEndpointSlice(unlabelled);
    assert.equal(r.hasServices(), false);
    assert.equal(r.generation, 0);
  });

  it('moves its generation on every change', () => {
    const r = fresh();
    r.upsertServiceImport(serviceImport('ns', 'svc', 'Headless', []));
    r.upsertEndpointSlice(endpointSlice({ namespace: 'ns', service: 'svc', cluster: 'east', endpoints: [] }));
    assert.ok(r.generation >= 2);
  });
});
