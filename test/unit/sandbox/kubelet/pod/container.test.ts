import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Container } from '@kubernetes/client-node';
import { ContainerRunner, type ContainerHost } from '../../../../../src/sandbox/kubelet/pod/container.js';
import {
  CreateContainerError, ImagePullError, ProcessRuntime, type ContainerRuntime, type ContainerStart, type RunningContainer,
} from '../../../../../src/sandbox/kubelet/pod/container-runtime.js';
import { ContainerLog } from '../../../../../src/sandbox/kubelet/pod/logs.js';
import type { Exit } from '../../../../../src/sandbox/kubelet/pod/runtime.js';

// Logs go to a directory of the test's own: a restart moves the previous log aside.
const logs = mkdtempSync(join(tmpdir(), 'container-test-'));
after(() => rmSync(logs, { recursive: true, force: true }));
const logFile = join(logs, 'c.log');

/** A runtime whose containers run until the test ends them; it remembers what it started and removed. */
class FakeRuntime implements ContainerRuntime {
  readonly kind = 'runc';
  readonly podMounts = false;
  readonly started: FakeContainer[] = [];
  /** What the next start throws. */
  failures: Error[] = [];

  start(req: ContainerStart): Promise<RunningContainer> {
    const err = this.failures.shift();
    if (err) return Promise.reject(err);
    const c = new FakeContainer(`fake://${req.container.name}-${this.started.length}`);
    this.started.push(c);
    return Promise.resolve(c);
  }
}

class FakeContainer implements RunningContainer {
  readonly pid = 4242;
  readonly startedAt = new Date();
  readonly log = new ContainerLog(join(logs, 'fake.log'));
  running = true;
  removed = false;
  private end!: (e: Exit) => void;
  readonly exited = new Promise<Exit>((resolve) => (this.end = resolve));

  constructor(readonly id: string) {}

  exit(code: number): void {
    this.running = false;
    this.end({ code, signal: null });
  }

  stop(): Promise<Exit> {
    this.exit(143);
    return this.exited;
  }

  exec(command: readonly string[]): { argv: string[]; env: Record<string, string> } {
    return { argv: ['fake-exec', ...command], env: {} };
  }

  remove(): Promise<void> {
    this.removed = true;
    return Promise.resolve();
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

function host(runtime: ContainerRuntime, restartPolicy = 'Always'): ContainerHost {
  return {
    restartPolicy,
    runtime,
    runner: { run: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }) },
    log: silent,
    pausePid: () => 1,
    podIp: () => '10.0.0.5',
    logFile: () => logFile,
    changed: () => undefined,
    prepare: (c: V1Container) =>
      Promise.resolve({
        pod: { namespace: 'default', name: 'p', uid: 'u', dir: '/nonexistent' }, hostname: 'p', container: c, command: [], args: [], env: { A: '1' },
        podIp: '10.0.0.5', netnsPath: '/run/netns/x', pausePid: 1, volumes: new Map(),
        podFiles: { resolvConf: join(logs, 'resolv.conf'), hosts: join(logs, 'hosts'), hostname: join(logs, 'hostname') }, logFile,
      }),
  };
}

async function until(what: string, fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('container runner over a runtime', () => {
  it('reports the runtime\'s container id, restarts an exited container with restartCount and lastState, and removes each one', async () => {
    const rt = new FakeRuntime();
    const r = new ContainerRunner({ name: 'main', image: 'kubectl-submariner/toolbox:1' }, host(rt), false);
    r.start();
    await until('running', () => 'running' in r.view.state);
    assert.equal(r.view.containerId, 'fake://main-0');
    rt.started[0]?.exit(3);
    await until('restarted', () => r.view.restartCount === 1 && 'running' in r.view.state, 8000);
    assert.equal(r.view.lastTerminated?.exitCode, 3);
    assert.equal(r.view.lastTerminated?.reason, 'Error');
    assert.equal(r.view.containerId, 'fake://main-1');
    assert.equal(rt.started[0]?.removed, true);
    assert.deepEqual(r.process?.exec(['id'], false).argv, ['fake-exec', 'id']);
    await r.stop(1000);
    assert.equal(rt.started[1]?.removed, true);
    assert.deepEqual(r.view.state, { terminated: { exitCode: 143, reason: 'Error', startedAt: rt.started[1]?.startedAt.toISOString(), finishedAt: (r.view.state as { terminated: { finishedAt: string } }).terminated.finishedAt } });
  });

  it('an image the runtime cannot find is ErrImagePull with its message, then ImagePullBackOff', async () => {
    const rt = new FakeRuntime();
    rt.failures = [new ImagePullError('Failed to pull image "x/y:1": not in the store')];
    const r = new ContainerRunner({ name: 'main', image: 'x/y:1' }, host(rt), false);
    r.start();
    await until('ErrImagePull', () => 'waiting' in r.view.state && r.view.state.waiting.reason === 'ErrImagePull');
    assert.deepEqual(r.view.state, { waiting: { reason: 'ErrImagePull', message: 'Failed to pull image "x/y:1": not in the store' } });
    await until('ImagePullBackOff', () => 'waiting' in r.view.state && r.view.state.waiting.reason === 'ImagePullBackOff', 8000);
    await r.stop(0);
    assert.equal(rt.started.length, 0);
  });

  it('a container the runtime cannot create is CreateContainerError with the runtime\'s message', async () => {
    const rt = new FakeRuntime();
    rt.failures = [new CreateContainerError('exec: "nope": executable file not found in $PATH')];
    const r = new ContainerRunner({ name: 'main', image: 'x/y:1' }, host(rt), false);
    r.start();
    await until('CreateContainerError', () => 'waiting' in r.view.state && r.view.state.waiting.reason === 'CreateContainerError');
    assert.match(JSON.stringify(r.view.state), /executable file not found/);
    await until('retried', () => 'running' in r.view.state, 8000);
    await r.stop(0);
  });

  it('the process runtime reports images without a stand-in as pull errors and project images without the agent command as config errors', async () => {
    const rt = new ProcessRuntime({ binaries: { kubeProxy: '/kp', coredns: '/cd' }, repoRoot: '/repo', nodePath: '/node' });
    const req = (image: string): ContainerStart => ({
      pod: { namespace: 'default', name: 'p', uid: 'u', dir: '/x' }, hostname: 'p', container: { name: 'c', image }, command: [], args: [], env: {},
      podIp: '', netnsPath: '', pausePid: 1, volumes: new Map(), podFiles: { resolvConf: '', hosts: '', hostname: '' }, logFile,
    });
    await assert.rejects(rt.start(req('example.com/unknown:1')), (e: unknown) => e instanceof ImagePullError && /example\.com\/unknown:1/.test(e.message));
    await assert.rejects(rt.start(req('quay.io/submariner/submariner-gateway:0.20')), (e: unknown) => e instanceof CreateContainerError && !e.retry);
  });
});
