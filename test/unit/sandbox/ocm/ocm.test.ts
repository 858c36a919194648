import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { versions } from '../../../../src/sandbox/binaries/versions.js';
import { renderBootstrapKubeconfig, renderHubBootstrap, renderKlusterletNamespaces } from '../../../../src/sandbox/ocm/bootstrap.js';
import { hubCrdFiles, managedCrdFiles } from '../../../../src/sandbox/ocm/crds.js';
import { bootstrapUser } from '../../../../src/sandbox/ocm/names.js';
import { managedClusterState, type ManagedCluster } from '../../../../src/sandbox/ocm/resources.js';

const golden = fileURLToPath(new URL('./golden/hub-bootstrap.yaml', import.meta.url));
const wrapperModule = (file: string): string => readFileSync(fileURLToPath(new URL(`../../../../src/sandbox/binaries/ocm/${file}`, import.meta.url)), 'utf8');

describe('OCM hub bootstrap', () => {
  it('renders the hub namespace and the bootstrap ServiceAccount, ClusterRole and binding as the cluster-manager chart does (golden)', () => {
    const text = renderHubBootstrap().map((o) => yaml.dump(o, { noRefs: true })).join('---\n');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'));
  });

  it('approves only CSRs of the bootstrap ServiceAccount the ClusterRole is bound to', () => {
    const binding = renderHubBootstrap().find((o) => o.kind === 'ClusterRoleBinding') as unknown as { subjects: { name: string; namespace: string }[] };
    const subject = binding.subjects[0];
    assert.equal(bootstrapUser, `system:serviceaccount:${subject?.namespace}:${subject?.name}`);
  });

  it('writes a bootstrap kubeconfig with the hub URL, its CA and the token', () => {
    const kc = yaml.load(renderBootstrapKubeconfig('https://10.250.255.100:6443', 'PEM', 'tok')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { token: string } }[];
      'current-context': string;
    };
    assert.equal(kc.clusters[0]?.cluster.server, 'https://10.250.255.100:6443');
    assert.equal(Buffer.from(kc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString(), 'PEM');
    assert.equal(kc.users[0]?.user.token, 'tok');
    assert.equal(kc['current-context'], 'bootstrap');
  });

  it('gives the klusterlet its namespace and the addon agents theirs', () => {
    assert.deepEqual(renderKlusterletNamespaces().map((o) => o.metadata?.name), ['open-cluster-management-agent', 'open-cluster-management-agent-addon']);
  });
});

describe('OCM version pins', () => {
  it('builds the OCM version versions.ts names, from a wrapper module whose go.sum pins it and the api module of the CRDs', () => {
    assert.match(wrapperModule('go.mod'), new RegExp(`^require open-cluster-management\\.io/ocm v${versions.ocm.replaceAll('.', '\\.')}$`, 'm'));
    const sum = wrapperModule('go.sum');
    assert.match(sum, new RegExp(`^open-cluster-management\\.io/ocm v${versions.ocm.replaceAll('.', '\\.')} h1:`, 'm'));
    assert.match(sum, new RegExp(`^open-cluster-management\\.io/api v${versions.ocmApi.replaceAll('.', '\\.')} h1:`, 'm'));
  });

  it('installs each CRD once, the addon kinds from the v1beta1 files that also serve v1alpha1', () => {
    const all = [...hubCrdFiles, ...managedCrdFiles];
    const names = all.map((f) => f.replace(/^.*\d{4}_\d\d_/, ''));
    assert.equal(new Set(names).size, names.length);
    assert.ok(hubCrdFiles.some((f) => f.startsWith('addon/v1beta1/') && f.includes('managedclusteraddons')));
    assert.ok(managedCrdFiles.some((f) => f.includes('appliedmanifestworks')));
  });
});

describe('managed cluster state', () => {
  const cluster = (accepted: boolean, conditions: [string, string][]): ManagedCluster => ({
    metadata: { name: 'cluster1' },
    spec: { hubAcceptsClient: accepted },
    status: { conditions: conditions.map(([type, status]) => ({ type, status: status as 'True', reason: 'R', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' })) },
  });

  it('follows a join from registration to Available, and shows Unknown when the klusterlet stops renewing its lease', () => {
    assert.equal(managedClusterState(undefined), 'Unregistered');
    assert.equal(managedClusterState(cluster(false, [])), 'NotAccepted');
    assert.equal(managedClusterState(cluster(true, [['HubAcceptedManagedCluster', 'True']])), 'Accepted');
    assert.equal(managedClusterState(cluster(true, [['HubAcceptedManagedCluster', 'True'], ['ManagedClusterJoined', 'True']])), 'Joined');
    const joined: [string, string][] = [['HubAcceptedManagedCluster', 'True'], ['ManagedClusterJoined', 'True']];
    assert.equal(managedClusterState(cluster(true, [...joined, ['ManagedClusterConditionAvailable', 'True']])), 'Available');
    assert.equal(managedClusterState(cluster(true, [...joined, ['ManagedClusterConditionAvailable', 'Unknown']])), 'Unknown');
    assert.equal(managedClusterState(cluster(true, [...joined, ['ManagedClusterConditionAvailable', 'False']])), 'Unavailable');
  });
});
