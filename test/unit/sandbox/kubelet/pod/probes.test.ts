import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeArgv, type ProbeTarget } from '../../../../../src/sandbox/kubelet/pod/probes.js';

const target: ProbeTarget = {
  pausePid: 0, // a runc pod's container can start before its pause process
  netnsPath: '/run/netns/ksub-pod-1',
  podIp: '10.1.0.5',
  env: {},
  ports: [{ name: 'http', containerPort: 8080 }],
  exec: (argv) => ['runc', 'exec', 'c1', ...argv],
};

void describe('sandbox kubelet probes', () => {
  void it('runs network probes in the pod network namespace by its path, needing no pause process', () => {
    assert.deepEqual(probeArgv({ httpGet: { path: 'ready', port: 'http' } }, target), [
      'nsenter', '--net=/run/netns/ksub-pod-1', '--', 'curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', 'http://10.1.0.5:8080/ready',
    ]);
    assert.deepEqual(probeArgv({ tcpSocket: { port: 53 }, timeoutSeconds: 2 }, target), ['nsenter', '--net=/run/netns/ksub-pod-1', '--', 'nc', '-z', '-w', '2', '10.1.0.5', '53']);
  });

  void it('runs exec probes inside the container, and names a bad port', () => {
    assert.deepEqual(probeArgv({ exec: { command: ['cat', '/tmp/ok'] } }, target), ['runc', 'exec', 'c1', 'cat', '/tmp/ok']);
    assert.throws(() => probeArgv({ tcpSocket: { port: 'metrics' } }, target), /probe port "metrics" is neither a number nor a named containerPort/);
  });
});
