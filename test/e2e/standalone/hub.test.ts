// `sandbox up --hub` as a user runs it: OCM's hub on cluster `hub`, every member joined through OCM's bootstrap and
// CSR flow, accepted, Available and in the ManagedClusterSet submariner; the hub reachable from member pods; and
// `sandbox down` leaving nothing of the fleet (no OCM process either). Needs root; runs alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../support/cli.js';
import { fleetTopology } from '../../../src/sandbox/topology.js';
import { sandboxLeftovers } from '../../support/host-state.js';
import { eventually, kubectlFor } from '../../support/kubectl.js';
import { toolboxPod } from '../../support/workloads.js';

interface Condition {
  type: string;
  status: string;
}
interface Status {
  kubeconfig: string;
  clusters: { cluster: string; hub: boolean; ocm?: string; server: string; nodes: { name: string; ready: boolean }[] }[];
}

describe('sandbox up --hub', { skip: process.getuid?.() !== 0 ? 'needs root (network namespaces)' : false }, () => {
  it('joins every cluster to OCM\'s hub, reachable from member pods, and down leaves nothing of the fleet', async () => {
    const env = { ...process.env, NO_COLOR: '1' };
    const topology = fleetTopology({ clusters: 2, nodes: 1, gateways: 1, overlapping: false, hub: true });
    assert.deepEqual(sandboxLeftovers(topology), [], 'no sandbox before the test');
    const up = runCli(['sandbox', 'up', '--hub', '--clusters', '2', '--nodes', '1'], env, undefined, 300_000);
    try {
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stderr, /Starting OCM's hub and joining 2 managed clusters/);
      assert.match(up.stdout, /hub +hub-node +Ready +hub .* hub +hub/);
      assert.match(up.stdout, /cluster1 +cluster1-gateway +Ready +gateway .* Available +cluster1/);

      const status = JSON.parse(runCli(['sandbox', 'status', '-o', 'json'], env).stdout) as Status;
      assert.deepEqual(status.clusters.map((c) => [c.cluster, c.hub, c.ocm]), [['cluster1', false, 'Available'], ['cluster2', false, 'Available'], ['hub', true, 'hub']]);
      const hub = kubectlFor(status.kubeconfig, 'hub');
      const clusters = (JSON.parse(await hub(['get', 'managedclusters', '-o', 'json'])) as {
        items: { metadata: { name: string; labels?: Record<string, string> }; spec: { hubAcceptsClient?: boolean }; status?: { conditions?: Condition[] } }[];
      }).items;
      assert.deepEqual(clusters.map((c) => c.metadata.name).sort(), ['cluster1', 'cluster2']);
      for (const c of clusters) {
        const isTrue = (type: string): boolean => c.status?.conditions?.some((x) => x.type === type && x.status === 'True') ?? false;
        assert.ok(c.spec.hubAcceptsClient === true && isTrue('ManagedClusterJoined') && isTrue('ManagedClusterConditionAvailable'), c.metadata.name);
        assert.equal(c.metadata.labels?.['cluster.open-cluster-management.io/clusterset'], 'submariner');
      }
      assert.match(await hub(['get', 'managedclustersetbinding', '-n', 'default', 'submariner', '-o', 'name']), /submariner/);
      const ocmProcesses = sandboxLeftovers(topology).filter((p) => /\/ocm-v[\d.]+\//.test(p));
      assert.deepEqual(
        ocmProcesses.map((p) => /\/ocm-v[\d.]+\/(\S+ \S+)/.exec(p)?.[1]).sort(),
        ['addon manager', 'placement controller', 'registration controller', 'registration-operator agent', 'registration-operator agent'],
      );
      // The klusterlet keeps its hub credentials in the managed cluster, as OCM's does.
      const cluster1 = kubectlFor(status.kubeconfig, 'cluster1');
      assert.match(await cluster1(['get', 'secret', '-n', 'open-cluster-management-agent', 'hub-kubeconfig-secret', '-o', 'name']), /hub-kubeconfig-secret/);

      // A member's pod reaches the hub's apiserver at the address its klusterlet uses; a pod on the hub's node reaches it by its Service.
      const hubServer = status.clusters.find((c) => c.hub)?.server ?? '';
      const ns = 'hub-e2e';
      for (const [k, node] of [[cluster1, 'cluster1-gateway'], [hub, 'hub-node']] as const) {
        await k(['create', 'namespace', ns]);
        await k(['apply', '-n', ns, '-f', '-'], toolboxPod(node));
        await k(['-n', ns, 'wait', '--for=condition=Ready', 'pod/toolbox', '--timeout=120s']);
      }
      for (const [k, url] of [[cluster1, `${hubServer}/version`], [hub, 'https://kubernetes.default.svc/version']] as const) {
        const version = await eventually(async () => {
          const r = await k.result(['-n', ns, 'exec', 'toolbox', '--', 'curl', '-sSk', '--max-time', '5', url]);
          return r.code === 0 ? r.stdout : undefined;
        }, 30_000, `${url} from a pod`);
        assert.match(version, /"gitVersion": "v1\.\d+/);
      }
    } finally {
      const down = runCli(['sandbox', 'down'], env, undefined, 180_000);
      assert.equal(down.code, 0, down.stderr);
    }
    assert.deepEqual(sandboxLeftovers(topology), []);
  });
});
