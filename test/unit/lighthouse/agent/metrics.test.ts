import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LighthouseAgentMetrics } from '../../../../src/lighthouse/agent/metrics.js';
import { scrapeRegistry, total } from '../../../support/prometheus.js';

describe('lighthouse agent metrics', () => {
  it('counts exports to the broker, imports from it and failed reconciles with admiral labels', async () => {
    const m = new LighthouseAgentMetrics();
    const si = { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'nginx-default-east' } };
    const eps = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'nginx-east' } };
    m.exported('create', si);
    m.exported('create', eps);
    m.exported('update', eps);
    m.imported('create', si);
    m.imported('delete', si);
    m.syncFailed();
    const f = await scrapeRegistry(m.registry);
    assert.equal(total(f, 'submariner_service_export'), 3);
    assert.equal(total(f, 'submariner_service_export', { direction: 'localToRemote', operation: 'create', syncer_name: 'EndpointSlice' }), 1);
    assert.equal(total(f, 'submariner_service_import', { direction: 'remoteToLocal', operation: 'delete', syncer_name: 'ServiceImport' }), 1);
    assert.equal(total(f, 'submariner_service_sync_errors'), 1);
  });
});
