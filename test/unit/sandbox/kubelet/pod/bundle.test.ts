import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1Container } from '@kubernetes/client-node';
import {
  BundleError, bundleConfig, capabilitiesOfMask, containerArgv, containerCapabilities, containerEnvList, defaultCapabilities, type BundleInput,
} from '../../../../../src/sandbox/kubelet/pod/bundle.js';
import type { PreparedVolume } from '../../../../../src/sandbox/kubelet/pod/volumes.js';

const goldenDir = fileURLToPath(new URL('./golden/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

const podDir = '/var/lib/ksub/nodes/cluster1-gw/pods/0b5f';
const vol = (name: string, kind: 'dir' | 'file' = 'dir'): [string, PreparedVolume] => [name, { path: `${podDir}/volumes/${name}`, kind }];

const input = (container: V1Container, over: Partial<BundleInput> = {}): BundleInput => ({
  pod: { namespace: 'default', name: 'web-1', uid: '0b5f' },
  container,
  command: container.command ?? [],
  args: container.args ?? [],
  env: Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ''])),
  image: { entrypoint: ['/docker-entrypoint.sh'], cmd: ['nginx', '-g', 'daemon off;'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NGINX_VERSION=1.22'], workingDir: '/' },
  rootfs: `${podDir}/containers/web/rootfs`,
  hostname: 'web-1',
  netnsPath: '/run/netns/ksub-pod-0b5f',
  volumes: new Map([vol('html'), vol('kube-api-access'), vol('config'), vol('tls')]),
  podFiles: { resolvConf: `${podDir}/resolv.conf`, hosts: `${podDir}/hosts`, hostname: `${podDir}/hostname` },
  ...over,
});

const cases: Record<string, BundleInput> = {
  // An nginx pod: the image's entrypoint and cmd, an emptyDir, the projected service-account token, a ConfigMap subPath, a Secret.
  'bundle-nginx': input({
    name: 'web',
    image: 'kubectl-submariner/nginx:1.22',
    env: [{ name: 'POD_IP', value: '10.241.1.5' }, { name: 'NGINX_VERSION', value: 'pod' }],
    volumeMounts: [
      { name: 'html', mountPath: '/usr/share/nginx/html' },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      { name: 'config', mountPath: '/etc/nginx/conf.d/default.conf', subPath: 'default.conf' },
      { name: 'tls', mountPath: '/etc/nginx/tls', readOnly: true },
    ],
  }),
  // The gateway agent: hostNetwork (the node's namespace), privileged, a hostPath, args after the image's entrypoint.
  'bundle-gateway': input({
    name: 'submariner-gateway',
    image: 'kubectl-submariner/kubectl-submariner-agent:0.1.0',
    args: ['gateway'],
    env: [{ name: 'SUBMARINER_CLUSTERID', value: 'cluster1' }, { name: 'NODE_NAME', value: 'cluster1-gw' }],
    securityContext: { privileged: true },
    volumeMounts: [
      { name: 'host-run', mountPath: '/var/run/pluto' },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
  }, {
    pod: { namespace: 'submariner-operator', name: 'submariner-gateway-x7k2p', uid: '0b5f' },
    image: { entrypoint: ['/usr/local/bin/kubectl-submariner-agent'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'KSUB_CACHE=/opt/kubectl-submariner'] },
    hostname: 'cluster1-gw',
    netnsPath: '/run/netns/ksub-cluster1-gw',
    volumes: new Map([['host-run', { path: '/var/run/pluto', kind: 'dir' }], vol('kube-api-access')]),
  }),
  // A toolbox: its command replaces the entrypoint, NET_ADMIN added, MKNOD dropped, a shared PID namespace and a working directory.
  'bundle-toolbox': input({
    name: 'toolbox',
    image: 'kubectl-submariner/toolbox:1',
    command: ['sleep'],
    args: ['infinity'],
    workingDir: '/tmp',
    securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['mknod'] }, allowPrivilegeEscalation: false },
  }, {
    image: { cmd: ['bash'], env: ['PATH=/usr/bin:/bin'] },
    pidNamespacePath: '/proc/4242/ns/pid',
  }),
};

void describe('OCI bundle config.json from a pod spec', () => {
  for (const [name, c] of Object.entries(cases)) {
    void it(`${name} renders exactly golden/${name}.json`, () => {
      const text = `${JSON.stringify(bundleConfig(c), null, 2)}\n`;
      const file = `${goldenDir}${name}.json`;
      if (update) writeFileSync(file, text);
      assert.equal(text, readFileSync(file, 'utf8'));
    });
  }

  void it('joins the pod\'s network namespace, with new PID, IPC, UTS and mount namespaces', () => {
    const spec = bundleConfig(cases['bundle-nginx']!);
    assert.deepEqual(spec.linux.namespaces, [{ type: 'pid' }, { type: 'network', path: '/run/netns/ksub-pod-0b5f' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }]);
    assert.equal(spec.process.terminal, false);
  });

  void it('combines command and args with the image as Kubernetes does', () => {
    const image = { entrypoint: ['/entry'], cmd: ['default'] };
    assert.deepEqual(containerArgv([], [], image), ['/entry', 'default']);
    assert.deepEqual(containerArgv([], ['x'], image), ['/entry', 'x']);
    assert.deepEqual(containerArgv(['/bin/sh'], [], image), ['/bin/sh']);
    assert.deepEqual(containerArgv(['/bin/sh'], ['-c', 'true'], image), ['/bin/sh', '-c', 'true']);
    assert.throws(() => containerArgv([], [], {}), /no command and its image no entrypoint or cmd/);
  });

  void it('lets the container\'s environment win over the image\'s', () => {
    assert.deepEqual(containerEnvList(['PATH=/bin', 'A=image'], { A: 'pod', B: '2' }), ['PATH=/bin', 'A=pod', 'B=2']);
  });

  void it('grants the runtime\'s default capabilities, adds and drops, everything when privileged', () => {
    assert.deepEqual(containerCapabilities({ name: 'c' }).sort(), [...defaultCapabilities].sort());
    assert.ok(containerCapabilities({ name: 'c', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }).includes('CAP_NET_ADMIN'));
    assert.deepEqual(containerCapabilities({ name: 'c', securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }), ['CAP_NET_BIND_SERVICE']);
    assert.ok(containerCapabilities({ name: 'c', securityContext: { privileged: true } }).includes('CAP_SYS_ADMIN'));
    assert.throws(() => containerCapabilities({ name: 'c', securityContext: { capabilities: { add: ['NET_WIZARD'] } } }), /"NET_WIZARD" is not a Linux capability/);
    // A privileged container gets what the kubelet holds, never more (runc refuses a capability outside its bounding set).
    const host = capabilitiesOfMask('000001fffeffffff');
    assert.ok(!host.includes('CAP_SYS_RESOURCE') && host.includes('CAP_CHECKPOINT_RESTORE') && host.length === 40);
    assert.deepEqual(containerCapabilities({ name: 'c', securityContext: { privileged: true } }, host), host);
  });

  void it('refuses a mount of an undefined volume or a subPath leaving the volume, naming them', () => {
    const bad = (vm: NonNullable<V1Container['volumeMounts']>[number]) => () => bundleConfig(input({ name: 'web', volumeMounts: [vm] }));
    assert.throws(bad({ name: 'nope', mountPath: '/x' }), (e: unknown) => e instanceof BundleError && /volume "nope", which the pod does not define/.test(e.message));
    assert.throws(bad({ name: 'html', mountPath: '/x', subPath: '../../etc' }), /subPath "..\/..\/etc" of volumeMount html leaves the volume/);
    assert.throws(bad({ name: 'html', mountPath: 'relative' }), /mountPath "relative" of container web is not absolute/);
  });
});
