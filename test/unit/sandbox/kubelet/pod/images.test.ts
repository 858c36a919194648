import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageRepository, resolveImage, type ImageRequest } from '../../../../../src/sandbox/kubelet/pod/images.js';

const host = { binaries: { kubeProxy: '/cache/kube-proxy', coredns: '/cache/coredns' }, repoRoot: '/repo', nodePath: '/usr/bin/node' };
const req = (over: Partial<ImageRequest>): ImageRequest => ({ image: '', command: [], args: [], ports: [], podName: 'web-1', podIp: '10.241.1.5', ...over });

void describe('image table', () => {
  void it('strips tag and digest but keeps registry ports', () => {
    assert.equal(imageRepository('nginx:1.27'), 'nginx');
    assert.equal(imageRepository('registry.k8s.io/kube-proxy:v1.36.3'), 'registry.k8s.io/kube-proxy');
    assert.equal(imageRepository('localhost:5000/app@sha256:abc'), 'localhost:5000/app');
  });

  void it('runs kube-proxy from the cache with the container command, mapping the in-image path', () => {
    const run = resolveImage(req({ image: 'registry.k8s.io/kube-proxy:v1.36.3', command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf'], args: ['--v=2'] }), host);
    assert.deepEqual(run, { kind: 'process', standIn: 'kube-proxy', argv: ['/cache/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--v=2'] });
  });

  void it('runs CoreDNS with the container args', () => {
    const run = resolveImage(req({ image: 'registry.k8s.io/coredns/coredns:v1.14.7', args: ['-conf', '/etc/coredns/Corefile'] }), host);
    assert.deepEqual(run, { kind: 'process', standIn: 'coredns', argv: ['/cache/coredns', '-conf', '/etc/coredns/Corefile'] });
  });

  void it('runs the project agent for any image whose command is kubectl-submariner-agent', () => {
    const run = resolveImage(req({ image: 'quay.io/submariner/submariner-gateway:0.20', command: ['kubectl-submariner-agent', 'gateway'], args: ['--v=1'] }), host);
    assert.deepEqual(run, { kind: 'process', standIn: 'agent', argv: ['/usr/bin/node', '/repo/dist/src/bin/agent.js', 'gateway', '--v=1'] });
  });

  void it('runs the agent image with its entrypoint when the container names only the component', () => {
    const run = resolveImage(req({ image: 'registry.local/team/kubectl-submariner-agent:0.1.0', args: ['routeagent'] }), host);
    assert.deepEqual(run, { kind: 'process', standIn: 'agent', argv: ['/usr/bin/node', '/repo/dist/src/bin/agent.js', 'routeagent'] });
  });

  void it('asks for the agent command on a project image without it', () => {
    const run = resolveImage(req({ image: 'quay.io/submariner/lighthouse-agent:0.20' }), host);
    assert.equal(run.kind, 'config-error');
    assert.match(run.kind === 'config-error' ? run.message : '', /kubectl-submariner-agent/);
  });

  void it('serves nginx-like images with the built-in HTTP server on the first containerPort', () => {
    for (const image of ['nginx', 'nginx:1.27', 'docker.io/library/nginx:latest', 'nginxinc/nginx-unprivileged', 'kubectl-submariner/http-server']) {
      const run = resolveImage(req({ image, ports: [8080, 9090], command: ['nginx', '-g', 'daemon off;'] }), host);
      assert.deepEqual(run, {
        kind: 'process', standIn: 'http-server',
        argv: ['/usr/bin/node', '/repo/dist/src/sandbox/images/http-server.js', '--port', '8080', '--pod', 'web-1', '--ip', '10.241.1.5'],
      }, image);
    }
    const plain = resolveImage(req({ image: 'nginx' }), host);
    assert.equal(plain.kind === 'process' ? plain.argv[3] : '', '80');
  });

  void it('idles toolbox images, or runs their command with the host tools', () => {
    for (const image of ['kubectl-submariner/toolbox', 'nicolaka/netshoot:latest', 'busybox:1.36', 'registry.example/x/toolbox']) {
      assert.deepEqual(resolveImage(req({ image }), host), { kind: 'process', standIn: 'toolbox', argv: ['sleep', 'infinity'] }, image);
    }
    assert.deepEqual(resolveImage(req({ image: 'busybox', command: ['sh', '-c'], args: ['echo hi'] }), host), { kind: 'process', standIn: 'toolbox', argv: ['sh', '-c', 'echo hi'] });
  });

  void it('fails the pull of any other image, naming it', () => {
    const run = resolveImage(req({ image: 'example.com/app:1' }), host);
    assert.equal(run.kind, 'pull-error');
    assert.match(run.kind === 'pull-error' ? run.message : '', /^Failed to pull image "example\.com\/app:1"/);
  });
});
