import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { exitCodeOf } from '../../../src/kube/exec.js';
import { parseTestKeys } from '../../../src/verify/model.js';
import { accessLogClients, parseDig, parseHttpCode, waitFor } from '../../../src/verify/probes.js';
import { podFailure, podManifest } from '../../../src/verify/workloads.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

void describe('verify probes', () => {
  void it('reads the status and A records of recorded dig output', () => {
    assert.deepEqual(parseDig(fixture('dig-noerror.txt')), { status: 'NOERROR', addresses: ['10.142.0.17'] });
    assert.deepEqual(parseDig(fixture('dig-nxdomain.txt')), { status: 'NXDOMAIN', addresses: [] });
    assert.deepEqual(parseDig(fixture('dig-timeout.txt')), { status: undefined, addresses: [] });
  });

  void it('reads the HTTP code curl printed, none when nothing answered', () => {
    assert.equal(parseHttpCode('200'), 200);
    assert.equal(parseHttpCode('000'), 0);
    assert.equal(parseHttpCode(''), undefined);
  });

  void it('reads client addresses from nginx and sandbox access logs', () => {
    const log = [
      '/docker-entrypoint.sh: Configuration complete; ready for start up',
      '242.1.255.1 - - [01/Mar/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.5.0" "-"',
      'serving verify-server on port 80',
      '10.241.1.7 - - [2025-03-01T10:00:01.000Z] "GET / HTTP/1.1" 200 30 "curl/8.14.1"',
    ].join('\n');
    assert.deepEqual(accessLogClients(log), ['242.1.255.1', '10.241.1.7']);
  });

  void it('waits until the probe gives a value, and on timeout says what it waited for and what it saw last', async () => {
    let n = 0;
    assert.equal(await waitFor('third time', 5000, async () => ({ value: ++n === 3 ? 'ok' : undefined, seen: n }), { intervalMs: 1 }), 'ok');
    await assert.rejects(
      waitFor('a 200', 30, async () => ({ seen: 'HTTP 503' }), { intervalMs: 5 }),
      /^Error: a 200: not met within 0s; last seen: HTTP 503$/,
    );
  });

  void it('takes --only keys and names the valid ones for an unknown key', () => {
    assert.deepEqual(parseTestKeys('connectivity, service-discovery'), ['connectivity', 'service-discovery']);
    assert.throws(() => parseTestKeys('connectivity,dns'), /^Error: unknown test dns: choose from connectivity, service-discovery, globalnet, gateway-failover$/);
  });

  void it('gets the exit code from the exec Status', () => {
    assert.equal(exitCodeOf({ metadata: {}, status: 'Success' }), 0);
    assert.equal(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '28' }] } }), 28);
    assert.equal(exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'container not found' }), undefined);
  });

  void it('pins test pods to their node, host-network pods with the cluster DNS', () => {
    const pod = podManifest({ namespace: 'ns', name: 'client-host', image: 'nicolaka/netshoot', command: ['sleep', '2147483647'], node: 'cluster1-worker', hostNetwork: true });
    assert.equal(pod.spec?.nodeName, 'cluster1-worker');
    assert.equal(pod.spec?.hostNetwork, true);
    assert.equal(pod.spec?.dnsPolicy, 'ClusterFirstWithHostNet');
    assert.deepEqual(pod.spec?.containers.map((c) => [c.name, c.image, c.command]), [['client-host', 'nicolaka/netshoot', ['sleep', '2147483647']]]);
    assert.equal(pod.metadata?.labels?.['app.kubernetes.io/managed-by'], 'kubectl-submariner');
  });

  void it('says why a pod cannot start', () => {
    assert.equal(
      podFailure({ status: { phase: 'Pending', containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'Failed to pull image "x"' } } }] } }),
      'ErrImagePull: Failed to pull image "x"',
    );
    assert.equal(podFailure({ status: { phase: 'Pending' } }), undefined);
  });
});
