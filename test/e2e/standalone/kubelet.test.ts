// The sandbox kubelet against a real control plane (kube-apiserver, controller-manager with node IPAM and
// node lifecycle, scheduler): one hand-made node network namespace, kube-proxy and CoreDNS run as pods,
// real kubectl for exec and logs. Needs root and the control-plane binaries (npm run setup).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { cidrContains, parseCidr, parseIp } from '../../../src/net/cidr.js';
import { renderAddons } from '../../../src/sandbox/addons.js';
import { binaries } from '../../../src/sandbox/binaries/versions.js';
import { eventually } from '../../support/kubectl.js';
import { oneNodeCluster, quiet, startKubeletNode, type KubeletNode } from '../../support/kubelet-node.js';
import { skipUnlessRoot } from '../../support/skip.js';

const run = promisify(execFile);
const bins = binaries();
const skip = skipUnlessRoot('network namespaces', [bins.kubeApiserver, bins.kubectl, bins.kubeProxy, bins.coredns]);

// Addresses of this test only, apart from any sandbox fleet on the host.
const { node, cluster } = oneNodeCluster({
  cluster: 'kt1',
  octet: 252,
  bridge: 'ksubt-br',
  node: { name: 'kt1-gateway', netns: 'ksubt-kt1-gateway', publicIp: '192.168.252.11', gateway: true, hostLink: 'ksubt-n1' },
});

function podNetns(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('ksub-p-'));
}

interface Obj {
  metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

describe('sandbox kubelet against a real control plane (root)', { skip, timeout: 600_000 }, () => {
  let kn: KubeletNode;
  const kubectl = (...args: string[]): ReturnType<KubeletNode['kubectl']> => kn.kubectl(...args);
  const get = async <T = Obj>(...args: string[]): Promise<T> => {
    const r = await kubectl('get', '-o', 'json', ...args);
    if (r.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const runningPods = async (selector: string, count: number, namespace = 'default', timeoutMs = 90_000): Promise<Obj[]> =>
    eventually(async () => {
      const pods = (await get<{ items: Obj[] }>('pods', '-n', namespace, '-l', selector)).items;
      const ready = pods.filter((p) => (p.status?.conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === count && pods.length === count ? ready : undefined;
    }, timeoutMs, `${count} Running pods ${selector}`);

  before(async () => {
    kn = await startKubeletNode({ name: 'test-kubelet', node, cluster });
    await kn.apply(renderAddons({ cluster, apiServer: kn.endpoint.internalServer }));
  });

  after(async () => {
    await kn?.stop();
    for (const ns of podNetns()) quiet(['ip', 'netns', 'del', ns]);
  });

  it('registers a Ready node with its podCIDR, public-IP annotation, lease and kubelet port', async () => {
    const n = await eventually(async () => {
      const obj = await get('node', node.name);
      return obj.spec?.podCIDR ? obj : undefined;
    }, 90_000, 'node podCIDR');
    assert.ok(cidrContains(parseCidr(cluster.podCidr), parseIp(String(n.spec?.podCIDR).split('/')[0] ?? '')));
    assert.equal(n.metadata.annotations?.['gateway.submariner.io/public-ip'], `ipv4:${node.publicIp}`);
    assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], node.name);
    const status = n.status as { conditions: { type: string; status: string }[]; addresses: { type: string; address: string }[]; declaredFeatures?: string[] };
    assert.equal(status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(status.addresses.find((a) => a.type === 'InternalIP')?.address, node.ip);
    const lease = await get<{ spec: { holderIdentity: string } }>('lease', '-n', 'kube-node-lease', node.name);
    assert.equal(lease.spec.holderIdentity, node.name);
    const health = await run('ip', ['netns', 'exec', node.netns, 'curl', '-sk', `https://${node.ip}:10250/healthz`]);
    assert.equal(health.stdout.trim(), 'ok');
  });

  it('runs kube-proxy and CoreDNS from their images', async () => {
    await runningPods('k8s-app=kube-proxy', 1, 'kube-system');
    await runningPods('k8s-app=kube-dns', 1, 'kube-system');
  });

  it('runs an nginx Deployment with pod IPs from the node podCIDR, listed in its EndpointSlice', async () => {
    await kn.apply([
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default' },
        spec: {
          replicas: 2, selector: { matchLabels: { app: 'nginx' } },
          template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'kubectl-submariner/nginx:1.22', ports: [{ containerPort: 80 }] }] } },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { selector: { app: 'nginx' }, ports: [{ port: 80 }] } },
    ]);
    const pods = await runningPods('app=nginx', 2);
    const podCidr = String((await get('node', node.name)).spec?.podCIDR);
    const ips = pods.map((p) => String(p.status?.podIP)).sort();
    for (const ip of ips) assert.ok(cidrContains(parseCidr(podCidr), parseIp(ip)), `${ip} is in ${podCidr}`);
    await eventually(async () => {
      const slices = await get<{ items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] }>('endpointslices', '-l', 'kubernetes.io/service-name=nginx');
      const ready = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses).sort();
      return JSON.stringify(ready) === JSON.stringify(ips) ? true : undefined;
    }, 90_000, 'EndpointSlice with both pods');
  });

  it('execs dig and curl in a toolbox pod and shows the nginx access log', async () => {
    await kn.apply([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'toolbox', namespace: 'default', labels: { app: 'toolbox' } }, spec: { containers: [{ name: 'toolbox', image: 'kubectl-submariner/toolbox:1' }] } },
    ]);
    const [toolbox] = await runningPods('app=toolbox', 1);
    const dig = await eventually(async () => {
      const r = await kubectl('exec', 'toolbox', '--', 'dig', '+short', '+time=2', '+tries=1', 'nginx.default.svc.cluster.local');
      return r.code === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
    }, 90_000, 'dig through CoreDNS');
    const svc = await get('service', 'nginx');
    assert.equal(dig, svc.spec?.clusterIP);
    const curl = await eventually(async () => {
      const r = await kubectl('exec', 'toolbox', '--', 'curl', '-s', '--max-time', '3', 'http://nginx');
      return r.code === 0 && r.stdout.startsWith('nginx-') ? r.stdout : undefined;
    }, 90_000, 'curl through the Service');
    const [name, ip] = curl.trim().split(' ');
    const served = (await get<{ items: Obj[] }>('pods', '-l', 'app=nginx')).items.find((p) => p.metadata.name === name);
    assert.equal(served?.status?.podIP, ip);
    const logs = await kubectl('logs', name ?? '');
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, new RegExp(`${String(toolbox?.status?.podIP).replace(/\./g, '\\.')} .*"GET / HTTP/1.1" 200`));

    assert.equal((await kubectl('exec', 'toolbox', '--', 'hostname')).stdout.trim(), 'toolbox');
    const failed = await kubectl('exec', 'toolbox', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    assert.equal(failed.code, 3);
    assert.equal(failed.stdout, 'out\n');
    assert.match(failed.stderr, /err/);
    const stdin = await run('sh', ['-c', `echo hello-stdin | ${bins.kubectl} --kubeconfig ${kn.kubeconfig} exec -i toolbox -- cat`]);
    assert.equal(stdin.stdout, 'hello-stdin\n');
    const api = await kubectl('exec', 'toolbox', '--', 'sh', '-c', 'curl -s --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt -H "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/version');
    assert.equal(api.code, 0, api.stderr);
    assert.match(api.stdout, /"gitVersion": "v1\.36/);
  });

  it('mounts a ConfigMap at a path missing on the host and keeps it up to date', async () => {
    await kn.apply([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo', namespace: 'default' }, data: { greeting: 'hello' } },
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reader', namespace: 'default', labels: { app: 'reader' } },
        spec: {
          containers: [{
            name: 'reader', image: 'kubectl-submariner/toolbox:1', command: ['sleep', 'infinity'],
            env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'demo', key: 'greeting' } } }, { name: 'MSG', value: '$(GREETING) from $(POD)' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            volumeMounts: [{ name: 'demo', mountPath: '/etc/ksub-demo/conf' }],
          }],
          volumes: [{ name: 'demo', configMap: { name: 'demo' } }],
        },
      },
    ]);
    await runningPods('app=reader', 1);
    assert.equal((await kubectl('exec', 'reader', '--', 'cat', '/etc/ksub-demo/conf/greeting')).stdout, 'hello');
    assert.equal((await kubectl('exec', 'reader', '--', 'sh', '-c', 'echo "$MSG"')).stdout, 'hello from $(POD)\n');
    assert.ok(!existsSync('/etc/ksub-demo'), 'nothing is created on the host');
    assert.equal((await kubectl('patch', 'configmap', 'demo', '--type=merge', '-p', '{"data":{"greeting":"bonjour"}}')).code, 0);
    await eventually(async () =>
      (await kubectl('exec', 'reader', '--', 'cat', '/etc/ksub-demo/conf/greeting')).stdout === 'bonjour' ? true : undefined, 60_000, 'the updated ConfigMap in the pod');
  });

  it('reports ErrImagePull, then ImagePullBackOff, for an image the sandbox cannot run', async () => {
    await kn.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unknown', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'example.com/no-such-image:1' }] } }]);
    const reasons = new Set<string>();
    await eventually(async () => {
      const p = await get('pod', 'unknown');
      const st = (p.status?.containerStatuses as { state: { waiting?: { reason: string; message?: string } } }[] | undefined)?.[0];
      if (st?.state.waiting) {
        reasons.add(st.state.waiting.reason);
        assert.match(st.state.waiting.message ?? '', /example\.com\/no-such-image:1/);
      }
      assert.equal(p.status?.phase, 'Pending');
      return reasons.has('ImagePullBackOff') ? true : undefined;
    }, 90_000, 'ImagePullBackOff');
    assert.ok(reasons.has('ErrImagePull') || reasons.has('ImagePullBackOff'));
    const logs = await kubectl('logs', 'unknown');
    assert.notEqual(logs.code, 0);
    assert.match(logs.stderr, /waiting to start/);
  });

  it('tears a deleted pod down: its network namespace goes and the object is removed', async () => {
    const [pod] = await runningPods('app=toolbox', 1);
    const netns = `ksub-p-${pod?.metadata.uid.slice(0, 10) ?? ''}`;
    assert.ok(podNetns().includes(netns));
    const r = await kubectl('delete', 'pod', 'toolbox', '--wait=true', '--timeout=60s');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!podNetns().includes(netns));
  });

  it('keeps the node Ready past the node-monitor grace period', async () => {
    const n = await get('node', node.name);
    const created = Date.parse(String((n.metadata as { creationTimestamp?: string }).creationTimestamp));
    const wait = created + 60_000 - Date.now();
    if (wait > 0) await sleep(wait);
    const now = await get('node', node.name);
    const ready = (now.status?.conditions as { type: string; status: string }[]).find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    await runningPods('app=nginx', 2);
  });
});
