import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPodStatus, podPhase, type ContainerView, type PodView } from '../../../../../src/sandbox/kubelet/pod/status.js';

const running = (name: string, ready = true): ContainerView => ({ name, image: 'nginx', state: { running: { startedAt: 't0' } }, ready, restartCount: 0 });
const exited = (name: string, exitCode: number): ContainerView => ({
  name, image: 'busybox', state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: 't1' } }, ready: false, restartCount: 0,
});
const view = (over: Partial<PodView>): PodView => ({
  restartPolicy: 'Always', hostIp: '10.250.1.11', podIp: '10.241.1.5', startTime: 't0', sandboxReady: true, initialized: true, initContainers: [], containers: [], ...over,
});

void describe('pod status', () => {
  void it('reports a running, ready pod the way the EndpointSlice controller accepts it', () => {
    const body = buildPodStatus(view({ containers: [running('web')] }), [], 'now');
    assert.equal(body.phase, 'Running');
    assert.equal(body.podIP, '10.241.1.5');
    assert.deepEqual(body.podIPs, [{ ip: '10.241.1.5' }]);
    assert.deepEqual(body.hostIPs, [{ ip: '10.250.1.11' }]);
    assert.deepEqual(body.conditions.map((c) => `${c.type}=${c.status}`), [
      'PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True',
    ]);
    assert.deepEqual(body.containerStatuses[0], {
      name: 'web', image: 'nginx', imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: 't0' } }, lastState: {},
    });
  });

  void it('keeps a condition transition time while its status holds, and moves it on a change', () => {
    const first = buildPodStatus(view({ containers: [running('web', false)] }), [], 't1');
    const same = buildPodStatus(view({ containers: [running('web', false)] }), first.conditions, 't2');
    assert.deepEqual(same, first);
    const ready = buildPodStatus(view({ containers: [running('web')] }), same.conditions, 't3');
    assert.equal(ready.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime, 't3');
    assert.equal(ready.conditions.find((c) => c.type === 'PodScheduled')?.lastTransitionTime, 't1');
    assert.equal(first.conditions.find((c) => c.type === 'Ready')?.reason, 'ContainersNotReady');
  });

  void it('stays Pending while a container waits for its image, with no pod IP before the sandbox', () => {
    const waiting: ContainerView = { name: 'app', image: 'x', state: { waiting: { reason: 'ErrImagePull', message: 'Failed to pull image "x"' } }, ready: false, restartCount: 0 };
    assert.equal(podPhase(view({ containers: [waiting, running('side')] })), 'Pending');
    const body = buildPodStatus(view({ podIp: undefined, sandboxReady: false, containers: [waiting] }), [], 'now');
    assert.equal(body.podIP, undefined);
    assert.equal(body.conditions[0]?.status, 'False');
  });

  void it('derives Succeeded/Failed from exit codes and restartPolicy, Running while crash-looping', () => {
    assert.equal(podPhase(view({ restartPolicy: 'Never', containers: [exited('a', 0), exited('b', 0)] })), 'Succeeded');
    assert.equal(podPhase(view({ restartPolicy: 'Never', containers: [exited('a', 0), exited('b', 1)] })), 'Failed');
    assert.equal(podPhase(view({ restartPolicy: 'OnFailure', containers: [exited('a', 0)] })), 'Succeeded');
    const looping: ContainerView = { ...exited('a', 2), state: { waiting: { reason: 'CrashLoopBackOff' } }, lastTerminated: { exitCode: 2, reason: 'Error', finishedAt: 't' }, restartCount: 3 };
    assert.equal(podPhase(view({ containers: [looping] })), 'Running');
    assert.equal(podPhase(view({ initialized: false, restartPolicy: 'Never', initContainers: [exited('init', 1)], containers: [] })), 'Failed');
    assert.equal(podPhase(view({ initialized: false, initContainers: [running('init')], containers: [] })), 'Pending');
    const done = buildPodStatus(view({ restartPolicy: 'Never', containers: [exited('a', 0)] }), [], 'now');
    assert.equal(done.conditions.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
  });
});
