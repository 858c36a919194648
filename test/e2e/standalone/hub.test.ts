// `sandbox up --hub --clusters 3` and the hub addon on it, as a user runs them: OCM's hub on cluster `hub`, every
// member joined through OCM's bootstrap and CSR flow and in the ManagedClusterSet submariner; `addon install` on the
// hub, OCM's placement choosing the three clusters and the agents arriving by ManifestWork, connected, with
// `nginx.<ns>.svc.clusterset.local` served across clusters; a Progressive rollout one cluster at a time; `addon
// status`; `addon uninstall` leaving every cluster as it was; and `sandbox down` leaving nothing of the fleet.
// Needs root; runs alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { cliPath, runCli, type CliResult } from '../../support/cli.js';
import { addonStatus as readAddonStatus, type ClusterRollout, type ClusterStatusRow } from '../../../addon/cli.js';
import { kubeConfigFromFile } from '../../../src/kube/kubeconfig-file.js';
import { agentImage } from '../../../src/api/names.js';
import { packageJson } from '../../../src/base/package.js';
import { agentImageArchive, defaultAgentImageDir } from '../../../src/image/agent-image.js';
import type { Condition } from '../../../src/api/index.js';
import type { StatusResult } from '../../../src/sandbox/control.js';
import { fleetTopology } from '../../../src/sandbox/topology.js';
import { sandboxLeftovers } from '../../support/host-state.js';
import { eventually, inventory, kubectlFor, type Kubectl } from '../../support/kubectl.js';
import { nodeNetworkState } from '../../support/submariner.js';
import { nginx, toolboxPod } from '../../support/workloads.js';

const members = ['cluster1', 'cluster2', 'cluster3'] as const;
type Member = (typeof members)[number];
const ns = 'hub-e2e';
const env = { ...process.env, NO_COLOR: '1' };
const topology = fleetTopology({ clusters: 3, nodes: 1, gateways: 1, overlapping: false, hub: true });

/** What the addon may change in a cluster beyond `inventory`: cluster-scoped objects, node labels, lighthouse's EndpointSlices. */
async function clusterScoped(k: Kubectl): Promise<string> {
  const names = await k(['get', 'crd,clusterrole,clusterrolebinding,appliedmanifestworks', '-o', 'name']);
  const labels = await k(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.labels}{"\\n"}{end}']);
  const slices = await k(['get', 'endpointslices', '-A', '-l', 'endpointslice.kubernetes.io/managed-by!=endpointslice-controller.k8s.io', '-o', 'name']);
  return [names, labels, slices].join('\n');
}

describe('sandbox up --hub --clusters 3 and the Submariner addon', { skip: process.getuid?.() !== 0 ? 'needs root (network namespaces)' : false }, () => {
  let status: StatusResult;
  let hub: Kubectl;
  const k = {} as Record<Member, Kubectl>;
  /** kubectl-submariner against the sandbox, failing with its output when it exits non-zero. */
  const cli = (args: string[], timeoutMs = 120_000): CliResult => {
    const r = runCli([...args, '--kubeconfig', status.kubeconfig], env, undefined, timeoutMs);
    assert.equal(r.code, 0, `kubectl submariner ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const summary = (rows: ClusterStatusRow[]): string => rows.map((r) => [r.cluster, r.rollout, r.version, r.applied, r.available, r.agents, r.connections].join(' ')).join('; ');
  const addonStatus = (): ClusterStatusRow[] => JSON.parse(cli(['addon', 'status', '--context', 'hub', '-o', 'json']).stdout) as ClusterStatusRow[];
  const curl = async (url: string): Promise<string> =>
    eventually(async () => {
      const r = await k.cluster1.result(['-n', ns, 'exec', 'toolbox', '--', 'curl', '-sS', '--max-time', '5', '-w', '\n%{http_code}', url]);
      const lines = r.stdout.trimEnd().split('\n');
      return r.code === 0 && lines.pop() === '200' ? lines.join('\n').trimEnd() : undefined;
    }, 90_000, `cluster1 gets 200 from ${url}`);
  const nginxPage = async (c: Member): Promise<string> => {
    const pod = JSON.parse(await k[c](['-n', ns, 'get', 'pods', '-l', 'app=nginx', '-o', 'json'])) as { items: { metadata: { name: string }; status: { podIP: string } }[] };
    const p = pod.items[0];
    assert.ok(p, `an nginx pod in ${c}`);
    return `${p.metadata.name} ${p.status.podIP}`;
  };
  const allConnected = async (): Promise<{ context: string; cluster: string; status: string; rtt: string }[]> =>
    eventually(async () => {
      const rows = JSON.parse(cli(['show', 'connections', '--contexts', members.join(','), '-o', 'json']).stdout) as { context: string; cluster: string; status: string; rtt: string }[];
      return rows.length === 6 && rows.every((r) => r.status === 'connected' && r.rtt !== '') ? rows : undefined;
    }, 180_000, 'every cluster connected to the two others');

  let failed = false;
  /** Steps of one story: after a failure the later ones do not run (the run has failed already). */
  const step = (name: string, fn: () => Promise<void>): void => {
    it(name, async (t) => {
      if (failed) return t.skip('an earlier step failed');
      const started = Date.now();
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      }
      t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)}s`);
    });
  };

  before(() => {
    assert.deepEqual(sandboxLeftovers(topology), [], 'no sandbox before the test');
  });
  after(() => {
    const down = runCli(['sandbox', 'down'], env, undefined, 180_000);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(sandboxLeftovers(topology), []);
  });

  step('sandbox up --hub joins every cluster to OCM\'s hub, accepted, Available, in the set, with its networks as claims', async () => {
    const up = runCli(['sandbox', 'up', '--hub', '--clusters', '3', '--nodes', '1'], env, undefined, 420_000);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /Starting OCM's hub and joining 3 managed clusters/);
    assert.match(up.stdout, /hub +hub-node +Ready +hub .* hub +hub/);
    assert.match(up.stdout, /cluster3 +cluster3-gateway +Ready +gateway .* Available +cluster3/);

    status = JSON.parse(runCli(['sandbox', 'status', '-o', 'json'], env).stdout) as StatusResult;
    assert.deepEqual(status.clusters.map((c) => [c.cluster, c.hub, c.ocm]), [...members.map((c) => [c, false, 'Available']), ['hub', true, 'hub']]);
    hub = kubectlFor(status.kubeconfig, 'hub');
    for (const c of members) k[c] = kubectlFor(status.kubeconfig, c);
    const clusters = (JSON.parse(await hub(['get', 'managedclusters', '-o', 'json'])) as {
      items: { metadata: { name: string; labels?: Record<string, string> }; spec: { hubAcceptsClient?: boolean }; status?: { conditions?: Condition[]; clusterClaims?: { name: string; value: string }[] } }[];
    }).items;
    assert.deepEqual(clusters.map((c) => c.metadata.name).sort(), [...members]);
    for (const c of clusters) {
      const isTrue = (type: string): boolean => c.status?.conditions?.some((x) => x.type === type && x.status === 'True') ?? false;
      assert.ok(c.spec.hubAcceptsClient === true && isTrue('ManagedClusterJoined') && isTrue('ManagedClusterConditionAvailable'), c.metadata.name);
      assert.equal(c.metadata.labels?.['cluster.open-cluster-management.io/clusterset'], 'submariner');
      const own = status.clusters.find((s) => s.cluster === c.metadata.name);
      const claims = await eventually(async () => {
        const mc = JSON.parse(await hub(['get', 'managedcluster', c.metadata.name, '-o', 'json'])) as { status?: { clusterClaims?: { name: string; value: string }[] } };
        const found = Object.fromEntries((mc.status?.clusterClaims ?? []).map((x) => [x.name, x.value]));
        return found['clustercidr.submariner.io'] ? found : undefined;
      }, 60_000, `${c.metadata.name}'s claims on the hub`);
      assert.equal(claims['clustercidr.submariner.io'], own?.podCidr);
      assert.equal(claims['servicecidr.submariner.io'], own?.serviceCidr);
    }
    assert.match(await hub(['get', 'managedclustersetbinding', '-n', 'default', 'submariner', '-o', 'name']), /submariner/);
    const ocmProcesses = sandboxLeftovers(topology).filter((p) => /\/ocm-v[\d.]+\//.test(p));
    assert.deepEqual(
      ocmProcesses.map((p) => /\/ocm-v[\d.]+\/(\S+ \S+)/.exec(p)?.[1]).sort(),
      ['addon manager', 'placement controller', 'registration controller', ...members.map(() => 'registration-operator agent')],
    );
    // The klusterlet keeps its hub credentials in the managed cluster, as OCM's does.
    assert.match(await k.cluster1(['get', 'secret', '-n', 'open-cluster-management-agent', 'hub-kubeconfig-secret', '-o', 'name']), /hub-kubeconfig-secret/);
  });

  step('a member\'s pod reaches the hub\'s apiserver at the address its klusterlet uses; a pod on the hub\'s node reaches it by its Service', async () => {
    const hubServer = status.clusters.find((c) => c.hub)?.server ?? '';
    for (const [kc, node] of [[k.cluster1, 'cluster1-gateway'], [hub, 'hub-node']] as const) {
      await kc(['create', 'namespace', ns]);
      await kc(['apply', '-n', ns, '-f', '-'], toolboxPod(node));
      await kc(['-n', ns, 'wait', '--for=condition=Ready', 'pod/toolbox', '--timeout=120s']);
    }
    for (const [kc, url] of [[k.cluster1, `${hubServer}/version`], [hub, 'https://kubernetes.default.svc/version']] as const) {
      const version = await eventually(async () => {
        const r = await kc.result(['-n', ns, 'exec', 'toolbox', '--', 'curl', '-sSk', '--max-time', '5', url]);
        return r.code === 0 ? r.stdout : undefined;
      }, 30_000, `${url} from a pod`);
      assert.match(version, /"gitVersion": "v1\.\d+/);
    }
  });

  // What every managed cluster and the hub look like before the addon: removal must leave exactly this.
  const was = new Map<string, string>();
  const pristineNodes = new Map<Member, ReturnType<typeof nodeNetworkState>>();

  step('addon install: OCM\'s placement chooses the three clusters and the agents arrive by ManifestWork, connected', async () => {
    // nginx in cluster2 and cluster3 (not yet exported), beside cluster1's toolbox.
    for (const c of ['cluster2', 'cluster3'] as const) {
      await k[c](['create', 'namespace', ns]);
      await k[c](['apply', '-n', ns, '-f', '-'], nginx(`${c}-gateway`));
      await k[c](['-n', ns, 'rollout', 'status', 'deployment/nginx', '--timeout=120s']);
    }
    for (const c of members) {
      was.set(c, `${await inventory(k[c], c)}\n${await clusterScoped(k[c])}`);
      pristineNodes.set(c, nodeNetworkState(`ksub-${c}-gateway`));
    }
    was.set('hub', await inventory(hub, 'hub'));

    const install = cli(['addon', 'install', '--context', 'hub', '--clusterset', 'submariner']);
    assert.match(install.stderr, /OCM adds it to the clusters of Placement submariner-addon\/submariner/);
    const decided = await eventually(async () => {
      const list = JSON.parse(await hub(['get', 'placementdecisions', '-n', 'submariner-addon', '-l', 'cluster.open-cluster-management.io/placement=submariner', '-o', 'json'])) as {
        items: { status?: { decisions?: { clusterName: string }[] } }[];
      };
      const names = list.items.flatMap((d) => d.status?.decisions ?? []).map((d) => d.clusterName).sort();
      return names.length === 3 ? names : undefined;
    }, 60_000, 'the placement\'s decisions');
    assert.deepEqual(decided, [...members]);
    // OCM's addon manager made an addon per decided cluster; the controller (a Deployment on the hub) delivers its works.
    await hub(['-n', 'submariner-addon', 'rollout', 'status', 'deployment/submariner-addon-controller', '--timeout=120s']);
    for (const c of members) {
      const owner = await eventually(async () => {
        const r = await hub.result(['get', 'managedclusteraddon', '-n', c, 'submariner', '-o', 'jsonpath={.metadata.ownerReferences[0].kind}']);
        return r.code === 0 && r.stdout !== '' ? r.stdout : undefined;
      }, 60_000, `${c}'s ManagedClusterAddOn`);
      assert.equal(owner, 'ClusterManagementAddOn');
      const applied = await eventually(async () => {
        const works = JSON.parse(await hub(['get', 'manifestworks', '-n', c, '-l', 'open-cluster-management.io/addon-name=submariner', '-o', 'json'])) as {
          items: { metadata: { name: string }; status?: { conditions?: Condition[] } }[];
        };
        return works.items.length > 0 && works.items.every((w) => w.status?.conditions?.some((x) => x.type === 'Applied' && x.status === 'True')) ? works.items : undefined;
      }, 120_000, `${c}'s works applied`);
      assert.deepEqual(applied.map((w) => w.metadata.name), ['addon-submariner-deploy-0']);
      // The agents in the cluster are the work agent's: owned by its AppliedManifestWork.
      await k[c](['-n', 'submariner-operator', 'rollout', 'status', 'daemonset/submariner-gateway', '--timeout=180s']);
      assert.match(await k[c](['-n', 'submariner-operator', 'get', 'daemonset', 'submariner-gateway', '-o', 'jsonpath={.metadata.ownerReferences[*].kind}']), /AppliedManifestWork/);
    }
    const rows = await allConnected();
    assert.deepEqual(rows.map((r) => `${r.context}->${r.cluster}`).sort(), members.flatMap((a) => members.filter((b) => b !== a).map((b) => `${a}->${b}`)));
    // The Gateway status reaches the hub through the works' feedback.
    const fleet = await eventually(async () => {
      const s = addonStatus();
      if (s.length === 3 && s.every((r) => r.available === 'True' && r.agents === 'Ready' && r.connections === '2/2 connected')) return s;
      throw new Error(summary(s));
    }, 120_000, 'addon status: every cluster Available, agents Ready, 2/2 connected');
    assert.deepEqual(fleet.map((r) => [r.cluster, r.clusterSet, r.applied]), members.map((c) => [c, 'submariner', 'True']));
    for (const c of members) {
      const conditions = JSON.parse(await hub(['get', 'managedclusteraddon', '-n', c, 'submariner', '-o', 'jsonpath={.status.conditions}'])) as Condition[];
      const reason = (type: string): string => conditions.find((x) => x.type === type)?.reason ?? '-';
      assert.deepEqual(
        ['SubmarinerAgentDegraded', 'SubmarinerConnectionDegraded', 'SubmarinerGatewaysLabeled'].map(reason),
        ['SubmarinerAgentDeployed', 'ConnectionsEstablished', 'Success'],
        c,
      );
    }
  });

  step('a pod in cluster1 gets nginx.<ns>.svc.clusterset.local from the nginx exported in cluster2', async () => {
    cli(['export', 'service', 'nginx', '-n', ns, '--context', 'cluster2']);
    const page = await curl(`http://nginx.${ns}.svc.clusterset.local/`);
    assert.equal(page, await nginxPage('cluster2'));
  });

  step('a Progressive rollout with maxConcurrency 1 moves one cluster at a time, each after the previous one completed, and addon status shows it', async () => {
    const version = '0.0.2';
    // The new version's agent image where the nodes pull from (the sandbox's image store): this build, tagged 0.0.2.
    const archive = agentImageArchive(defaultAgentImageDir(), packageJson().version);
    const load = runCli(['sandbox', 'load-image', archive, '--name', `${agentImage.defaultRepository}/${agentImage.name}:${version}`], env);
    assert.equal(load.code, 0, load.stderr);
    const t0 = Date.now();
    const rollout = new Promise<CliResult>((resolve) => {
      const args = ['addon', 'rollout', '--context', 'hub', '--version', version, '--strategy', 'progressive', '--max-concurrency', '1', '--min-success-time', '5s', '-o', 'json'];
      const child = spawn(process.execPath, [cliPath, ...args, '--kubeconfig', status.kubeconfig], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    let done = false;
    void rollout.then(() => (done = true));
    // Meanwhile, what addon status says (its library, read a few times a second; the CLI's table is checked below).
    const hubConfig = kubeConfigFromFile(status.kubeconfig, 'hub');
    const seen: string[] = [];
    while (!done && Date.now() - t0 < 300_000) {
      const rows = await readAddonStatus(hubConfig).catch(() => []);
      const line = rows.map((r) => `${r.cluster}=${r.rollout}@${r.version}`).join(' ');
      if (line !== '' && seen.at(-1) !== line) seen.push(line);
      await new Promise((r) => setTimeout(r, 250));
    }
    const result = await rollout;
    assert.equal(result.code, 0, result.stderr);
    const { clusters } = JSON.parse(result.stdout) as { specHash: string; clusters: ClusterRollout[] };
    console.log(`# rollout: ${clusters.map((c) => `${c.cluster} +${((c.startedMs ?? 0) / 1000).toFixed(1)}s..+${((c.completedMs ?? 0) / 1000).toFixed(1)}s`).join(', ')}`);
    // When each cluster's gateway pod on the new version was created, as its apiserver recorded it (whole seconds).
    const created = new Map<Member, number>();
    for (const c of members) {
      const pods = JSON.parse(await k[c](['-n', 'submariner-operator', 'get', 'pods', '-o', 'json'])) as { items: { metadata: { name: string; creationTimestamp: string }; spec: { containers: { image: string }[] } }[] };
      const pod = pods.items.find((p) => p.metadata.name.startsWith('submariner-gateway-') && p.spec.containers[0]?.image.endsWith(`:${version}`));
      assert.ok(pod, `${c}: a gateway pod on ${version}`);
      created.set(c, Date.parse(pod.metadata.creationTimestamp) - t0);
    }
    console.log(`# gateway pods on ${version} created: ${[...created].map(([c, ms]) => `${c} +${(ms / 1000).toFixed(0)}s`).join(', ')}`);
    console.log(`# addon status: ${seen.join(' | ')}`);
    assert.deepEqual(clusters.map((c) => c.cluster), [...members]);
    // OCM's order (Progressive sorts clusters by name), each started only once the previous one had completed and
    // soaked for minSuccessTime (5s; OCM counts it from a transition time in whole seconds, the CLI polls twice a second).
    for (let i = 1; i < clusters.length; i++) {
      const prev = clusters[i - 1];
      const cur = clusters[i];
      assert.ok(prev?.completedMs !== undefined && cur?.startedMs !== undefined && cur.completedMs !== undefined, `${cur?.cluster}: started and completed`);
      assert.ok(cur.startedMs - prev.completedMs >= 3_000, `${cur.cluster} started at +${cur.startedMs}ms, ${prev.cluster} completed at +${prev.completedMs}ms: expected one at a time with a 5s soak`);
    }
    // In the clusters themselves: each cluster's new gateway came after the previous cluster's, and after OCM recorded
    // the previous cluster done (the CLI counts from its own start, a little after t0; the timestamps have whole seconds).
    for (let i = 1; i < members.length; i++) {
      const [prev, cur] = [members[i - 1] as Member, members[i] as Member];
      const at = created.get(cur) ?? 0;
      const previousDone = clusters[i - 1]?.completedMs ?? Infinity;
      assert.ok(at > (created.get(prev) ?? Infinity), `${cur}'s new gateway was created at +${at}ms, not after ${prev}'s at +${created.get(prev)}ms`);
      assert.ok(at >= previousDone - 1_000, `${cur}'s new gateway was created at +${at}ms, before ${prev} completed at +${previousDone}ms`);
    }
    // addon status followed it: a cluster rolling out while the next ones waited on the old version.
    assert.ok(seen.some((l) => /cluster1=\S+@0\.0\.2 .*cluster3=Waiting@(?!0\.0\.2)/.test(l)), seen.join('\n'));
    assert.ok(seen.every((l) => (l.match(/=Progressing@/g) ?? []).length <= 1), `two clusters progressing at once:\n${seen.join('\n')}`);
    const rows = await eventually(async () => {
      const s = addonStatus();
      if (s.every((r) => r.rollout === 'Completed' && r.version === version && r.available === 'True' && r.agents === 'Ready' && r.connections === '2/2 connected')) return s;
      throw new Error(summary(s));
    }, 180_000, `addon status: every cluster Completed on ${version}, Ready and connected`);
    assert.deepEqual(rows.map((r) => r.cluster), [...members]);
    const table = cli(['addon', 'status', '--context', 'hub']).stdout;
    assert.match(table, /^CLUSTER +CLUSTERSET +ROLLOUT +VERSION +APPLIED +AVAILABLE +AGENTS +CONNECTIONS +RTT/);
    assert.match(table, /cluster2 +submariner +Completed +0\.0\.2 +True +True +Ready +2\/2 connected +cluster1:\S+ cluster3:\S+/);
    // The fleet still carries traffic on the new agents.
    await allConnected();
    assert.equal(await curl(`http://nginx.${ns}.svc.clusterset.local/`), await nginxPage('cluster2'));
  });

  step('addon uninstall removes Submariner from every cluster and the hub, leaving them as they were', async () => {
    cli(['addon', 'uninstall', '--context', 'hub'], 600_000);
    assert.equal((await hub(['get', 'manifestworks', '-A', '-o', 'name'])).trim(), '');
    assert.equal((await hub(['get', 'managedclusteraddons', '-A', '-o', 'name'])).trim(), '');
    await eventually(async () => ((await hub.result(['get', 'namespace', 'submariner-broker'])).code === 1 ? true : undefined), 90_000, 'the broker namespace gone');
    assert.equal(await inventory(hub, 'hub'), was.get('hub'), 'hub: kubectl get all,cm,secret,sa,role,rolebinding -A');
    for (const c of members) {
      const now = await eventually(async () => {
        const state = `${await inventory(k[c], c)}\n${await clusterScoped(k[c])}`;
        return state === was.get(c) ? state : undefined;
      }, 60_000, `${c} as it was`).catch(async () => `${await inventory(k[c], c)}\n${await clusterScoped(k[c])}`);
      assert.equal(now, was.get(c), `${c}: namespaced objects, CRDs, cluster roles, AppliedManifestWorks, node labels, EndpointSlices`);
      const node = nodeNetworkState(`ksub-${c}-gateway`);
      const pristine = pristineNodes.get(c);
      assert.doesNotMatch(node.iptables, /SUBMARINER/, `${c}-gateway: iptables`);
      assert.equal(node.rules, pristine?.rules, `${c}-gateway: ip rules`);
      assert.equal(node.links, pristine?.links, `${c}-gateway: links`);
      assert.equal(node.routes.replace(/ proto \S+/g, ''), pristine?.routes.replace(/ proto \S+/g, ''), `${c}-gateway: routes`);
    }
  });
});
