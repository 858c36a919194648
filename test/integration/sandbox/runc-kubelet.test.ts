// The sandbox kubelet's runc runtime against a real control plane: a toolbox image built from Debian packages
// into a store of this test, run by runc in a pod's network namespace; real kubectl for logs and exec.
// Needs root, runc and the control-plane binaries (npm run setup).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildDebianImage, debianImageSpec } from '../../../src/image/debian-image.js';
import { ExecRunner } from '../../../src/net/command.js';
import { binaries } from '../../../src/sandbox/binaries/versions.js';
import { eventually } from '../../support/kubectl.js';
import { oneNodeCluster, quiet, startKubeletNode, type KubeletNode } from '../../support/kubelet-node.js';
import { skipUnlessRoot } from '../../support/skip.js';

const run = promisify(execFile);
const bins = binaries();
const skip = skipUnlessRoot('network namespaces, runc', [bins.kubeApiserver, bins.kubectl, '/usr/sbin/runc']);

// Names and addresses of this test only, apart from any sandbox fleet and other tests on the host.
const tag = `r${process.pid % 10000}`;
const { node, cluster } = oneNodeCluster({
  cluster: 'kr1',
  octet: 236,
  bridge: `ksub${tag}b`,
  node: { name: 'kr1-node', netns: `ksub-${tag}-node`, gateway: false, hostLink: `ksub${tag}n` },
});
const toolbox = 'kubectl-submariner/toolbox:1';

interface ContainerStatus {
  name: string;
  restartCount: number;
  containerID?: string;
  state: { running?: object; waiting?: { reason: string; message?: string }; terminated?: { exitCode: number } };
  lastState: { terminated?: { exitCode: number; reason: string } };
}
interface PodObj {
  metadata: { name: string; uid: string };
  status?: { phase?: string; containerStatuses?: ContainerStatus[] };
}

describe('sandbox kubelet running pods from OCI images under runc (root)', { skip, timeout: 900_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'runc-kubelet-'));
  const storeDir = join(work, 'store');
  const runcRoot = join(work, 'runc');
  let kn: KubeletNode;
  const kubectl = (...args: string[]): ReturnType<KubeletNode['kubectl']> => kn.kubectl(...args);
  const pod = async (name: string): Promise<PodObj> => {
    const r = await kubectl('get', 'pod', name, '-o', 'json');
    if (r.code !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as PodObj;
  };
  const status = async (name: string): Promise<ContainerStatus | undefined> => (await pod(name)).status?.containerStatuses?.[0];
  const podSpec = (name: string, image: string, command: string[], extra: Record<string, unknown> = {}): object => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: node.name, terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image, command, env: [{ name: 'GREETING', value: 'hello from runc' }] }], ...extra },
  });
  const runcIds = async (): Promise<string[]> =>
    (await run('runc', ['--root', runcRoot, 'list', '-q']).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
  const overlayMounts = (): string[] => readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.startsWith('overlay ') && l.includes(work));

  before(async () => {
    // The toolbox image, built from Debian packages (the root filesystem is cached per package set).
    await buildDebianImage(new ExecRunner(), debianImageSpec('toolbox', []), { storeDir });
    kn = await startKubeletNode({ name: `test-runc-kubelet-${process.pid}`, node, cluster, runtime: { kind: 'runc', root: runcRoot, storeDir } });
    await eventually(async () => {
      const r = await kubectl('get', 'node', node.name, '-o', 'jsonpath={.spec.podCIDR}');
      return r.stdout.trim() || undefined;
    }, 90_000, 'the node\'s podCIDR');
  });

  after(async () => {
    await kn?.stop();
    for (const id of await runcIds()) quiet(['runc', '--root', runcRoot, 'delete', '--force', id]);
    for (const l of overlayMounts()) quiet(['umount', l.split(' ')[1] ?? '']);
    rmSync(work, { recursive: true, force: true });
  });

  it('runs a toolbox pod from its image: Running with a runc container id, its output in kubectl logs, kubectl exec inside it', async () => {
    await kn.apply([podSpec('tools', toolbox, ['sh', '-c', 'echo "$GREETING"; echo to-stderr >&2; exec sleep infinity'])]);
    const s = await eventually(async () => ((await status('tools'))?.state.running ? status('tools') : undefined), 90_000, 'tools Running');
    assert.match(s?.containerID ?? '', /^runc:\/\//);
    const logs = await eventually(async () => {
      const r = await kubectl('logs', 'tools');
      return r.stdout.includes('to-stderr') ? r.stdout : undefined;
    }, 90_000, 'logs');
    // stdout and stderr are two pipes: each line lands, in either order.
    assert.deepEqual(logs.split('\n').filter(Boolean).sort(), ['hello from runc', 'to-stderr']);
    // The container's own root filesystem (Debian's), hostname, network namespace, and its tools.
    const osRelease = await kubectl('exec', 'tools', '--', 'cat', '/etc/os-release');
    assert.equal(osRelease.code, 0, osRelease.stderr);
    assert.match(osRelease.stdout, /Debian GNU\/Linux 12 \(bookworm\)/);
    assert.equal((await kubectl('exec', 'tools', '--', 'hostname')).stdout.trim(), 'tools');
    const podIp = (await kubectl('get', 'pod', 'tools', '-o', 'jsonpath={.status.podIP}')).stdout.trim();
    assert.match((await kubectl('exec', 'tools', '--', 'ip', '-4', '-o', 'addr', 'show', 'eth0')).stdout, new RegExp(`inet ${podIp.replace(/\./g, '\\.')}/`));
    assert.match((await kubectl('exec', 'tools', '--', 'socat', '-V')).stdout, /socat version/);
    assert.equal((await kubectl('exec', 'tools', '--', 'printenv', 'GREETING')).stdout, 'hello from runc\n');
    const failed = await kubectl('exec', 'tools', '--', 'sh', '-c', 'exit 3');
    assert.notEqual(failed.code, 0);
    // Its own PID namespace: the container's process is PID 1.
    assert.match((await kubectl('exec', 'tools', '--', 'cat', '/proc/1/cmdline')).stdout, /^sleep\0infinity/);
    // Writes go to the container's layer, never to the image's shared root filesystem.
    assert.equal((await kubectl('exec', 'tools', '--', 'sh', '-c', 'echo x > /etc/written-by-pod')).code, 0);
    assert.equal(existsSync(join(storeDir, 'rootfs')) && execFileSync('find', [join(storeDir, 'rootfs'), '-name', 'written-by-pod'], { encoding: 'utf8' }), '');
  });

  it('containers of a pod with shareProcessNamespace see each other\'s processes; others do not', async () => {
    await kn.apply([{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shared', namespace: 'default' },
      spec: {
        nodeName: node.name, terminationGracePeriodSeconds: 2, shareProcessNamespace: true,
        containers: [{ name: 'a', image: toolbox, command: ['sleep', '4242'] }, { name: 'b', image: toolbox, command: ['sleep', 'infinity'] }],
      },
    }]);
    await eventually(async () => ((await pod('shared')).status?.containerStatuses?.every((c) => c.state.running) ? true : undefined), 90_000, 'shared Running');
    const processes = "cat /proc/[0-9]*/cmdline | tr '\\0' ' '";
    assert.match((await kubectl('exec', 'shared', '-c', 'b', '--', 'sh', '-c', processes)).stdout, /sleep 4242/);
    assert.doesNotMatch((await kubectl('exec', 'tools', '--', 'sh', '-c', processes)).stdout, /sleep 4242/);
  });

  it('restarts a container that exits, reporting restartCount and lastState', async () => {
    await kn.apply([podSpec('crasher', toolbox, ['sh', '-c', 'echo "run"; sleep 1; exit 3'])]);
    const s = await eventually(async () => {
      const c = await status('crasher');
      return c && c.restartCount >= 1 && c.lastState.terminated ? c : undefined;
    }, 90_000, 'a restart');
    assert.equal(s.lastState.terminated?.exitCode, 3);
    assert.equal(s.lastState.terminated?.reason, 'Error');
    const previous = await kubectl('logs', 'crasher', '--previous');
    assert.equal(previous.stdout, 'run\n');
  });

  it('a pod whose image is not in the store waits with ErrImagePull naming the image and how to load it', async () => {
    await kn.apply([podSpec('absent', 'example.com/not-loaded:1', ['sleep', 'infinity'])]);
    const s = await eventually(async () => {
      const w = (await status('absent'))?.state.waiting;
      return w && (w.reason === 'ErrImagePull' || w.reason === 'ImagePullBackOff') ? w : undefined;
    }, 90_000, 'ErrImagePull');
    assert.match(s.message ?? '', /example\.com\/not-loaded:1/);
    assert.match(s.message ?? '', /sandbox load-image ARCHIVE/);
  });

  it('runc failing to start the container is CreateContainerError with runc\'s message', async () => {
    await kn.apply([podSpec('badcmd', toolbox, ['/no/such/program'])]);
    const s = await eventually(async () => {
      const w = (await status('badcmd'))?.state.waiting;
      return w?.reason === 'CreateContainerError' ? w : undefined;
    }, 90_000, 'CreateContainerError');
    assert.match(s.message ?? '', /\/no\/such\/program/);
  });

  it('deleting the pods leaves no runc container, overlay mount or bundle', async () => {
    assert.ok((await runcIds()).length > 0);
    const r = await kubectl('delete', 'pod', '--all', '--wait=true', '--timeout=90s');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await runcIds(), []);
    assert.deepEqual(overlayMounts(), []);
    assert.equal(existsSync(join(kn.nodeDir, 'pods')) ? execFileSync('find', [join(kn.nodeDir, 'pods'), '-name', 'config.json'], { encoding: 'utf8' }) : '', '');
  });
});
