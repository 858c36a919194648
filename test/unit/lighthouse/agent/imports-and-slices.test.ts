import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { mergeContributions } from '../../../../src/lighthouse/agent/merge.js';
import type { SliceContent } from '../../../../src/lighthouse/agent/model.js';
import {
  brokerEndpointSlice,
  brokerServiceImport,
  isManagedImport,
  localEndpointSlice,
  localServiceImport,
  parseBrokerImport,
  parseSlice,
  upToDate,
} from '../../../../src/lighthouse/agent/imports-and-slices.js';
import { contribution, port } from './fixtures.js';

const key = { namespace: 'shop', name: 'web' };

describe('a cluster\'s ServiceImport on the broker', () => {
  const c = contribution('east', 3, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, trafficDistribution: 'PreferClose' }, { labels: { tier: 'gold' } });
  const obj = brokerServiceImport(key, c, 'submariner-k8s-broker');

  it('is named <svc>-<ns>-<cluster>, labelled with its service and cluster, and stamped with the export time', () => {
    assert.equal(obj.metadata.name, 'web-shop-east');
    assert.equal(obj.metadata.namespace, 'submariner-k8s-broker');
    assert.deepEqual(obj.metadata.labels, {
      'multicluster.kubernetes.io/service-name': 'web',
      'lighthouse.submariner.io/sourceNamespace': 'shop',
      'multicluster.kubernetes.io/source-cluster': 'east',
    });
    assert.equal(obj.metadata.annotations?.['timestamp.submariner.io/east'], '1799999997000000000');
    assert.deepEqual(obj.spec.ips, ['10.96.0.10']);
  });

  it('reads back as the same contribution', () => {
    assert.deepEqual(parseBrokerImport(JSON.parse(JSON.stringify(obj)) as KubernetesObject), { key, contribution: c });
  });

  const malformed: [string, (o: Record<string, unknown>) => void][] = [
    ['no cluster label', (o) => delete (o.metadata as { labels: Record<string, string> }).labels['multicluster.kubernetes.io/source-cluster']],
    ['no spec', (o) => delete o.spec],
    ['an unknown type', (o) => ((o.spec as Record<string, unknown>).type = 'LoadBalancer')],
    ['a port out of range', (o) => ((o.spec as Record<string, unknown>).ports = [{ port: 70000 }])],
    ['a port of an unknown protocol', (o) => ((o.spec as Record<string, unknown>).ports = [{ port: 80, protocol: 'ICMP' }])],
    ['ports that are not a list of objects', (o) => ((o.spec as Record<string, unknown>).ports = ['80'])],
  ];
  for (const [name, spoil] of malformed) {
    it(`is ignored with ${name}`, () => {
      const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
      spoil(copy);
      assert.equal(parseBrokerImport(copy as KubernetesObject), undefined);
    });
  }

  it('falls back to the creation time without a timestamp annotation, and ignores unreadable exported labels', () => {
    const copy = JSON.parse(JSON.stringify(obj)) as { metadata: { annotations: Record<string, string>; creationTimestamp?: string } };
    copy.metadata.annotations = { 'lighthouse.submariner.io/exported-labels': '{not json' };
    copy.metadata.creationTimestamp = '2026-01-02T03:04:05Z';
    const parsed = parseBrokerImport(copy as KubernetesObject);
    assert.equal(parsed?.contribution.exportedAt, 1767323045000000000n);
    assert.deepEqual(parsed?.contribution.labels, {});
  });
});

describe('published EndpointSlices', () => {
  const headless: SliceContent = {
    sourceName: 'web-x7k2p',
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.0.5'], ready: true, hostname: 'db-0', nodeName: 'n1' }],
    ports: [{ name: 'peer', protocol: 'TCP', port: 7000 }],
    publishNotReadyAddresses: true,
    globalnet: false,
  };
  const clusterSetIP: SliceContent = { addressType: 'IPv4', endpoints: [{ addresses: ['10.96.0.10'], ready: false }], ports: [{ protocol: 'TCP', port: 80 }], publishNotReadyAddresses: false, globalnet: true };

  it('carry the labels and annotations the DNS server reads, and never kubernetes.io/service-name', () => {
    const eps = brokerEndpointSlice(key, 'east', headless, 'submariner-k8s-broker');
    assert.equal(eps.metadata?.name, 'web-x7k2p-shop-east');
    const { 'lighthouse.submariner.io/applied-hash': hash, ...notes } = eps.metadata?.annotations ?? {};
    assert.match(hash ?? '', /^[0-9a-f]{16}$/);
    assert.deepEqual(notes, { 'lighthouse.submariner.io/publish-not-ready-addresses': 'true' });
    assert.deepEqual(eps.metadata?.labels, {
      'endpointslice.kubernetes.io/managed-by': 'lighthouse-agent.submariner.io',
      'multicluster.kubernetes.io/service-name': 'web',
      'lighthouse.submariner.io/sourceNamespace': 'shop',
      'multicluster.kubernetes.io/source-cluster': 'east',
      'lighthouse.submariner.io/is-headless': 'true',
      'lighthouse.submariner.io/source-name': 'web-x7k2p',
    });
    assert.deepEqual(eps.endpoints, [{ addresses: ['10.244.0.5'], conditions: { ready: true }, hostname: 'db-0', nodeName: 'n1' }]);
    const single = brokerEndpointSlice(key, 'east', clusterSetIP, 'submariner-k8s-broker');
    assert.equal(single.metadata?.name, 'web-shop-east');
    assert.equal(single.metadata?.labels?.['lighthouse.submariner.io/is-headless'], 'false');
    assert.equal(single.metadata?.annotations?.['lighthouse.submariner.io/globalnet-enabled'], 'true');
  });

  it('read back as the same slice, and copy into the service\'s namespace owned by its ServiceImport', () => {
    for (const content of [headless, clusterSetIP]) {
      const eps = brokerEndpointSlice(key, 'east', content, 'submariner-k8s-broker');
      const parsed = parseSlice(eps);
      assert.deepEqual(parsed, { key, slice: { cluster: 'east', name: eps.metadata?.name, content } });
      const local = localEndpointSlice(key, parsed.slice, { name: 'web', uid: 'uid-1' });
      assert.equal(local.metadata?.namespace, 'shop');
      assert.equal(local.metadata?.name, eps.metadata?.name);
      assert.deepEqual(local.metadata?.ownerReferences, [
        { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', name: 'web', uid: 'uid-1', controller: false, blockOwnerDeletion: false },
      ]);
      assert.deepEqual(local.endpoints, eps.endpoints);
    }
  });

  it('that are not Lighthouse\'s or not IP slices are ignored', () => {
    const eps = brokerEndpointSlice(key, 'east', headless, 'submariner-k8s-broker');
    assert.equal(parseSlice({ ...eps, metadata: { ...eps.metadata, labels: { ...eps.metadata?.labels, 'endpointslice.kubernetes.io/managed-by': 'other' } } }), undefined);
    assert.equal(parseSlice({ ...eps, addressType: 'FQDN' }), undefined);
  });
});

describe('the local ServiceImport', () => {
  it('carries the merged spec and exported metadata, marked as the agent\'s', () => {
    const merged = mergeContributions([contribution('east', 1, { ports: [port('http', 80)] }, { labels: { tier: 'gold' }, annotations: { note: 'x' } })]);
    const si = localServiceImport(key, merged!);
    assert.equal(si.metadata.name, 'web');
    assert.equal(si.metadata.namespace, 'shop');
    assert.deepEqual(si.metadata.labels, { tier: 'gold', 'app.kubernetes.io/managed-by': 'lighthouse-agent.submariner.io' });
    assert.equal(si.metadata.annotations?.note, 'x');
    assert.deepEqual(si.spec, merged!.spec);
    assert.equal(isManagedImport(si), true);
    assert.equal(isManagedImport({ metadata: { labels: { 'app.kubernetes.io/managed-by': 'someone-else' } } }), false);
  });
});

describe('skipping writes that change nothing', () => {
  it('compares what was last written, whatever the server added', () => {
    const a = brokerServiceImport(key, contribution('east', 1), 'b');
    const served = { ...a, metadata: { ...a.metadata, resourceVersion: '42', uid: 'u', annotations: { ...a.metadata.annotations, 'kubectl.kubernetes.io/x': 'y' } } };
    assert.equal(upToDate(brokerServiceImport(key, contribution('east', 1), 'b'), served), true);
    assert.equal(upToDate(brokerServiceImport(key, contribution('east', 1, { ports: [port('http', 81)] }), 'b'), served), false);
    assert.equal(upToDate(a, undefined), false);
    assert.equal(upToDate(a, { metadata: {} }), false);
  });
});
