import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredImage, UnpackedImage } from '../../../../../src/image/store.js';
import type { CommandRunner, RunOptions, RunResult } from '../../../../../src/net/command.js';
import { CreateContainerError, ImagePullError, type ContainerStart } from '../../../../../src/sandbox/kubelet/pod/container-runtime.js';
import type { OciRuntimeSpec } from '../../../../../src/sandbox/kubelet/pod/bundle.js';
import type { ExitSource } from '../../../../../src/sandbox/kubelet/pod/reaper.js';
import { removePodContainers, removeRuncRoot, runcMessage, RuncRuntime, type OutputFds } from '../../../../../src/sandbox/kubelet/pod/runc.js';
import type { Exit } from '../../../../../src/sandbox/kubelet/pod/runtime.js';

const work = mkdtempSync(join(tmpdir(), 'runc-runtime-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** runc and mount as far as the runtime sees them: containers by id with their process, and mounted targets. */
class FakeRunc implements CommandRunner {
  readonly containers = new Map<string, ChildProcess>();
  /** Containers whose process ignores SIGTERM (their command is `ignore-term ...`). */
  readonly ignoreTerm = new Set<string>();
  readonly mounts = new Set<string>();
  readonly calls: string[] = [];

  run(file: string, args: readonly string[], _o?: RunOptions): Promise<RunResult> {
    this.calls.push([file, ...args].join(' '));
    const ok = (stdout = ''): Promise<RunResult> => Promise.resolve({ code: 0, stdout, stderr: '' });
    if (file === 'mkfifo') {
      execFileSync(file, args);
      return ok();
    }
    if (file === 'mount') {
      this.mounts.add(args[args.length - 1] ?? '');
      return ok();
    }
    if (file === 'umount') {
      const had = this.mounts.delete(args[0] ?? '');
      return Promise.resolve({ code: had ? 0 : 32, stdout: '', stderr: had ? '' : 'not mounted' });
    }
    const [, , verb, ...rest] = args;
    if (verb === 'list') return ok([...this.containers.keys()].join('\n'));
    if (verb === 'kill') {
      const child = this.containers.get(rest[0] ?? '');
      if (!(rest[1] === 'TERM' && this.ignoreTerm.has(rest[0] ?? ''))) child?.kill(`SIG${rest[1] ?? 'TERM'}` as NodeJS.Signals);
      return ok();
    }
    if (verb === 'delete') {
      const id = rest[rest.length - 1] ?? '';
      this.containers.get(id)?.kill('SIGKILL');
      this.containers.delete(id);
      return ok();
    }
    return Promise.resolve({ code: 1, stdout: '', stderr: `unknown ${verb ?? ''}` });
  }

  /**
   * `runc run [--detach] --bundle B --pid-file P id`: the container's process is the bundle's argv, run by sh.
   * Detached, the container writes to the runtime's pipes, and runc exits once the container wrote its pid (or with
   * the container, when it fails before); the exit source reports the container's exit.
   */
  spawnRun = (_file: string, argv: string[], output?: OutputFds): ChildProcess => {
    const bundle = argv[argv.indexOf('--bundle') + 1] ?? '';
    const pidFile = argv[argv.indexOf('--pid-file') + 1] ?? '';
    const id = argv[argv.length - 1] ?? '';
    this.calls.push(['runc', ...argv].join(' '));
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as OciRuntimeSpec;
    const script = spec.process.args[0] === 'missing'
      ? 'echo \'time="2026-12-05T05:00:00Z" level=error msg="runc run failed: unable to start container process: exec: \\"missing\\": executable file not found in $PATH"\' >&2; exit 1'
      : 'echo $$ > "$0"; exec "$@"';
    const args = spec.process.args[0] === 'ignore-term' ? spec.process.args.slice(1) : spec.process.args;
    if (args !== spec.process.args) this.ignoreTerm.add(id);
    const env = Object.fromEntries(spec.process.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    const child = spawn('sh', ['-c', script, pidFile, ...args], { detached: true, stdio: ['ignore', output?.[0] ?? 'pipe', output?.[1] ?? 'pipe'], env });
    if (spec.process.args[0] !== 'missing') this.containers.set(id, child);
    if (!argv.includes('--detach')) return child;
    child.once('exit', (code, signal) => this.exits.end(child.pid ?? 0, { code, signal }));
    const runc = Object.assign(new EventEmitter(), { stdout: null, stderr: null, pid: undefined });
    const started = setInterval(() => {
      if (existsSync(pidFile)) runc.emit('exit', 0, null);
    }, 5);
    child.once('exit', (code, signal) => runc.emit('exit', code, signal));
    runc.once('exit', () => clearInterval(started));
    return runc as unknown as ChildProcess;
  };

  readonly exits = new FakeExits();
}

/** The exits a subreaper reports, by pid. */
class FakeExits implements ExitSource {
  private readonly ended = new Map<number, Exit>();
  private readonly waiting = new Map<number, (e: Exit) => void>();

  end(pid: number, exit: Exit): void {
    this.ended.set(pid, exit);
    this.waiting.get(pid)?.(exit);
  }

  exitOf(pid: number): Promise<Exit> {
    const exit = this.ended.get(pid);
    return exit ? Promise.resolve(exit) : new Promise((resolve) => this.waiting.set(pid, resolve));
  }
}

const image: StoredImage = { name: 'docker.io/kubectl-submariner/toolbox:1', digest: 'sha256:abc', size: 1 };
const store = {
  dir: '/var/cache/images',
  find: (ref: string): StoredImage | undefined => (ref === 'kubectl-submariner/toolbox:1' ? image : undefined),
  unpack: (): Promise<UnpackedImage> => Promise.resolve({ rootfs: '/var/cache/images/rootfs/sha256-abc', config: { Cmd: ['sleep', '30'], Env: ['PATH=/usr/bin:/bin'] } }),
};

let n = 0;
function request(command: string[], imageRef = 'kubectl-submariner/toolbox:1'): ContainerStart {
  const dir = join(work, `pod-${++n}`);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  return {
    pod: { namespace: 'default', name: 'tools', uid: `uid-${n}`, dir },
    hostname: 'tools',
    container: { name: 'main', image: imageRef },
    command,
    args: [],
    env: { GREETING: 'hello' },
    podIp: '10.1.0.5',
    netnsPath: '/run/netns/ksub-p-1',
    pausePid: 1,
    volumes: new Map(),
    podFiles: { resolvConf: join(dir, 'resolv.conf'), hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname') },
    logFile: join(dir, 'logs', 'main.log'),
  };
}

/** `detach`: the runtime runs under a subreaper, whose exits the fake reports. */
function runtime(detach = false): { runc: FakeRunc; rt: RuncRuntime; root: string } {
  const runc = new FakeRunc();
  const root = join(work, `runc-${++n}`);
  const exits = detach ? runc.exits : undefined;
  return { runc, root, rt: new RuncRuntime({ runner: runc, root, images: store, hostCapabilities: ['CAP_NET_ADMIN'], spawnRun: runc.spawnRun, exits }) };
}

describe('runc runtime', () => {
  it('an image not in the store is ErrImagePull naming the image and how to load or build it, and nothing is created', async () => {
    const { runc, rt } = runtime();
    const req = request(['sleep', '30'], 'kubectl-submariner/missing:1');
    await assert.rejects(rt.start(req), (err: unknown) => {
      assert.ok(err instanceof ImagePullError);
      assert.match(err.message, /"kubectl-submariner\/missing:1"/);
      assert.match(err.message, /sandbox load-image ARCHIVE/);
      assert.match(err.message, /sandbox build-image NAME --packages/);
      return true;
    });
    assert.equal(runc.mounts.size, 0);
    assert.equal(runc.containers.size, 0);
    assert.equal(existsSync(join(req.pod.dir, 'containers')), false);
  });

  it('runs the container on an overlay of the image in the pod\'s directory, with its log, exec and stop', async () => {
    const { runc, rt, root } = runtime();
    const req = request(['sh', '-c', 'echo $GREETING; exec sleep 30']);
    const c = await rt.start(req);
    const bundle = join(req.pod.dir, 'containers', 'main');
    assert.equal(c.id, `runc://${req.pod.uid}-main`);
    assert.ok(c.running);
    assert.deepEqual([...runc.mounts], [join(bundle, 'rootfs')]);
    const mount = runc.calls.find((l) => l.startsWith('mount '));
    assert.match(mount ?? '', new RegExp(`lowerdir=/var/cache/images/rootfs/sha256-abc,upperdir=${bundle}/upper,workdir=${bundle}/work`));
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as OciRuntimeSpec;
    assert.equal(spec.root.path, join(bundle, 'rootfs'));
    assert.ok(spec.process.env.includes('GREETING=hello'));
    assert.ok(spec.linux.namespaces.some((ns) => ns.type === 'network' && ns.path === '/run/netns/ksub-p-1'));
    assert.deepEqual(c.exec(['cat', '/etc/hostname'], false).argv, ['runc', '--root', root, 'exec', `${req.pod.uid}-main`, 'cat', '/etc/hostname']);
    assert.equal(c.exec(['sh'], true).argv[0], 'script');
    while (!(existsSync(req.logFile) && readFileSync(req.logFile, 'utf8').includes('hello'))) await sleep(10);

    const exit = await c.stop(5000);
    assert.equal(exit.signal ?? exit.code, 'SIGTERM');
    assert.deepEqual(runc.calls.filter((l) => l.startsWith('runc')).slice(-2), [
      `runc --root ${root} kill ${req.pod.uid}-main TERM`, `runc --root ${root} delete --force ${req.pod.uid}-main`,
    ]);
    c.log.close();
    assert.match(readFileSync(req.logFile, 'utf8'), / stdout F hello\n/);
    await c.remove();
    assert.equal(runc.mounts.size, 0);
    assert.equal(runc.containers.size, 0);
    assert.equal(existsSync(bundle), false);
  });

  it('under a subreaper, runc starts the container detached: its output reaches the log, and its exit comes from the subreaper', async () => {
    const { runc, rt, root } = runtime(true);
    // Output written by opening /dev/stdout and /dev/stderr, as nginx's logs are: pipes open, sockets do not.
    const req = request(['sh', '-c', 'echo $GREETING > /dev/stdout; echo oops > /dev/stderr; exec sleep 30']);
    const c = await rt.start(req);
    const id = `${req.pod.uid}-main`;
    assert.ok(runc.calls.includes(`runc --root ${root} run --detach --bundle ${join(req.pod.dir, 'containers', 'main')} --pid-file ${join(req.pod.dir, 'containers', 'main', 'pid')} ${id}`));
    assert.ok(c.running);
    assert.equal(c.pid, runc.containers.get(id)?.pid);
    while (!(existsSync(req.logFile) && readFileSync(req.logFile, 'utf8').includes('oops'))) await sleep(10);
    const exit = await c.stop(5000);
    assert.equal(exit.signal, 'SIGTERM');
    assert.equal(c.running, false);
    assert.deepEqual(runc.calls.filter((l) => l.startsWith('runc')).slice(-2), [`runc --root ${root} kill ${id} TERM`, `runc --root ${root} delete --force ${id}`]);
    while (!c.log.closed) await sleep(10);
    assert.match(readFileSync(req.logFile, 'utf8'), / stdout F hello\n.* stderr F oops\n/s);
    await c.remove();
    assert.equal(runc.mounts.size, 0);
  });

  it('under a subreaper, a container that exits on its own reports its code; runc failing to start one is CreateContainerError', async () => {
    const { runc, rt } = runtime(true);
    const c = await rt.start(request(['sh', '-c', 'sleep 0.1; exit 3']));
    assert.deepEqual(await c.exited, { code: 3, signal: null });
    assert.equal(c.running, false);
    await c.remove();
    const req = request(['missing']);
    await assert.rejects(rt.start(req), (err: unknown) => err instanceof CreateContainerError && /executable file not found/.test(err.message));
    assert.equal(runc.mounts.size, 0);
    assert.equal(existsSync(join(req.pod.dir, 'containers', 'main')), false);
  });

  it('kills a container that ignores SIGTERM after the grace period', async () => {
    const { runc, rt, root } = runtime();
    const req = request(['ignore-term', 'sleep', '30']);
    const c = await rt.start(req);
    const started = Date.now();
    const exit = await c.stop(300);
    assert.ok(Date.now() - started >= 250, 'waited for the grace period');
    assert.equal(exit.signal, 'SIGKILL');
    const id = `${req.pod.uid}-main`;
    assert.deepEqual(runc.calls.filter((l) => l.startsWith(`runc --root ${root} kill`) || l.includes('delete')).slice(-3), [
      `runc --root ${root} kill ${id} TERM`, `runc --root ${root} kill ${id} KILL`, `runc --root ${root} delete --force ${id}`,
    ]);
    await c.remove();
  });

  it('runc failing to start the container is CreateContainerError with runc\'s message, and leaves no mount', async () => {
    const { runc, rt } = runtime();
    const req = request(['missing']);
    await assert.rejects(rt.start(req), (err: unknown) => {
      assert.ok(err instanceof CreateContainerError);
      assert.equal(err.message, 'runc run failed: unable to start container process: exec: "missing": executable file not found in $PATH');
      return true;
    });
    assert.equal(runc.mounts.size, 0);
    assert.equal(existsSync(join(req.pod.dir, 'containers', 'main')), false);
  });

  it('a restarted kubelet removes the containers, mounts and bundles a crashed one left; down removes runc\'s state', async () => {
    const { runc, rt, root } = runtime();
    const req = request(['sleep', '30']);
    await rt.start(req);
    assert.equal(runc.containers.size, 1);
    await removePodContainers(req.pod.dir, runc);
    assert.equal(runc.containers.size, 0);
    assert.equal(runc.mounts.size, 0);
    assert.equal(existsSync(join(req.pod.dir, 'containers', 'main')), false);

    await rt.start(request(['sleep', '30']));
    await removeRuncRoot(root, runc);
    assert.equal(runc.containers.size, 0);
    assert.equal(existsSync(root), false);
  });

  it('mounts a root filesystem staged ahead of the start once, and the container runs on it', async () => {
    const { runc, rt } = runtime();
    const req = request(['sleep', '30']);
    const rootfs = join(req.pod.dir, 'containers', 'main', 'rootfs');
    await rt.stage(req);
    assert.deepEqual([...runc.mounts], [rootfs]);
    const c = await rt.start(req);
    assert.ok(c.running);
    assert.deepEqual([...runc.mounts], [rootfs]);
    assert.equal(runc.calls.filter((l) => l.startsWith('mount ')).length, 1);
    assert.equal((JSON.parse(readFileSync(join(req.pod.dir, 'containers', 'main', 'config.json'), 'utf8')) as OciRuntimeSpec).root.path, rootfs);
    await c.stop(1000);
    await c.remove();
    assert.equal(runc.mounts.size, 0);
  });

  it('a pod that goes before its staged container started leaves no mount or bundle; a staged image not in the store is ErrImagePull at the start', async () => {
    const { runc, rt } = runtime();
    const req = request(['sleep', '30']);
    await rt.stage(req);
    assert.equal(runc.mounts.size, 1);
    await rt.unstage(req.pod.dir);
    assert.equal(runc.mounts.size, 0);
    assert.equal(existsSync(join(req.pod.dir, 'containers', 'main')), false);

    const missing = request(['sleep', '30'], 'kubectl-submariner/missing:1');
    await rt.stage(missing);
    await assert.rejects(rt.start(missing), ImagePullError);
    assert.equal(runc.containers.size, 0);
    assert.equal(runc.mounts.size, 0);
  });

  it('reads runc\'s error lines, or its whole output when they are not there', () => {
    assert.equal(runcMessage('time="x" level=error msg="a \\"b\\""\n'), 'a "b"');
    assert.equal(runcMessage('plain failure\n'), 'plain failure');
  });
});
