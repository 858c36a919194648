// The hub addon controller against a real hub apiserver with OCM's CRDs: what it writes for a cluster whose
// ManagedClusterAddOn OCM created, how work status becomes conditions, a bad SubmarinerConfig, a restart, and ordered
// removal. Here the test writes what OCM's addon manager and work agent would (the benchmark does the same at scale);
// test/integration/addon/ocm.test.ts runs the same controller with OCM's own processes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../support/kubectl.js';
import { truthy } from './support.js';
import { agentStatus } from '../../support/work-status.js';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  AddOnDeploymentConfigResource,
  ClusterResource,
  ManagedClusterAddOnResource,
  ManagedClusterResource,
  ManagedClusterSetResource,
  ManifestWorkResource,
  NamespaceResource,
  SubmarinerConfigResource,
  type ManagedClusterAddOn,
  type ManifestWork,
} from '../../../src/api/index.js';
import { jsonLogger } from '../../../src/base/log.js';
import { MemoryReporter } from '../../../src/base/reporter.js';
import { resourceClient } from '../../../src/kube/resource-client.js';
import { installAddon } from '../../../addon/cli.js';
import { specHash } from '../../../addon/config.js';
import { AddonController } from '../../../addon/controller.js';
import { useFleet } from '../../support/fleet.js';
import { installOcmCrds } from '../../support/ocm-crds.js';

const ns = 'submariner-addon';
const set = 'itest';
const clusterName = 'itest-c1';

void describe('hub addon controller', () => {
  let hub: KubeConfig;
  let controller: AddonController;
  const log = jsonLogger('addon-test', false, () => undefined);
  const works = () => resourceClient(hub, ManifestWorkResource);
  const mcas = () => resourceClient(hub, ManagedClusterAddOnResource);
  const mca = async (): Promise<ManagedClusterAddOn | undefined> => mcas().get('submariner', clusterName);
  const conditionOf = async (type: string) => (await mca())?.status?.conditions?.find((c) => c.type === type);
  const start = async (): Promise<AddonController> => {
    const c = new AddonController({ kc: hub, log, brokerUrl: hub.getCurrentCluster()?.server ?? '', clusterSets: [set], uninstallTimeoutMs: 60_000 });
    await c.start();
    return c;
  };
  const writeWorkStatus = async (ready: boolean): Promise<void> => {
    for (const w of await works().list({ namespace: clusterName })) await works().replaceStatus({ ...w, status: agentStatus(w, ready) });
  };

  before(async () => {
    const fleet = await useFleet();
    hub = fleet.kubeConfig('broker');
    await installOcmCrds(hub);
    await installAddon(hub, { namespace: ns, clusterSet: set, controller: false }, new MemoryReporter());
    await resourceClient(hub, ManagedClusterSetResource).apply({ metadata: { name: set }, spec: { clusterSelector: { selectorType: 'ExclusiveClusterSetLabel' } } });
    const mc = await resourceClient(hub, ManagedClusterResource).apply({
      metadata: { name: clusterName, labels: { 'cluster.open-cluster-management.io/clusterset': set } },
      spec: { hubAcceptsClient: true },
    });
    await resourceClient(hub, ManagedClusterResource).patchStatus(clusterName, {
      conditions: [{ type: 'ManagedClusterConditionAvailable', status: 'True', reason: 'ManagedClusterAvailable', message: '', lastTransitionTime: '2026-12-04T10:00:00Z' }],
    });
    assert.ok(mc.metadata?.uid);
    await resourceClient(hub, NamespaceResource).apply({ metadata: { name: clusterName } });
    await resourceClient(hub, SubmarinerConfigResource).apply({
      metadata: { name: 'submariner', namespace: clusterName },
      spec: { cableDriver: 'vxlan', clusterCIDR: '10.251.0.0/16', serviceCIDR: '10.151.0.0/16' },
    });
    // What OCM's addon manager writes: the ManagedClusterAddOn with the default config OCM chose for it.
    const adc = await resourceClient(hub, AddOnDeploymentConfigResource).get('submariner', ns);
    await mcas().apply({ metadata: { name: 'submariner', namespace: clusterName }, spec: {} });
    await mcas().patchStatus('submariner', {
      configReferences: [
        { group: 'addon.open-cluster-management.io', resource: 'addondeploymentconfigs', name: 'submariner', namespace: ns, desiredConfig: { name: 'submariner', namespace: ns, specHash: specHash(adc!) } },
      ],
    }, clusterName);
    controller = await start();
  });

  after(async () => {
    await controller?.stop();
    // The hub is shared with the suite's other files: the stand-in cluster goes with this file.
    await resourceClient(hub, ManagedClusterResource).delete(clusterName).catch(() => undefined);
  });

  void it('keeps a broker for the set, registers the cluster and delivers renderCluster as the deploy work', async () => {
    const work = await eventually(truthy(() => works().get('addon-submariner-deploy-0', clusterName)), 30_000, 'the deploy work');
    const manifests = work.spec.workload.manifests as unknown as KubernetesObject[];
    assert.equal(manifests.filter((m) => m.kind === 'CustomResourceDefinition').length, 12);
    const submariner = manifests.find((m) => m.kind === 'Submariner') as unknown as { spec: Record<string, unknown> };
    assert.equal(submariner.spec.cableDriver, 'vxlan');
    assert.equal(submariner.spec.clusterCIDR, '10.251.0.0/16');
    assert.equal(submariner.spec.brokerK8sRemoteNamespace, `${set}-broker`);
    assert.equal(work.metadata.labels?.['open-cluster-management.io/addon-name'], 'submariner');
    assert.equal(work.metadata.ownerReferences?.[0]?.kind, 'ManagedClusterAddOn');
    assert.ok(work.metadata.annotations?.['open-cluster-management.io/config-spec-hash']?.includes(`addondeploymentconfigs.addon.open-cluster-management.io/${ns}/submariner`));
    const cluster = await resourceClient(hub, ClusterResource).get(clusterName, `${set}-broker`);
    assert.deepEqual((cluster as { spec?: { cluster_cidr?: string[] } } | undefined)?.spec?.cluster_cidr, ['10.251.0.0/16']);
    assert.ok((await mca())?.metadata.finalizers?.includes('submarineraddon.open-cluster-management.io/submariner-addon-cleanup'));
    assert.equal((await conditionOf('SubmarinerBrokerConfigApplied'))?.status, 'True');
  });

  void it('turns the work agent\'s status and feedback into the addon\'s conditions', async () => {
    await writeWorkStatus(false);
    await eventually(truthy(async () => (await conditionOf('SubmarinerAgentDegraded'))?.reason === 'GatewaysUnavailable,RouteAgentsUnavailable,NoLighthouseAgentAvailable,NoLighthouseCoreDNSAvailable,NoOperatorAvailable'), 30_000, 'agents degraded');
    assert.equal((await conditionOf('ManifestApplied'))?.reason, 'AddonManifestApplied');
    assert.equal((await conditionOf('Available'))?.status, 'False');
    await writeWorkStatus(true);
    await eventually(truthy(async () => (await conditionOf('Available'))?.status === 'True'), 30_000, 'available');
    assert.equal((await conditionOf('SubmarinerAgentDegraded'))?.reason, 'SubmarinerAgentDeployed');
    assert.equal((await conditionOf('SubmarinerGatewaysLabeled'))?.reason, 'Success');
  });

  void it('an invalid SubmarinerConfig sets a condition and changes nothing in the cluster', async () => {
    const before = await works().get('addon-submariner-deploy-0', clusterName);
    await resourceClient(hub, SubmarinerConfigResource).patch('submariner', { spec: { cableDriver: 'openvpn' } }, clusterName);
    const c = await eventually(truthy(async () => {
      const cond = await conditionOf('SubmarinerConfigApplied');
      return cond?.reason === 'SubmarinerConfigInvalid' ? cond : undefined;
    }), 30_000, 'the invalid-config condition');
    assert.match(c.message, /spec.cableDriver "openvpn" is not supported: use one of libreswan, strongswan, wireguard, vxlan/);
    await controller.idle();
    assert.equal((await works().get('addon-submariner-deploy-0', clusterName))?.metadata.resourceVersion, before?.metadata.resourceVersion);
    await resourceClient(hub, SubmarinerConfigResource).patch('submariner', { spec: { cableDriver: 'wireguard' } }, clusterName);
    await eventually(truthy(async () => {
      const w = await works().get('addon-submariner-deploy-0', clusterName);
      return (w?.spec.workload.manifests.find((m) => m.kind === 'Submariner') as { spec?: { cableDriver?: string } } | undefined)?.spec?.cableDriver === 'wireguard';
    }), 30_000, 'the new driver in the work');
    assert.equal((await conditionOf('SubmarinerConfigApplied'))?.status, 'True');
  });

  void it('a restarted controller converges without touching or duplicating the works', async () => {
    await writeWorkStatus(true);
    await controller.idle();
    const before = await works().list({ namespace: clusterName });
    await controller.stop();
    controller = await start();
    await controller.idle();
    await sleep(500);
    await controller.idle();
    const after = await works().list({ namespace: clusterName });
    assert.deepEqual(after.map((w) => `${w.metadata?.name}@${w.metadata?.resourceVersion}`), before.map((w) => `${w.metadata?.name}@${w.metadata?.resourceVersion}`));
  });

  void it('removal: agents in uninstall mode, then the operator, then the works, then the broker registration', async () => {
    await mcas().delete('submariner', clusterName);
    const agents = await eventually(truthy(async () => {
      const w = await works().get('addon-submariner-deploy-0', clusterName);
      return w?.metadata.annotations?.['submarineraddon.open-cluster-management.io/uninstall-phase'] === 'agents' ? w : undefined;
    }), 30_000, 'the agents in uninstall mode');
    const env = (kind: string) => (w: ManifestWork) =>
      w.spec.workload.manifests
        .filter((m) => m.kind === kind)
        .map((m) => (m as { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }).spec.template.spec.containers[0]?.env?.find((e) => e.name === 'SUBMARINER_UNINSTALL')?.value);
    assert.deepEqual(env('DaemonSet')(agents), ['true', 'true']);
    assert.deepEqual(env('Deployment')(agents), [undefined, undefined, undefined]);
    // The operator waits while the nodes are being cleaned.
    await writeWorkStatus(false);
    await controller.idle();
    assert.equal((await works().get('addon-submariner-deploy-0', clusterName))?.metadata.annotations?.['submarineraddon.open-cluster-management.io/uninstall-phase'], 'agents');
    await writeWorkStatus(true);
    const operator = await eventually(truthy(async () => {
      const w = await works().get('addon-submariner-deploy-0', clusterName);
      return w?.metadata.annotations?.['submarineraddon.open-cluster-management.io/uninstall-phase'] === 'operator' ? w : undefined;
    }), 30_000, 'the operator in uninstall mode');
    assert.deepEqual(env('Deployment')(operator), ['true', 'true', 'true']);
    assert.ok(await resourceClient(hub, ClusterResource).get(clusterName, `${set}-broker`), 'still registered while the agents clean up');
    await writeWorkStatus(true);
    await eventually(truthy(async () => (await works().list({ namespace: clusterName })).length === 0), 30_000, 'the works gone');
    await eventually(truthy(async () => (await mca()) === undefined), 30_000, 'the addon gone');
    assert.equal(await resourceClient(hub, ClusterResource).get(clusterName, `${set}-broker`), undefined);
  });
});
