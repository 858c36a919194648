import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterUidAnnotation } from '../../../src/api/names.js';
import { UserError } from '../../../src/base/errors.js';
import { checkMemberAgainst, type BrokerCluster, type MemberSpec } from '../../../src/broker/membership.js';

const spec: MemberSpec = { clusterId: 'cluster2', clusterUid: 'uid-2', clusterCidrs: ['10.2.0.0/16'], serviceCidrs: ['100.2.0.0/16'], globalnet: false };
const member = (id: string, pod: string, service: string): BrokerCluster => ({ metadata: { name: id }, spec: { cluster_id: id, cluster_cidr: [pod], service_cidr: [service] } });
const others = [member('cluster1', '10.1.0.0/16', '100.1.0.0/16'), member('cluster3', '10.3.0.0/16', '100.3.0.0/16')];

void test('a cluster whose ID and CIDRs are free, or its own, passes', () => {
  checkMemberAgainst(spec, { account: undefined, clusters: others });
  const own = { metadata: { annotations: { [clusterUidAnnotation]: 'uid-2' } } };
  checkMemberAgainst(spec, { account: own, clusters: [...others, member('cluster2', '10.2.0.0/16', '100.2.0.0/16')] });
});

void test('an ID another cluster holds is refused', () => {
  const theirs = { metadata: { annotations: { [clusterUidAnnotation]: 'uid-other' } } };
  assert.throws(() => checkMemberAgainst(spec, { account: theirs, clusters: others }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /cluster ID cluster2 is already used by another cluster on the broker: choose another --clusterid/);
    return true;
  });
});

void test("a CIDR overlapping another member's is refused, naming both; with GlobalNet it is allowed", () => {
  const overlapping = [...others, member('cluster4', '10.4.0.0/16', '100.2.128.0/17')];
  assert.throws(
    () => checkMemberAgainst(spec, { account: undefined, clusters: overlapping }),
    /the Service CIDR 100\.2\.0\.0\/16 of cluster cluster2 overlaps the Service CIDR 100\.2\.128\.0\/17 of cluster cluster4: deploy the broker with --globalnet/,
  );
  const podOverService = [member('cluster5', '10.9.0.0/16', '10.2.3.0/24')];
  assert.throws(() => checkMemberAgainst(spec, { account: undefined, clusters: podOverService }), /the Pod CIDR 10\.2\.0\.0\/16 of cluster cluster2 overlaps the Service CIDR 10\.2\.3\.0\/24 of cluster cluster5/);
  checkMemberAgainst({ ...spec, globalnet: true }, { account: undefined, clusters: overlapping });
});
