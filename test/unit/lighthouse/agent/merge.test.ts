import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServicePort } from '../../../../src/api/generated.js';
import { mergeContributions } from '../../../../src/lighthouse/agent/merge.js';
import type { Contribution } from '../../../../src/lighthouse/agent/model.js';
import { contribution as c, port } from './fixtures.js';

function merge(...contributions: Contribution[]) {
  const merged = mergeContributions(contributions);
  assert.ok(merged, 'something is exported');
  return merged;
}

const show = (ports: ServicePort[]) => ports.map((p) => `${p.name ?? ''}:${p.protocol ?? 'TCP'}/${p.port}${p.appProtocol ? `:${p.appProtocol}` : ''}`);

describe('merging the exports of a service (KEP-1645)', () => {
  it('gives nothing when no cluster exports it', () => {
    assert.equal(mergeContributions([]), undefined);
  });

  it('takes a single export as it is, without conflicts', () => {
    const m = merge(c('east', 0, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }));
    assert.deepEqual(m.spec, {
      type: 'ClusterSetIP',
      ports: [port('http', 80)],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      ipFamilies: ['IPv4'],
      internalTrafficPolicy: 'Cluster',
    });
    assert.deepEqual(m.clusters, ['east']);
    assert.deepEqual(m.conflicts, []);
  });

  it('orders clusters by export age, oldest first, and by cluster ID when exported in the same instant', () => {
    assert.deepEqual(merge(c('a', 1), c('b', 3), c('c', 2)).clusters, ['b', 'c', 'a']);
    assert.deepEqual(merge(c('zeta', 0), c('alpha', 0), c('mid', 0)).exporters, ['alpha', 'mid', 'zeta']);
  });

  describe('ports: the union, merged by name and then by protocol and port, the oldest export winning', () => {
    const cases: { name: string; exports: Contribution[]; ports: string[]; conflict?: RegExp }[] = [
      {
        name: 'identical ports merge into one',
        exports: [c('east', 2), c('west', 1)],
        ports: ['http:TCP/80'],
      },
      {
        name: 'different names and numbers add up, in age order, and the difference is a conflict',
        exports: [c('west', 1, { ports: [port('metrics', 9090)] }), c('east', 2, { ports: [port('http', 80), port('grpc', 9000)] })],
        ports: ['http:TCP/80', 'grpc:TCP/9000', 'metrics:TCP/9090'],
        conflict: /"http" TCP\/80 is exported by east but not by west; "grpc" TCP\/9000 is exported by east but not by west; "metrics" TCP\/9090 is exported by west but not by east/,
      },
      {
        name: '[tcp 42] against [tcp 42, sctp 142 "stcp"]: the union, the extra port named in the conflict',
        exports: [c('cluster1', 2, { ports: [port(undefined, 42)] }), c('cluster2', 1, { ports: [port(undefined, 42), port('stcp', 142, 'SCTP')] })],
        ports: [':TCP/42', 'stcp:SCTP/142'],
        conflict: /^the exporting clusters cluster1, cluster2 disagree on the ports: "stcp" SCTP\/142 is exported by cluster2 but not by cluster1\. The import exposes the union of the ports that do not conflict, the oldest export winning: \(unnamed\) TCP\/42, "stcp" SCTP\/142$/,
      },
      {
        name: 'the younger export with fewer ports: the union is still in the oldest export\'s order',
        exports: [c('cluster2', 1, { ports: [port(undefined, 42)] }), c('cluster1', 2, { ports: [port('stcp', 142, 'SCTP'), port(undefined, 42)] })],
        ports: ['stcp:SCTP/142', ':TCP/42'],
        conflict: /"stcp" SCTP\/142 is exported by cluster1 but not by cluster2/,
      },
      {
        name: 'three exports: a port two of them have and the third lacks',
        exports: [c('c1', 3, { ports: [port('a', 1)] }), c('c2', 2, { ports: [port('a', 1), port('b', 2)] }), c('c3', 1, { ports: [port('a', 1), port('b', 2)] })],
        ports: ['a:TCP/1', 'b:TCP/2'],
        conflict: /"b" TCP\/2 is exported by c2, c3 but not by c1/,
      },
      {
        name: 'three identical exports agree',
        exports: [c('c1', 3), c('c2', 2), c('c3', 1)],
        ports: ['http:TCP/80'],
      },
      {
        name: 'the same number over another protocol is another port',
        exports: [c('east', 2, { ports: [port('dns', 53, 'UDP')] }), c('west', 1, { ports: [port('dns-tcp', 53, 'TCP')] })],
        ports: ['dns:UDP/53', 'dns-tcp:TCP/53'],
        conflict: /"dns-tcp" TCP\/53 is exported by west but not by east/,
      },
      {
        name: 'one name with another number conflicts; the older number is kept',
        exports: [c('west', 1, { ports: [port('http', 8080)] }), c('east', 2, { ports: [port('http', 80)] })],
        ports: ['http:TCP/80'],
        conflict: /port "http" is TCP\/80 in east but TCP\/8080 in west/,
      },
      {
        name: 'one name with another protocol conflicts',
        exports: [c('east', 2, { ports: [port('dns', 53, 'UDP')] }), c('west', 1, { ports: [port('dns', 53, 'TCP')] })],
        ports: ['dns:UDP/53'],
        conflict: /port "dns" is UDP\/53 in east but TCP\/53 in west/,
      },
      {
        name: 'one name with another appProtocol conflicts',
        exports: [c('east', 2, { ports: [port('web', 80, 'TCP', 'http')] }), c('west', 1, { ports: [port('web', 80, 'TCP', 'kubernetes.io/h2c')] })],
        ports: ['web:TCP/80:http'],
        conflict: /port "web" is TCP\/80 \(http\) in east but TCP\/80 \(kubernetes.io\/h2c\) in west/,
      },
      {
        name: 'one protocol and number under another name conflicts; the older name is kept',
        exports: [c('east', 2, { ports: [port('http', 80)] }), c('west', 1, { ports: [port('web', 80)] })],
        ports: ['http:TCP/80'],
        conflict: /TCP\/80 is named "http" in east but "web" in west/,
      },
      {
        name: 'two unnamed ports with different numbers conflict (names must be unique)',
        exports: [c('east', 2, { ports: [port(undefined, 80)] }), c('west', 1, { ports: [port(undefined, 81)] })],
        ports: [':TCP/80'],
        conflict: /port \(unnamed\) is TCP\/80 in east but TCP\/81 in west/,
      },
      {
        name: 'a conflicting port still lets the other ports of the same export in',
        exports: [c('east', 2, { ports: [port('http', 80)] }), c('west', 1, { ports: [port('http', 81), port('admin', 9000)] })],
        ports: ['http:TCP/80', 'admin:TCP/9000'],
        conflict: /The import exposes the union of the ports that do not conflict, the oldest export winning: "http" TCP\/80, "admin" TCP\/9000/,
      },
    ];
    for (const t of cases) {
      it(t.name, () => {
        const m = merge(...t.exports);
        assert.deepEqual(show(m.spec.ports), t.ports);
        const conflict = m.conflicts.find((x) => x.reason === 'ConflictingPorts');
        if (t.conflict === undefined) assert.equal(conflict, undefined, conflict?.message);
        else assert.match(conflict?.message ?? '(no ConflictingPorts)', t.conflict);
      });
    }
  });

  describe('properties the oldest export decides', () => {
    const cases: { name: string; exports: Contribution[]; reason: string; check: (m: ReturnType<typeof merge>) => void; message: RegExp }[] = [
      {
        name: 'the type: the import is the oldest export\'s type and only clusters of that type back it',
        exports: [c('west', 1, { type: 'Headless', ips: [] }), c('east', 2), c('north', 0)],
        reason: 'ConflictingType',
        check: (m) => {
          assert.equal(m.spec.type, 'ClusterSetIP');
          assert.deepEqual(m.clusters, ['east', 'north']);
          assert.deepEqual(m.exporters, ['east', 'west', 'north']);
        },
        message: /disagree on the service type: ClusterSetIP in east, north, Headless in west\. The import is ClusterSetIP, as exported by east, the oldest export; west is not served/,
      },
      {
        name: 'the session affinity',
        exports: [c('east', 1, { sessionAffinity: 'None' }), c('west', 2, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } } })],
        reason: 'ConflictingSessionAffinity',
        check: (m) => {
          assert.equal(m.spec.sessionAffinity, 'ClientIP');
          assert.deepEqual(m.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 30 } });
        },
        message: /disagree on the session affinity: ClientIP in west, None in east\. The import uses ClientIP, as exported by west/,
      },
      {
        name: 'the session affinity timeout, between exports that both use ClientIP',
        exports: [
          c('east', 2, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
          c('west', 1, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } }),
        ],
        reason: 'ConflictingSessionAffinityConfig',
        check: (m) => assert.deepEqual(m.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 60 } }),
        message: /ClientIP session timeout: 60s in east, 10800s in west/,
      },
      {
        name: 'the internal traffic policy',
        exports: [c('east', 2, { internalTrafficPolicy: 'Local' }), c('west', 1)],
        reason: 'InternalTrafficPolicyConflict',
        check: (m) => assert.equal(m.spec.internalTrafficPolicy, 'Local'),
        message: /internal traffic policy: Local in east, Cluster in west/,
      },
      {
        name: 'the traffic distribution',
        exports: [c('east', 2), c('west', 1, { trafficDistribution: 'PreferClose' })],
        reason: 'TrafficDistributionConflict',
        check: (m) => assert.equal(m.spec.trafficDistribution, undefined),
        message: /traffic distribution: \(none\) in east, PreferClose in west/,
      },
      {
        name: 'the IP families',
        exports: [c('east', 2), c('west', 1, { ipFamilies: ['IPv6'] })],
        reason: 'IPFamilyConflict',
        check: (m) => assert.deepEqual(m.spec.ipFamilies, ['IPv4']),
        message: /IP families: IPv4 in east, IPv6 in west/,
      },
      {
        name: 'the exported labels, merged key by key',
        exports: [c('east', 2, {}, { labels: { tier: 'gold', team: 'a' } }), c('west', 1, {}, { labels: { tier: 'silver', app: 'x' } })],
        reason: 'LabelsConflict',
        check: (m) => assert.deepEqual(m.labels, { tier: 'gold', team: 'a', app: 'x' }),
        message: /exported labels: tier is "gold" in east but "silver" in west/,
      },
      {
        name: 'the exported annotations',
        exports: [c('east', 2, {}, { annotations: { note: 'a' } }), c('west', 1, {}, { annotations: { note: 'b' } })],
        reason: 'AnnotationsConflict',
        check: (m) => assert.deepEqual(m.annotations, { note: 'a' }),
        message: /exported annotations: note is "a" in east but "b" in west/,
      },
    ];
    for (const t of cases) {
      it(t.name, () => {
        const m = merge(...t.exports);
        assert.deepEqual(
          m.conflicts.map((x) => x.reason),
          [t.reason],
        );
        assert.match(m.conflicts[0]?.message ?? '', t.message);
        t.check(m);
      });
    }
  });

  it('lists every conflict in the KEP\'s order, and leaves the ports of a cluster of another type out', () => {
    const m = merge(
      c('east', 3, { ports: [port('http', 80)] }),
      c('west', 2, { ports: [port('http', 81)], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } }),
      c('north', 1, { type: 'Headless', ips: [], ports: [port('extra', 7000)] }),
    );
    assert.deepEqual(
      m.conflicts.map((x) => x.reason),
      ['ConflictingPorts', 'ConflictingType', 'ConflictingSessionAffinity'],
    );
    assert.deepEqual(show(m.spec.ports), ['http:TCP/80']);
  });

  it('compares session timeouts only when the oldest export uses ClientIP', () => {
    const m = merge(
      c('east', 2),
      c('west', 1, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } }),
      c('south', 0, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } } }),
    );
    assert.deepEqual(
      m.conflicts.map((x) => x.reason),
      ['ConflictingSessionAffinity'],
    );
    assert.equal(m.spec.sessionAffinityConfig, undefined);
  });

  describe('the clusterset IP', () => {
    const on = (ip?: string, allocatedBy?: string) => ({ clustersetIp: { enabled: true, ...(ip ? { ip } : {}), ...(allocatedBy ? { allocatedBy } : {}) } });
    const off = { clustersetIp: { enabled: false } };

    it('the oldest export decides whether there is one; a disagreement is ConflictingClusterSetIPEnablement on every export', () => {
      const m = merge(c('east', 2, {}, off), c('west', 1, {}, on('243.0.16.1', 'west')));
      assert.deepEqual(m.clustersetIp, { enabled: false });
      assert.equal(m.spec.ips, undefined, 'no clusterset IP when the oldest export has none');
      assert.deepEqual(m.conflicts.map((x) => x.reason), ['ConflictingClusterSetIPEnablement']);
      assert.match(m.conflicts[0]?.message ?? '', /disagree on the clusterset IP: disabled in east, enabled in west\. The import uses disabled, as exported by east/);
      const reverse = merge(c('east', 1, {}, off), c('west', 2, {}, on('243.0.16.1', 'west')));
      assert.deepEqual(reverse.spec.ips, ['243.0.16.1']);
    });

    it('spec.ips is the IP of the oldest export carrying one, with the cluster that allocated it', () => {
      const m = merge(c('east', 3, {}, on()), c('west', 2, {}, on('243.0.16.1', 'west')), c('north', 1, {}, on('243.0.0.1', 'north')));
      assert.deepEqual(m.spec.ips, ['243.0.16.1']);
      assert.deepEqual(m.clustersetIp, { enabled: true, ip: '243.0.16.1', allocatedBy: 'west' });
      assert.deepEqual(m.conflicts, [], 'exports converging on one IP is no conflict');
    });

    it('a headless service has none, whatever its exports ask', () => {
      const m = merge(c('east', 1, { type: 'Headless', ips: [] }, on('243.0.0.1')));
      assert.deepEqual(m.clustersetIp, { enabled: false });
      assert.equal(m.spec.ips, undefined);
    });

    it('clearing the difference clears the conflict', () => {
      assert.deepEqual(merge(c('east', 2, {}, on()), c('west', 1, {}, on())).conflicts, []);
    });
  });
});
