import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { ServiceExport } from '../../../../src/api/generated.js';
import { buildExport, exportTime, validateService, type ExportInput, type ExportOutcome } from '../../../../src/lighthouse/agent/exported-service.js';

const key = { namespace: 'shop', name: 'web' };

function service(spec: V1Service['spec']): V1Service {
  return { metadata: { name: 'web', namespace: 'shop' }, spec };
}

const clusterIP = (extra: V1Service['spec'] = {}) =>
  service({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }], ...extra });
const headless = (extra: V1Service['spec'] = {}) => service({ type: 'ClusterIP', clusterIP: 'None', ports: [{ name: 'peer', protocol: 'TCP', port: 7000 }], ...extra });

function slice(name: string, endpoints: V1EndpointSlice['endpoints'], addressType = 'IPv4'): V1EndpointSlice {
  return { metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType, endpoints, ports: [{ name: 'peer', protocol: 'TCP', port: 7000 }] };
}

const serviceExport = (spec: ServiceExport['spec'] = {}): ServiceExport => ({
  apiVersion: 'multicluster.x-k8s.io/v1beta1',
  kind: 'ServiceExport',
  metadata: { name: 'web', namespace: 'shop', creationTimestamp: '2026-01-02T03:04:05Z' as unknown as Date },
  spec,
});

function build(svc: V1Service | undefined, slices: V1EndpointSlice[] = [], extra: Partial<ExportInput> = {}): ExportOutcome {
  return buildExport({ clusterId: 'east', key, serviceExport: serviceExport(), service: svc, endpointSlices: slices, clustersetIpDefault: false, ...extra });
}

function ready(outcome: ExportOutcome) {
  if (outcome.state !== 'ready') assert.fail(`not ready: ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('validating the Service of a ServiceExport', () => {
  const cases: [string, V1Service | undefined, string][] = [
    ['no Service', undefined, 'NoService: Service shop/web does not exist: create it, or delete the ServiceExport'],
    ['ExternalName', service({ type: 'ExternalName', externalName: 'example.com' }), 'InvalidServiceType: Service shop/web is of type ExternalName: only ClusterIP Services, headless or not, can be exported'],
    ['NodePort', service({ type: 'NodePort', clusterIP: '10.96.0.1' }), 'InvalidServiceType: Service shop/web is of type NodePort: only ClusterIP Services, headless or not, can be exported'],
    ['LoadBalancer', service({ type: 'LoadBalancer', clusterIP: '10.96.0.1' }), 'InvalidServiceType: Service shop/web is of type LoadBalancer: only ClusterIP Services, headless or not, can be exported'],
    ['ClusterIP', clusterIP(), 'ClusterSetIP'],
    ['ClusterIP without a type (the default)', service({ clusterIP: '10.96.0.1' }), 'ClusterSetIP'],
    ['headless', headless(), 'Headless'],
  ];
  for (const [name, svc, want] of cases) {
    it(name, () => {
      const v = validateService(key, svc);
      assert.equal(v.valid ? v.type : `${v.reason}: ${v.message}`, want);
    });
  }
});

describe('what a cluster publishes for a ClusterIP Service', () => {
  it('exports the Service\'s ports, IPs, families and affinity; one slice whose endpoint is the cluster IP', () => {
    const out = ready(
      build(clusterIP({ sessionAffinity: 'ClientIP', internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, appProtocol: 'http' }, { name: 'dns', protocol: 'UDP', port: 53 }] }), [
        slice('web-1', [{ addresses: ['10.244.0.5'], conditions: { ready: true } }]),
      ]),
    );
    assert.deepEqual(out.contribution, {
      cluster: 'east',
      exportedAt: 1767323045000000000n,
      spec: {
        type: 'ClusterSetIP',
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, appProtocol: 'http' },
          { name: 'dns', protocol: 'UDP', port: 53 },
        ],
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ipFamilies: ['IPv4'],
        ips: ['10.96.0.10'],
        internalTrafficPolicy: 'Local',
      },
      labels: {},
      annotations: {},
      clustersetIp: { enabled: false },
    });
    assert.deepEqual(out.slices, [
      {
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.96.0.10'], ready: true }],
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, appProtocol: 'http' },
          { name: 'dns', protocol: 'UDP', port: 53 },
        ],
        publishNotReadyAddresses: false,
        globalnet: false,
      },
    ]);
  });

  const readiness: [string, V1Service, V1EndpointSlice[], boolean][] = [
    ['no backends: not ready', clusterIP(), [], false],
    ['only backends that are not ready: not ready', clusterIP(), [slice('a', [{ addresses: ['10.244.0.5'], conditions: { ready: false } }])], false],
    ['a backend with no ready condition counts as ready', clusterIP(), [slice('a', [{ addresses: ['10.244.0.5'] }])], true],
    ['one ready backend in any slice: ready', clusterIP(), [slice('a', []), slice('b', [{ addresses: ['10.244.0.6'], conditions: { ready: true } }])], true],
    ['publishNotReadyAddresses: any backend makes it ready', clusterIP({ publishNotReadyAddresses: true }), [slice('a', [{ addresses: ['10.244.0.5'], conditions: { ready: false } }])], true],
  ];
  for (const [name, svc, slices, want] of readiness) {
    it(name, () => assert.equal(ready(build(svc, slices)).slices[0]?.endpoints[0]?.ready, want));
  }

  it('with a clusterset IP, also publishes the ready pods behind it, one slice per local slice', () => {
    const out = ready(
      build(clusterIP(), [slice('web-1', [{ addresses: ['10.244.0.5'], conditions: { ready: true }, nodeName: 'n1' }, { addresses: ['10.244.0.6'], conditions: { ready: false } }])], {
        clustersetIpDefault: true,
      }),
    );
    assert.deepEqual(out.contribution.clustersetIp, { enabled: true });
    assert.equal(out.slices.length, 2);
    assert.deepEqual(out.slices[0]?.endpoints, [{ addresses: ['10.96.0.10'], ready: true }], 'the first slice still holds the cluster IP');
    assert.deepEqual(out.slices[1], {
      sourceName: 'web-1',
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.0.5'], ready: true, nodeName: 'n1' }],
      ports: [{ name: 'peer', protocol: 'TCP', port: 7000 }],
      publishNotReadyAddresses: false,
      globalnet: false,
      podEndpoints: true,
    });
  });

  it('the use-clusterset-ip annotation overrides the default either way, and a bad value is refused naming it', () => {
    const annotated = (value: string): ExportOutcome =>
      buildExport({
        clusterId: 'east',
        key,
        service: clusterIP(),
        endpointSlices: [],
        clustersetIpDefault: value === 'true' ? false : true,
        serviceExport: { ...serviceExport(), metadata: { ...serviceExport().metadata, annotations: { 'lighthouse.submariner.io/use-clusterset-ip': value } } },
      });
    assert.deepEqual(ready(annotated('false')).contribution.clustersetIp, { enabled: false });
    assert.deepEqual(ready(annotated('true')).contribution.clustersetIp, { enabled: true });
    assert.deepEqual(annotated('maybe'), {
      state: 'failed',
      message:
        'the annotation lighthouse.submariner.io/use-clusterset-ip="maybe" is neither "true" nor "false": set it to one of them, or remove it to follow the clusterset\'s default',
    });
  });

  it('a headless Service never asks for a clusterset IP; with Globalnet, no pod slices are published', () => {
    assert.deepEqual(ready(build(headless(), [], { clustersetIpDefault: true })).contribution.clustersetIp, { enabled: false });
    const none = { service: () => '242.0.0.7', endpoint: () => undefined };
    const out = ready(build(clusterIP(), [slice('web-1', [{ addresses: ['10.244.0.5'] }])], { clustersetIpDefault: true, globalIps: none }));
    assert.equal(out.slices.length, 1);
  });

  it('waits for a cluster IP, and refuses a Service with no IPv4 one', () => {
    assert.deepEqual(build(clusterIP({ clusterIP: '', clusterIPs: [] })), { state: 'pending', message: 'waiting for Service shop/web to get a cluster IP' });
    assert.deepEqual(build(clusterIP({ clusterIP: 'fd00::10', clusterIPs: ['fd00::10'], ipFamilies: ['IPv6'] })), {
      state: 'failed',
      message: 'Service shop/web has no IPv4 cluster IP (it has fd00::10): the clusterset carries IPv4 only',
    });
  });

  it('with Globalnet, exports the global IP once allocated', () => {
    const none = { service: () => undefined, endpoint: () => undefined };
    assert.deepEqual(build(clusterIP(), [], { globalIps: none }), { state: 'pending', message: 'waiting for Globalnet to allocate a global IP to Service shop/web' });
    const out = ready(build(clusterIP(), [], { globalIps: { ...none, service: () => '242.0.0.7' } }));
    assert.deepEqual(out.contribution.spec.ips, ['242.0.0.7']);
    assert.deepEqual(out.slices[0]?.endpoints[0]?.addresses, ['242.0.0.7']);
    assert.equal(out.slices[0]?.globalnet, true);
  });

  it('carries valid exported labels and annotations, and refuses invalid ones naming them', () => {
    const labelled = buildExport({ clusterId: 'east', key, service: clusterIP(), endpointSlices: [], clustersetIpDefault: false, serviceExport: serviceExport({ exportedLabels: { 'example.com/tier': 'gold' }, exportedAnnotations: { note: 'any text at all' } }) });
    assert.deepEqual(ready(labelled).contribution.labels, { 'example.com/tier': 'gold' });
    assert.deepEqual(ready(labelled).contribution.annotations, { note: 'any text at all' });
    const badKey = buildExport({ clusterId: 'east', key, service: clusterIP(), endpointSlices: [], clustersetIpDefault: false, serviceExport: serviceExport({ exportedLabels: { 'no spaces!': 'x' } }) });
    assert.equal(badKey.state, 'failed');
    assert.match((badKey as { message: string }).message, /spec\.exportedLabels holds the invalid label key "no spaces!"/);
    const badValue = buildExport({ clusterId: 'east', key, service: clusterIP(), endpointSlices: [], clustersetIpDefault: false, serviceExport: serviceExport({ exportedLabels: { tier: 'gold plated' } }) });
    assert.match((badValue as { message: string }).message, /spec\.exportedLabels\.tier has the invalid value "gold plated"/);
  });
});

describe('what a cluster publishes for a headless Service', () => {
  it('one slice per local slice, with the ready backends\' addresses, hostnames and nodes', () => {
    const out = ready(
      build(headless(), [
        slice('web-b', [{ addresses: ['10.244.1.9'], hostname: 'db-1', nodeName: 'n2', conditions: { ready: true } }]),
        slice('web-a', [
          { addresses: ['10.244.0.5'], hostname: 'db-0', nodeName: 'n1', conditions: { ready: true } },
          { addresses: ['10.244.0.6'], hostname: 'db-2', nodeName: 'n1', conditions: { ready: false } },
          { addresses: ['10.244.0.7'] },
        ]),
        slice('web-fqdn', [{ addresses: ['db.example.com'] }], 'FQDN'),
      ]),
    );
    assert.equal(out.contribution.spec.type, 'Headless');
    assert.deepEqual(out.contribution.spec.ips, []);
    assert.deepEqual(
      out.slices.map((s) => ({ source: s.sourceName, endpoints: s.endpoints })),
      [
        {
          source: 'web-a',
          endpoints: [
            { addresses: ['10.244.0.5'], ready: true, hostname: 'db-0', nodeName: 'n1' },
            { addresses: ['10.244.0.7'], ready: true },
          ],
        },
        { source: 'web-b', endpoints: [{ addresses: ['10.244.1.9'], ready: true, hostname: 'db-1', nodeName: 'n2' }] },
      ],
    );
    assert.deepEqual(out.slices[0]?.ports, [{ name: 'peer', protocol: 'TCP', port: 7000 }]);
  });

  it('keeps backends that are not ready when the Service publishes them', () => {
    const out = ready(build(headless({ publishNotReadyAddresses: true }), [slice('web-a', [{ addresses: ['10.244.0.6'], conditions: { ready: false } }])]));
    assert.deepEqual(out.slices[0]?.endpoints, [{ addresses: ['10.244.0.6'], ready: false }]);
    assert.equal(out.slices[0]?.publishNotReadyAddresses, true);
  });

  it('with Globalnet, exports each backend\'s global IP and waits until every one is allocated', () => {
    const slices = [slice('web-a', [{ addresses: ['10.244.0.5'] }, { addresses: ['10.244.0.6'] }])];
    const globals: Record<string, string> = { '10.244.0.5': '242.0.0.20' };
    const globalIps = { service: () => undefined, endpoint: (_k: unknown, a: string) => globals[a] };
    assert.deepEqual(build(headless(), slices, { globalIps }), {
      state: 'pending',
      message: 'waiting for Globalnet to allocate global IPs to 1 backend address of Service shop/web',
    });
    globals['10.244.0.6'] = '242.0.0.21';
    assert.deepEqual(
      ready(build(headless(), slices, { globalIps })).slices[0]?.endpoints.map((e) => e.addresses),
      [['242.0.0.20'], ['242.0.0.21']],
    );
  });
});

describe('the export time', () => {
  it('is the ServiceExport\'s creation time in nanoseconds, whether the cache holds a string or a Date', () => {
    assert.equal(exportTime(serviceExport()), 1767323045000000000n);
    const withDate = serviceExport();
    withDate.metadata.creationTimestamp = new Date('2026-01-02T03:04:05Z');
    assert.equal(exportTime(withDate), 1767323045000000000n);
  });
});
