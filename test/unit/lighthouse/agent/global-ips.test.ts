import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GlobalIngressIP } from '../../../../src/api/generated.js';
import { globalIngressIpService, globalIpsFrom } from '../../../../src/lighthouse/agent/global-ips.js';

function giip(name: string, spec: GlobalIngressIP['spec'], allocatedIP: string | undefined, meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): GlobalIngressIP {
  return { apiVersion: 'submariner.io/v1', kind: 'GlobalIngressIP', metadata: { name, namespace: 'shop', ...meta }, spec, ...(allocatedIP ? { status: { allocatedIP } } : {}) };
}

const objects = [
  giip('web', { target: 'ClusterIPService', serviceRef: { name: 'web' } }, '242.0.0.5'),
  giip('api', { target: 'ClusterIPService', serviceRef: { name: 'api' } }, undefined),
  giip('pod-db-0', { target: 'HeadlessServicePod', podRef: { name: 'db-0' } }, '242.0.0.9', {
    labels: { 'submariner.io/serviceRef': 'db' },
    annotations: { 'submariner.io/headless-svc-pod-ip': '10.244.0.5' },
  }),
  giip('ep-db-x', { target: 'HeadlessServiceEndpoints', serviceRef: { name: 'db' } }, '242.0.0.10', {
    annotations: { 'submariner.io/headless-svc-endpoints-ip': '10.1.2.3' },
  }),
];
const cache = { get: () => undefined, list: (ns?: string) => objects.filter((o) => ns === undefined || o.metadata.namespace === ns) };

describe('global IPs from GlobalIngressIPs', () => {
  const ips = globalIpsFrom(cache);

  it('finds a ClusterIP Service\'s allocated global IP, none before allocation or in another namespace', () => {
    assert.equal(ips.service({ namespace: 'shop', name: 'web' }), '242.0.0.5');
    assert.equal(ips.service({ namespace: 'shop', name: 'api' }), undefined);
    assert.equal(ips.service({ namespace: 'other', name: 'web' }), undefined);
  });

  it('finds a headless backend\'s global IP by its pod or endpoints IP and its Service', () => {
    assert.equal(ips.endpoint({ namespace: 'shop', name: 'db' }, '10.244.0.5'), '242.0.0.9');
    assert.equal(ips.endpoint({ namespace: 'shop', name: 'db' }, '10.1.2.3'), '242.0.0.10');
    assert.equal(ips.endpoint({ namespace: 'shop', name: 'web' }, '10.244.0.5'), undefined);
    assert.equal(ips.endpoint({ namespace: 'shop', name: 'db' }, '10.244.0.99'), undefined);
  });

  it('names the service each GlobalIngressIP belongs to', () => {
    assert.deepEqual(objects.map((o) => globalIngressIpService(o)), [
      { namespace: 'shop', name: 'web' },
      { namespace: 'shop', name: 'api' },
      { namespace: 'shop', name: 'db' },
      { namespace: 'shop', name: 'db' },
    ]);
  });
});
