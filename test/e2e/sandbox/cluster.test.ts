// The shared sandbox fleet as a user sees it: pods, Services, DNS, exec, logs, scaling and node health.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { exampleImages } from '../../../src/image/debian-image.js';
import { cidrContains, parseCidr, parseIp } from '../../../src/net/cidr.js';
import { nodeCpuShare } from '../../../src/sandbox/kubelet/node/status.js';
import { eventually, kubectlFor, type Kubectl } from '../../support/kubectl.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { nginxAndToolbox } from '../../support/workloads.js';

let k: Kubectl;
let fleet: TestFleet;
const ns = `sandbox-e2e-${process.pid}`;

const manifests = nginxAndToolbox('cluster1-gateway', 'cluster1-worker');

before(async () => {
  fleet = await useFleet();
  k = kubectlFor(fleet.kubeconfigPath, 'cluster1');
  await k(['create', 'namespace', ns]);
  await k(['apply', '-n', ns, '-f', '-'], manifests);
  await k(['-n', ns, 'rollout', 'status', 'deployment/nginx', '--timeout=120s']);
  await k(['-n', ns, 'wait', '--for=condition=Ready', 'pod/toolbox', '--timeout=120s']);
});
after(async () => {
  await k(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
});

describe('a sandbox cluster', () => {
  it('serves a Service by DNS: a toolbox pod on the worker curls nginx on the gateway node', async () => {
    const body = await eventually(async () => {
      const r = await k.result(['-n', ns, 'exec', 'toolbox', '--', 'curl', '-sS', '--max-time', '5', `http://nginx.${ns}.svc.cluster.local`]);
      return r.code === 0 ? r.stdout : undefined;
    }, 60_000, 'nginx reachable by its Service name');
    const pod = JSON.parse(await k(['-n', ns, 'get', 'pods', '-l', 'app=nginx', '-o', 'json'])) as { items: { metadata: { name: string }; status: { podIP: string } }[] };
    const nginx = pod.items[0];
    assert.ok(nginx);
    assert.equal(body.trim(), `${nginx.metadata.name} ${nginx.status.podIP}`);
  });

  it('runs dig through kubectl exec and shows nginx\'s access log through kubectl logs', async () => {
    const svcIp = (await k(['-n', ns, 'get', 'svc', 'nginx', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const answer = await k(['-n', ns, 'exec', 'toolbox', '--', 'dig', '+short', `nginx.${ns}.svc.cluster.local`]);
    assert.equal(answer.trim(), svcIp);
    const toolboxIp = (await k(['-n', ns, 'get', 'pod', 'toolbox', '-o', 'jsonpath={.status.podIP}'])).trim();
    await k(['-n', ns, 'exec', 'toolbox', '--', 'curl', '-sS', '--max-time', '5', `http://${svcIp}/`]);
    const logs = await eventually(async () => {
      const l = await k(['-n', ns, 'logs', 'deployment/nginx']);
      return l.includes(toolboxIp) ? l : undefined;
    }, 20_000, 'access log line');
    assert.match(logs, new RegExp(`^${toolboxIp.replaceAll('.', '\\.')} .*"GET / HTTP/1.1" 200`, 'm'));
  });

  it('scales a Deployment to 3 Running pods with distinct IPs in their nodes\' podCIDRs, listed in the EndpointSlice, and replaces a deleted pod', async () => {
    await k(['-n', ns, 'patch', 'deployment', 'nginx', '--type=json', '-p', '[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]']);
    await k(['-n', ns, 'scale', 'deployment/nginx', '--replicas=3']);
    await k(['-n', ns, 'rollout', 'status', 'deployment/nginx', '--timeout=120s']);
    const nodes = JSON.parse(await k(['get', 'nodes', '-o', 'json'])) as { items: { metadata: { name: string }; spec: { podCIDR: string } }[] };
    const cidrOf = new Map(nodes.items.map((n) => [n.metadata.name, n.spec.podCIDR]));
    type Pods = { items: { metadata: { name: string }; spec: { nodeName: string }; status: { phase: string; podIP: string } }[] };
    const pods = await eventually(async () => {
      const p = JSON.parse(await k(['-n', ns, 'get', 'pods', '-l', 'app=nginx', '-o', 'json'])) as Pods;
      const running = p.items.filter((x) => x.status.phase === 'Running' && x.status.podIP);
      return running.length === 3 ? running : undefined;
    }, 60_000, '3 Running nginx pods');
    assert.equal(new Set(pods.map((p) => p.status.podIP)).size, 3);
    for (const p of pods) assert.ok(cidrContains(parseCidr(cidrOf.get(p.spec.nodeName) ?? ''), parseIp(p.status.podIP)), `${p.status.podIP} in ${p.spec.nodeName}'s podCIDR`);
    await eventually(async () => {
      const slices = JSON.parse(await k(['-n', ns, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=nginx', '-o', 'json'])) as {
        items: { endpoints?: { addresses: string[]; conditions: { ready?: boolean } }[] }[];
      };
      const ready = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions.ready).flatMap((e) => e.addresses).sort();
      return JSON.stringify(ready) === JSON.stringify(pods.map((p) => p.status.podIP).sort()) ? true : undefined;
    }, 60_000, 'EndpointSlice lists the 3 pods');
    const victim = pods[0]?.metadata.name ?? '';
    await k(['-n', ns, 'delete', 'pod', victim, '--wait=true', '--timeout=60s']);
    await eventually(async () => {
      const p = JSON.parse(await k(['-n', ns, 'get', 'pods', '-l', 'app=nginx', '-o', 'json'])) as Pods;
      const running = p.items.filter((x) => x.status.phase === 'Running');
      return running.length === 3 && !running.some((x) => x.metadata.name === victim) ? true : undefined;
    }, 60_000, 'a replacement pod');
  });

  it('runs containers from their images under runc, and leaves a pod whose image is not in the store in ErrImagePull naming it', async () => {
    // The toolbox runs in its own PID namespace: its PID 1 is its own command, not the host's init.
    const pid1 = (await k(['-n', ns, 'exec', 'toolbox', '--', 'cat', '/proc/1/comm'])).trim();
    assert.notEqual(pid1, readFileSync('/proc/1/comm', 'utf8').trim());
    const image = 'registry.example.com/not-loaded:1';
    await k(['-n', ns, 'run', 'not-loaded', `--image=${image}`, '--restart=Never']);
    const waiting = await eventually(async () => {
      const p = JSON.parse(await k(['-n', ns, 'get', 'pod', 'not-loaded', '-o', 'json'])) as {
        status: { phase: string; containerStatuses?: { state: { waiting?: { reason: string; message?: string } } }[] };
      };
      const w = p.status.containerStatuses?.[0]?.state.waiting;
      assert.equal(p.status.phase, 'Pending');
      return w?.reason === 'ErrImagePull' || w?.reason === 'ImagePullBackOff' ? w : undefined;
    }, 60_000, 'the pod of an image not loaded waiting on its image');
    assert.match(waiting.message ?? '', /Failed to pull image "registry\.example\.com\/not-loaded:1": it is not in the sandbox's image store .*sandbox load-image/);
    await k(['-n', ns, 'delete', 'pod', 'not-loaded', '--wait=false']);
  });

  it('gives each node its share of the host\'s CPUs, which a container reads through the downward API', async () => {
    // Every node of every cluster of the fleet runs on this host's CPUs: one cluster per API server.
    const servers = new Map(fleet.contexts.map((c) => [fleet.kubeConfig(c).getCurrentCluster()?.server ?? c, c]));
    let nodes = 0;
    for (const context of servers.values()) {
      nodes += (JSON.parse(await kubectlFor(fleet.kubeconfigPath, context)(['get', 'nodes', '-o', 'json'])) as { items: unknown[] }).items.length;
    }
    const share = String(nodeCpuShare(availableParallelism(), nodes));
    assert.equal((await k(['get', 'node', 'cluster1-gateway', '-o', 'jsonpath={.status.capacity.cpu}'])).trim(), share);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'cpus' },
      spec: {
        nodeName: 'cluster1-gateway',
        containers: [{
          name: 'cpus',
          image: exampleImages.toolbox.name,
          command: ['sh', '-c', 'echo "$CPUS"; exec sleep 3600'],
          env: [{ name: 'CPUS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } }],
        }],
      },
    };
    await k(['apply', '-n', ns, '-f', '-'], JSON.stringify(pod));
    await k(['-n', ns, 'wait', '--for=condition=Ready', 'pod/cpus', '--timeout=120s']);
    const printed = await eventually(async () => (await k(['-n', ns, 'logs', 'cpus'])).trim() || undefined, 20_000, 'the pod printing its CPUs');
    assert.equal(printed, share);
  });

  it('keeps every node Ready for longer than the node-monitor grace period (50 s)', async () => {
    const readySince = async (): Promise<Map<string, string>> => {
      const nodes = JSON.parse(await k(['get', 'nodes', '-o', 'json'])) as {
        items: { metadata: { name: string }; status: { conditions: { type: string; status: string; lastTransitionTime: string }[] } }[];
      };
      return new Map(
        nodes.items.map((n) => {
          const c = n.status.conditions.find((x) => x.type === 'Ready');
          return [n.metadata.name, c?.status === 'True' ? c.lastTransitionTime : 'not ready'];
        }),
      );
    };
    const first = await readySince();
    assert.ok([...first.values()].every((v) => v !== 'not ready'));
    const oldest = Math.min(...[...first.values()].map((t) => Date.parse(t)));
    const wait = Math.max(0, oldest + 55_000 - Date.now());
    await new Promise((r) => setTimeout(r, wait));
    assert.deepEqual(await readySince(), first, 'no node went NotReady and back');
  });
});
