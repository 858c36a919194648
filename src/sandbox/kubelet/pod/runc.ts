import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImageStore, UnpackedImage } from '../../../image/store.js';
import type { CommandRunner } from '../../../net/command.js';
import { killGroup } from '../../controlplane/process.js';
import { bundleConfig, capabilitiesOfMask } from './bundle.js';
import { CreateContainerError, ImagePullError, type ContainerCommand, type ContainerRuntime, type ContainerStart, type RunningContainer } from './container-runtime.js';
import { ContainerLog } from './logs.js';
import type { ExitSource } from './reaper.js';
import { baseEnv, ttyArgv, watchExit, type Exit } from './runtime.js';

/** What the runc runtime needs from its host. */
export interface RuncDeps {
  runner: CommandRunner;
  /** runc's state directory (`runc --root`), one per sandbox. */
  root: string;
  images: Pick<ImageStore, 'find' | 'unpack' | 'dir'>;
  /** The kubelet's bounding capabilities: what a privileged container gets. */
  hostCapabilities?: readonly string[] | undefined;
  /** Starts `runc run` (its own process group), stdout and stderr to `output`'s descriptors, else piped. */
  spawnRun?: ((file: string, args: string[], output?: OutputFds) => ChildProcess) | undefined;
  /**
   * The exits of the processes a subreaper above this one adopts. With it, runc starts each container detached and
   * exits, and the container's exit comes from here; without it, `runc run` stays in the foreground as the
   * container's parent (about 2 MiB of memory per container).
   */
  exits?: ExitSource | undefined;
  startTimeoutMs?: number | undefined;
}

/** What a container's bundle directory records, so that a later run can remove it after a crash. */
interface BundleRecord {
  root: string;
  id: string;
}

const recordFile = 'runc.json';

/** A container's root filesystem, mounted: the image it shows and the bundle's record. */
interface MountedRootfs {
  unpacked: UnpackedImage;
  rec: BundleRecord;
}

const bundleDir = (req: Pick<ContainerStart, 'pod' | 'container'>): string => join(req.pod.dir, 'containers', req.container.name);

/** The capabilities of this process's bounding set. */
export function ownCapabilities(): string[] {
  const mask = /CapBnd:\s*(\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return mask ? capabilitiesOfMask(mask) : [];
}

/** The container id runc knows a pod's container by. */
export function runcId(podUid: string, container: string): string {
  return `${podUid}-${container}`;
}

/** runc's own message in what it wrote to stderr (`time=... level=error msg="..."`), or the text itself. */
export function runcMessage(stderr: string): string {
  const msgs = [...stderr.matchAll(/level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
  return msgs.length > 0 ? msgs.join('; ') : stderr.trim() || 'runc exited before the container started';
}

export const pullErrorMessage = (image: string, storeDir: string): string =>
  `Failed to pull image "${image}": it is not in the sandbox's image store (${storeDir}): load it with ` +
  '`kubectl submariner sandbox load-image ARCHIVE`, or build it from Debian packages with ' +
  '`kubectl submariner sandbox build-image NAME --packages a,b`';

/** The write ends a detached container's stdout and stderr are given. */
export type OutputFds = [stdout: number, stderr: number];

const defaultSpawn = (file: string, args: string[], output?: OutputFds): ChildProcess =>
  spawn(file, args, { detached: true, stdio: ['ignore', output?.[0] ?? 'pipe', output?.[1] ?? 'pipe'], env: baseEnv });

const outputPaths = (bundle: string): [stdout: string, stderr: string] => [join(bundle, 'stdout'), join(bundle, 'stderr')];

/**
 * A detached container's stdout and stderr: real pipes (the FIFOs `mountRootfs` made in the bundle, unlinked once
 * open), as a container expects of them (`/dev/stdout` opens; node's own stdio pipes are sockets, which it cannot
 * open), read here.
 */
function openOutputPipes(bundle: string): { fds: OutputFds; streams: [Socket, Socket] } {
  const [out, err] = outputPaths(bundle).map((path) => {
    const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const write = openSync(path, constants.O_WRONLY);
    rmSync(path);
    return { write, stream: new Socket({ fd: read, readable: true, writable: false }) };
  }) as [{ write: number; stream: Socket }, { write: number; stream: Socket }];
  return { fds: [out.write, err.write], streams: [out.stream, err.stream] };
}

/** Removes a container's runc state, root filesystem mount and bundle directory. */
async function removeBundle(runner: CommandRunner, bundle: string, rec: BundleRecord): Promise<void> {
  await runner.run('runc', ['--root', rec.root, 'delete', '--force', rec.id], { allowFailure: true, timeoutMs: 30_000 });
  const rootfs = join(bundle, 'rootfs');
  if (existsSync(rootfs)) await runner.run('umount', [rootfs], { allowFailure: true });
  rmSync(bundle, { recursive: true, force: true });
}

/**
 * The runc runtime: each container runs from its image in the host's store, on a writable overlay over the
 * image's shared unpacked root filesystem (upper and work directories in the pod's directory), with the
 * OCI config bundleConfig writes, in the pod's network namespace and its own mount, UTS and PID namespaces.
 */
export class RuncRuntime implements ContainerRuntime {
  readonly kind = 'runc';
  readonly podMounts = false;
  private readonly hostCaps: readonly string[];

  constructor(private readonly deps: RuncDeps) {
    this.hostCaps = deps.hostCapabilities ?? ownCapabilities();
  }

  /** Root filesystems mounted ahead of their containers' start, by bundle directory. */
  private readonly staged = new Map<string, Promise<MountedRootfs>>();

  stage(req: Pick<ContainerStart, 'pod' | 'container'>): Promise<void> {
    const bundle = bundleDir(req);
    let mounting = this.staged.get(bundle);
    if (!mounting) {
      mounting = this.mountRootfs(req);
      this.staged.set(bundle, mounting);
    }
    return mounting.then(
      () => undefined,
      () => undefined,
    );
  }

  async unstage(podDir: string): Promise<void> {
    const failures: string[] = [];
    for (const [bundle, mounting] of this.staged) {
      if (!bundle.startsWith(`${podDir}/`)) continue;
      this.staged.delete(bundle);
      const mounted = await mounting.catch(() => undefined);
      if (mounted) await removeBundle(this.deps.runner, bundle, mounted.rec).catch((err: unknown) => failures.push(`${bundle}: ${err instanceof Error ? err.message : String(err)}`));
    }
    if (failures.length > 0) throw new Error(`cannot remove ${failures.join('; ')}`);
  }

  async start(req: ContainerStart): Promise<RunningContainer> {
    const bundle = bundleDir(req);
    const staged = this.staged.get(bundle);
    this.staged.delete(bundle);
    const { unpacked, rec } = await (staged ?? this.mountRootfs(req));
    let spec;
    try {
      spec = bundleConfig({
        ...req,
        image: { entrypoint: unpacked.config.Entrypoint, cmd: unpacked.config.Cmd, env: unpacked.config.Env, workingDir: unpacked.config.WorkingDir },
        rootfs: join(bundle, 'rootfs'),
        hostCapabilities: this.hostCaps,
      });
    } catch (err) {
      await removeBundle(this.deps.runner, bundle, rec);
      throw new CreateContainerError(err instanceof Error ? err.message : String(err), false);
    }
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
    return this.run(bundle, rec, req.logFile);
  }

  /**
   * Unpacks the container's image (once per image) and mounts a fresh writable layer over it as the bundle's root
   * filesystem, as a container runtime creates a new container: a bundle left by an earlier start goes first.
   */
  private async mountRootfs(req: Pick<ContainerStart, 'pod' | 'container'>): Promise<MountedRootfs> {
    const { runner, root, images } = this.deps;
    const image = req.container.image ?? '';
    const stored = images.find(image);
    if (!stored) throw new ImagePullError(pullErrorMessage(image, images.dir));
    const unpacked = await images.unpack(stored).catch((err: unknown) => {
      throw new CreateContainerError(`cannot unpack image "${image}": ${err instanceof Error ? err.message : String(err)}`);
    });
    const bundle = bundleDir(req);
    const rootfs = join(bundle, 'rootfs');
    const rec: BundleRecord = { root, id: runcId(req.pod.uid, req.container.name) };
    // A first start has no earlier bundle to remove, and spares runc's exec.
    if (existsSync(bundle)) await removeBundle(runner, bundle, rec);
    for (const d of ['upper', 'work', 'rootfs']) mkdirSync(join(bundle, d), { recursive: true });
    mkdirSync(root, { recursive: true });
    writeFileSync(join(bundle, recordFile), JSON.stringify(rec));
    const mounted = await runner.run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${unpacked.rootfs},upperdir=${join(bundle, 'upper')},workdir=${join(bundle, 'work')}`, rootfs], { allowFailure: true });
    if (mounted.code !== 0) {
      await removeBundle(runner, bundle, rec);
      throw new CreateContainerError(`cannot mount the container's root filesystem: ${mounted.stderr.trim()}`);
    }
    if (this.deps.exits) {
      const made = await runner.run('mkfifo', ['-m', '600', ...outputPaths(bundle)], { allowFailure: true });
      if (made.code !== 0) {
        await removeBundle(runner, bundle, rec);
        throw new CreateContainerError(`cannot make the container's output pipes: ${made.stderr.trim()}`);
      }
    }
    return { unpacked, rec };
  }

  /**
   * `runc run`, its output into the container's log. Detached (with an exit source), runc exits once the container
   * started, and leaves its stdout and stderr to the container; else it stays, and its exit is the container's.
   */
  private async run(bundle: string, rec: BundleRecord, logFile: string): Promise<RunningContainer> {
    const { runner, exits } = this.deps;
    let pipes;
    try {
      pipes = exits ? openOutputPipes(bundle) : undefined;
    } catch (err) {
      await removeBundle(runner, bundle, rec);
      throw new CreateContainerError(`cannot open the container's output pipes: ${err instanceof Error ? err.message : String(err)}`);
    }
    const pidFile = join(bundle, 'pid');
    const detach = exits ? ['--detach'] : [];
    const child = (this.deps.spawnRun ?? defaultSpawn)('runc', ['--root', rec.root, 'run', ...detach, '--bundle', bundle, '--pid-file', pidFile, rec.id], pipes?.fds);
    // The container holds the write ends now (runc passes them on): the log ends when it does.
    for (const fd of pipes?.fds ?? []) closeSync(fd);
    const [stdout, stderr] = pipes?.streams ?? [child.stdout, child.stderr];
    const runcExited = watchExit(child);
    let ended = false;
    void runcExited.then(() => (ended = true));
    const log = new ContainerLog(logFile);
    let early = '';
    const collect = (d: Buffer): void => {
      if (early.length < 64 * 1024) early += d.toString('utf8');
    };
    stderr?.on('data', collect);
    if (stdout) log.attach(stdout, 'stdout');
    if (stderr) log.attach(stderr, 'stderr');
    const timeoutMs = this.deps.startTimeoutMs ?? 60_000;
    const readPid = (): number => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim() || NaN) : NaN);
    const pid = exits ? await detachedPid(runcExited, readPid, timeoutMs) : await foregroundPid(() => ended, readPid, timeoutMs);
    if (pid === undefined) {
      if (!ended && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      await runcExited;
      // What runc said may still be on its way through the pipe.
      if (stderr && !stderr.closed) await Promise.race([once(stderr, 'close'), sleep(1000)]);
      await removeBundle(runner, bundle, rec);
      log.close();
      throw new CreateContainerError(ended ? runcMessage(early) : 'runc did not start the container in time');
    }
    stderr?.off('data', collect);
    const container = { pid, exited: exits ? exits.exitOf(pid) : runcExited, log };
    // Foreground: what is left of runc's process group goes when the container does not stop on runc's KILL.
    const kill = exits ? () => process.kill(pid, 'SIGKILL') : () => child.pid !== undefined && killGroup(child.pid, 'SIGKILL');
    return new RuncContainer(runner, bundle, rec, container, kill);
  }
}

const validPid = (pid: number): number | undefined => (Number.isInteger(pid) && pid > 0 ? pid : undefined);

/** Detached: `runc run --detach` exits 0 once the container runs, its pid in the pid file. */
async function detachedPid(runcExited: Promise<Exit>, readPid: () => number, timeoutMs: number): Promise<number | undefined> {
  const done = await Promise.race([runcExited, sleep(timeoutMs).then(() => undefined)]);
  return done?.code === 0 ? validPid(readPid()) : undefined;
}

/** Foreground: runc writes the pid file once the container runs, and stays. */
async function foregroundPid(ended: () => boolean, readPid: () => number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let pid = readPid();
  while (Number.isNaN(pid) && !ended() && Date.now() < deadline) {
    await sleep(5);
    pid = readPid();
  }
  return validPid(pid);
}

/** A container runc runs: its main process, how it ends, and its log. */
class RuncContainer implements RunningContainer {
  readonly startedAt = new Date();
  readonly pid: number;
  readonly exited: Promise<Exit>;
  readonly log: ContainerLog;
  private ended = false;

  constructor(
    private readonly runner: CommandRunner,
    private readonly bundle: string,
    private readonly rec: BundleRecord,
    started: { pid: number; exited: Promise<Exit>; log: ContainerLog },
    /** The last resort when runc's KILL did not stop it. */
    private readonly killHard: () => void,
  ) {
    this.pid = started.pid;
    this.exited = started.exited;
    this.log = started.log;
    void this.exited.then(() => (this.ended = true));
  }

  get id(): string {
    return `runc://${this.rec.id}`;
  }

  get running(): boolean {
    return !this.ended;
  }

  private kill(signal: string): Promise<unknown> {
    return this.runner.run('runc', ['--root', this.rec.root, 'kill', this.rec.id, signal], { allowFailure: true });
  }

  /** `runc kill TERM`, `runc kill KILL` after the grace period, then `runc delete --force`. */
  async stop(graceMs: number): Promise<Exit> {
    const within = (ms: number): Promise<Exit | undefined> => Promise.race([this.exited, sleep(ms).then(() => undefined)]);
    if (this.running) {
      await this.kill('TERM');
      if (!(await within(graceMs))) {
        await this.kill('KILL');
        if (!(await within(5000))) {
          try {
            this.killHard();
          } catch {
            // it ended meanwhile
          }
        }
      }
    }
    await this.runner.run('runc', ['--root', this.rec.root, 'delete', '--force', this.rec.id], { allowFailure: true, timeoutMs: 30_000 });
    return this.exited;
  }

  exec(command: readonly string[], tty: boolean): ContainerCommand {
    const argv = ['runc', '--root', this.rec.root, 'exec', this.rec.id, ...command];
    return { argv: tty ? ttyArgv(argv) : argv, env: baseEnv };
  }

  remove(): Promise<void> {
    return removeBundle(this.runner, this.bundle, this.rec);
  }
}

/** Removes the runc containers whose bundles a pod directory holds (after a kubelet crash). */
export async function removePodContainers(podDir: string, runner: CommandRunner): Promise<void> {
  const dir = join(podDir, 'containers');
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, recordFile);
    if (!existsSync(file)) continue;
    await removeBundle(runner, join(dir, name), JSON.parse(readFileSync(file, 'utf8')) as BundleRecord);
  }
}

/** Removes every container of a runc state directory, then the directory. */
export async function removeRuncRoot(root: string, runner: CommandRunner): Promise<void> {
  if (!existsSync(root)) return;
  const list = await runner.run('runc', ['--root', root, 'list', '-q'], { allowFailure: true });
  for (const id of list.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
    await runner.run('runc', ['--root', root, 'delete', '--force', id], { allowFailure: true, timeoutMs: 30_000 });
  }
  rmSync(root, { recursive: true, force: true });
}
