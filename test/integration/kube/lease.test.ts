import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { jsonLogger } from '../../../src/base/log.js';
import { LeaderElector } from '../../../src/kube/lease/elector.js';
import { KubeLeaseStore } from '../../../src/kube/lease/store.js';
import { useFleet } from '../../support/fleet.js';
import { eventually } from '../../support/kubectl.js';

const ns = `lease-${randomBytes(3).toString('hex')}`;
const log = jsonLogger('lease-test', false, () => undefined);
// Retries far apart: a standby that only polled would take up to 20 s to see the lease released.
const timing = { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 20_000 };

void describe('leader election on a real kube-apiserver', () => {
  let kc: KubeConfig;
  const electors: LeaderElector[] = [];
  const leading: string[] = [];
  const candidate = (identity: string): LeaderElector => {
    const e = new LeaderElector({
      identity,
      store: new KubeLeaseStore(kc, ns, 'test-lease'),
      ...timing,
      log,
      onStartedLeading: () => void leading.push(identity),
      onStoppedLeading: () => undefined,
    });
    electors.push(e);
    return e;
  };

  before(async () => {
    kc = (await useFleet()).kubeConfig('cluster1');
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  });

  after(async () => {
    for (const e of electors) await e.stop();
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  });

  void it('a standby takes the lease as soon as the leader releases it, long before its next retry', async () => {
    const a = candidate('node-a');
    void a.start();
    await eventually(async () => (a.isLeader ? true : undefined), 30_000, 'node-a leads');
    const b = candidate('node-b');
    void b.start();
    // node-b has tried once and found the lease held; its next retry is 20 s away.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(b.isLeader, false);
    const released = Date.now();
    await a.stop();
    await eventually(async () => (b.isLeader ? true : undefined), 10_000, 'node-b leads');
    const tookMs = Date.now() - released;
    assert.ok(tookMs < 5_000, `node-b took over ${tookMs} ms after the release`);
    assert.deepEqual(leading, ['node-a', 'node-b']);
  });
});
