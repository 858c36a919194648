import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { retry, type CommandRunner } from '../../../net/command.js';
import type { ApiTokenSource } from './config-source.js';
import { textLookup } from './config-source.js';
import { ContainerRunner, type ContainerHost } from './container.js';
import { runtimeEnv, type ContainerRuntime, type ContainerStart } from './container-runtime.js';
import { containerEnv, expandCommand, kubernetesServiceEnv } from './env.js';
import type { ExecTarget } from '../server/exec-session.js';
import { isConflict, type KubeApi } from '../kube-client.js';
import { errorText, type KubeletLog } from '../log.js';
import type { ContainerLog } from './logs.js';
import { PodSandbox, type SandboxDeps } from './sandbox.js';
import type { PreparedVolume } from './volumes.js';
import type { PodMount } from './sandbox-plan.js';
import { buildPodStatus, type Condition, type ContainerView, type PodStatusBody, type PodView } from './status.js';
import { StatusWriter } from './status-writer.js';

/** Everything a pod needs from its node. */
export interface PodDeps extends SandboxDeps {
  api: KubeApi;
  runner: CommandRunner;
  runtime: ContainerRuntime;
  tokens: ApiTokenSource;
  kubernetesService: () => Promise<{ host: string; port: number }>;
  /** Where kube-proxy reaches the apiserver before any Service works. */
  apiserverInternal: { host: string; port: number };
  log: KubeletLog;
}

/** What the node records about a running pod, so that a restarted kubelet can clean up after a crash. */
export interface PodRecord {
  uid: string;
  pids: number[];
  netns?: string | undefined;
}

const retryMs = 3000;
const refreshMs = 10_000;

class Aborted extends Error {}

/** One pod bound to this node, from sandbox creation to deletion. */
export class PodWorker {
  pod: V1Pod;
  readonly uid: string;
  readonly dir: string;
  private readonly sandbox: PodSandbox;
  private readonly inits: ContainerRunner[] = [];
  private readonly runners = new Map<string, ContainerRunner>();
  private initialized = false;
  private startError: string | undefined;
  private readonly startTime: string;
  private readonly abort = new AbortController();
  private startup: Promise<void> | undefined;
  private ending: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly status: StatusWriter<PodStatusBody>;
  private conditions: Condition[];

  constructor(
    private readonly deps: PodDeps,
    pod: V1Pod,
  ) {
    this.pod = pod;
    this.uid = pod.metadata?.uid ?? '';
    this.dir = join(deps.nodeDir, 'pods', this.uid);
    this.sandbox = new PodSandbox(deps, pod, this.dir);
    this.startTime = (pod.status?.startTime as unknown as string | undefined) ?? new Date().toISOString();
    this.conditions = ((pod.status?.conditions ?? []) as unknown as Condition[]).map((c) => ({ ...c }));
    this.status = new StatusWriter({
      snapshot: () => {
        this.record();
        return buildPodStatus(this.view(), this.conditions, new Date().toISOString());
      },
      write: (body) => this.deps.api.patch(`${this.path}/status`, { status: body }, 'merge').then(() => undefined),
      landed: (body) => {
        this.conditions = body.conditions;
        if ((body.phase === 'Succeeded' || body.phase === 'Failed') && this.ending === undefined) void this.complete();
      },
      failed: (err) => this.deps.log.warn('cannot post pod status, retrying', { pod: this.ref, error: errorText(err) }),
      retryMs,
    });
  }

  get namespace(): string {
    return this.pod.metadata?.namespace ?? 'default';
  }

  get name(): string {
    return this.pod.metadata?.name ?? '';
  }

  private get ref(): string {
    return `${this.namespace}/${this.name}`;
  }

  private get restartPolicy(): string {
    return this.pod.spec?.restartPolicy ?? 'Always';
  }

  private get containers(): ContainerRunner[] {
    return [...this.inits, ...this.runners.values()];
  }

  start(): void {
    this.startup = this.run().catch((err: unknown) => {
      if (!(err instanceof Aborted)) this.deps.log.error('pod failed to start', { pod: this.ref, error: errorText(err) });
    });
  }

  update(pod: V1Pod): void {
    this.pod = pod;
    if (pod.metadata?.deletionTimestamp) void this.terminate();
  }

  /** Runs a start-up step until it succeeds; the pod shows the last failure while it waits. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.abort.signal.aborted) throw new Aborted();
      try {
        const v = await fn();
        this.startError = undefined;
        if (this.abort.signal.aborted) throw new Aborted();
        return v;
      } catch (err) {
        if (err instanceof Aborted) throw err;
        const message = `cannot ${what}: ${errorText(err)}`;
        if (message !== this.startError) this.deps.log.warn(message, { pod: this.ref });
        this.startError = message;
        this.changed();
        await sleep(retryMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }

  private async run(): Promise<void> {
    const { runtime } = this.deps;
    // The containers' root filesystems get ready while the pod's network and volumes are set up.
    const pod = { namespace: this.namespace, name: this.name, uid: this.uid, dir: this.dir };
    const all = [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])];
    const staging = Promise.all(all.map((container) => runtime.stage?.({ pod, container }) ?? Promise.resolve()));
    try {
      await this.startPod(await this.preparePod());
    } finally {
      await staging;
    }
  }

  /** The pod's network and volumes, then its files. */
  private async preparePod(): Promise<{ volumes: Map<string, PreparedVolume>; mounts: PodMount[] }> {
    const { sandbox } = this;
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    this.changed();
    await this.retrying('set up the pod network', () => sandbox.attachNetwork());
    this.record();
    this.changed();
    const volumes = await this.retrying('mount volumes', () => sandbox.prepareVolumes());
    const mounts = await this.retrying('write the pod files', async () => sandbox.writeFiles(volumes));
    return { volumes, mounts };
  }

  /**
   * Starts the pod sandbox, and the containers in order once the init containers completed. Containers that
   * need nothing of a pause process (each in mount and PID namespaces of its own) start beside the sandbox.
   */
  private async startPod({ volumes, mounts }: { volumes: Map<string, PreparedVolume>; mounts: PodMount[] }): Promise<void> {
    const { sandbox } = this;
    const { runtime } = this.deps;
    const sharePid = runtime.kind === 'runc' && this.pod.spec?.shareProcessNamespace === true;
    const sandboxUp = this.retrying('start the pod sandbox', () => sandbox.start(mounts, { podMounts: runtime.podMounts, sharePid })).then(() => {
      this.record();
      this.changed();
      this.refreshTimer = setInterval(() => {
        sandbox.refreshVolumes().catch((err: unknown) => this.deps.log.debug('volume refresh failed', { pod: this.ref, error: errorText(err) }));
      }, refreshMs);
    });
    sandboxUp.catch(() => undefined); // awaited below, after the containers started
    if (runtime.podMounts || sharePid) await sandboxUp;
    try {
      await this.startContainers(volumes);
    } finally {
      await sandboxUp;
    }
  }

  private async startContainers(volumes: Map<string, PreparedVolume>): Promise<void> {
    const host = this.containerHost(volumes);
    for (const c of this.pod.spec?.initContainers ?? []) {
      if (this.abort.signal.aborted) return;
      const r = new ContainerRunner(c, host, true);
      this.inits.push(r);
      r.start();
      const t = await Promise.race([r.finished, this.aborted()]);
      if (t === undefined || t.exitCode !== 0) return;
    }
    if (this.abort.signal.aborted) return;
    this.initialized = true;
    for (const c of this.pod.spec?.containers ?? []) {
      const r = new ContainerRunner(c, host, false);
      this.runners.set(c.name, r);
      r.start();
    }
    this.changed();
  }

  private aborted(): Promise<undefined> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) resolve(undefined);
      this.abort.signal.addEventListener('abort', () => resolve(undefined));
    });
  }

  private containerHost(volumes: ReadonlyMap<string, PreparedVolume>): ContainerHost {
    const { deps } = this;
    return {
      restartPolicy: this.restartPolicy,
      runtime: deps.runtime,
      runner: deps.runner,
      log: deps.log,
      pausePid: () => this.sandbox.pause?.pid ?? 0,
      podIp: () => this.sandbox.ip ?? '',
      logFile: (name) => this.logFile(name),
      changed: () => this.changed(),
      prepare: (c) => this.prepare(c, volumes),
    };
  }

  /** What the runtime needs to start a container: its environment, command and the pod's namespaces and files. */
  private async prepare(c: V1Container, volumes: ReadonlyMap<string, PreparedVolume>): Promise<ContainerStart> {
    const { deps, sandbox } = this;
    const svc = await deps.kubernetesService();
    const base = { HOSTNAME: sandbox.hostNetwork ? deps.node.name : this.name, ...kubernetesServiceEnv(svc.host, svc.port) };
    const env = await containerEnv(this.pod, c, sandbox.facts(), textLookup(deps.config), base);
    const { command, args } = expandCommand(c, env);
    return {
      pod: { namespace: this.namespace, name: this.name, uid: this.uid, dir: this.dir },
      hostname: sandbox.hostname,
      container: c,
      command,
      args,
      env: runtimeEnv(c.image ?? '', env, deps.apiserverInternal),
      podIp: sandbox.ip ?? '',
      netnsPath: sandbox.netnsPath ?? '',
      pausePid: sandbox.pause?.pid ?? 0,
      pidNamespacePath: sandbox.pidNamespacePath,
      volumes,
      podFiles: sandbox.files,
      logFile: this.logFile(c.name),
    };
  }

  private view(): PodView {
    const waiting = (c: V1Container, reason: string): ContainerView => ({
      name: c.name,
      image: c.image ?? '',
      state: { waiting: this.startError ? { reason, message: this.startError } : { reason } },
      ready: false,
      restartCount: 0,
    });
    const inits = this.pod.spec?.initContainers ?? [];
    const pendingReason = inits.length > 0 && !this.initialized ? 'PodInitializing' : 'ContainerCreating';
    return {
      restartPolicy: this.restartPolicy,
      hostIp: this.deps.node.ip,
      podIp: this.sandbox.ip,
      startTime: this.startTime,
      sandboxReady: this.sandbox.ready,
      initialized: this.initialized || inits.length === 0,
      initContainers: inits.map((c) => this.inits.find((r) => r.spec.name === c.name)?.view ?? waiting(c, 'ContainerCreating')),
      containers: (this.pod.spec?.containers ?? []).map((c) => this.runners.get(c.name)?.view ?? waiting(c, pendingReason)),
    };
  }

  /** Something in the pod changed: post its status soon (retried until it lands). */
  changed(): void {
    this.status.changed();
  }

  private get path(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(this.name)}`;
  }

  /** A pod that completed keeps its status and logs; its processes and network go. */
  private async complete(): Promise<void> {
    if (!this.sandbox.ready) return;
    await Promise.all(this.containers.map((r) => r.stop(0)));
    await this.teardown(true);
    this.changed();
  }

  private async teardown(release: boolean): Promise<void> {
    clearInterval(this.refreshTimer);
    await this.deps.runtime.unstage?.(this.dir).catch((err: unknown) => {
      this.deps.log.warn('cannot remove the root filesystems of containers that did not start', { pod: this.ref, error: errorText(err) });
    });
    await this.sandbox.teardown(release).catch((err: unknown) => {
      this.deps.log.warn('cannot remove the pod sandbox', { pod: this.ref, error: errorText(err) });
    });
    this.deps.tokens.forget(this.uid);
  }

  private async stopAll(graceMs: number): Promise<void> {
    this.abort.abort();
    await this.startup;
    await Promise.all(this.containers.map((r) => r.stop(graceMs)));
  }

  /** Graceful deletion: stop the containers within the grace period, tear down, confirm with a grace-0 DELETE. */
  terminate(): Promise<void> {
    this.ending ??= (async () => {
      const seconds = Math.min(this.pod.metadata?.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30, 10);
      await this.stopAll(seconds * 1000);
      await this.teardown(true);
      this.closeStatus();
      // The confirming DELETE is tried again until it lands: without it the pod stays Terminating for good. A
      // conflict means the name belongs to a new pod already (the uid precondition), so this one is gone.
      const confirm = (): Promise<void> =>
        this.deps.api.delete(this.path, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: this.uid } }).catch((err: unknown) => {
          if (!isConflict(err)) throw err;
        });
      const retrying = (err: unknown): boolean => {
        this.deps.log.warn('cannot delete pod, retrying', { pod: this.ref, error: errorText(err) });
        return true;
      };
      await retry(confirm, { tries: 20, delayMs: retryMs, retryIf: retrying }).catch((err: unknown) => this.deps.log.warn('cannot delete pod', { pod: this.ref, error: errorText(err) }));
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.ending;
  }

  /** The pod object is gone: stop and remove everything. */
  gone(): Promise<void> {
    this.ending ??= (async () => {
      this.closeStatus();
      await this.stopAll(1000);
      await this.teardown(true);
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.ending;
  }

  /** The kubelet stops: stop the pod's processes and remove its namespaces; the Pod object and its address stay. */
  shutdown(): Promise<void> {
    this.ending ??= (async () => {
      this.closeStatus();
      await this.stopAll(2000);
      await this.teardown(false);
    })();
    return this.ending;
  }

  private closeStatus(): void {
    this.status.close();
  }

  private record(): void {
    const pids = [this.sandbox.pause?.pid, ...this.containers.map((r) => r.process?.pid)].filter((p): p is number => p !== undefined);
    const rec: PodRecord = { uid: this.uid, pids, netns: this.sandbox.netns };
    try {
      writeFileSync(join(this.dir, 'pod.json'), JSON.stringify(rec));
    } catch {
      // the pod directory is already gone
    }
  }

  /** The running container to exec into, or why there is none. */
  execTarget(container: string): ExecTarget | string {
    const r = this.runnerOf(container);
    if (!r) return `container ${container} is not valid for pod ${this.name}`;
    const proc = r.process;
    // A container entered through the pause process's namespaces needs it; runc's exec does not.
    if (!proc?.running || (this.deps.runtime.podMounts && !this.sandbox.pause)) return `container ${r.spec.name} is not running`;
    return { command: (command, tty) => proc.exec(command, tty) };
  }

  private runnerOf(container: string): ContainerRunner | undefined {
    const name = container || this.pod.spec?.containers[0]?.name || '';
    return this.runners.get(name) ?? this.inits.find((r) => r.spec.name === name);
  }

  liveLog(container: string): ContainerLog | undefined {
    const log = this.runnerOf(container)?.process?.log;
    return log && !log.closed ? log : undefined;
  }

  logFile(container: string): string {
    return join(this.dir, 'logs', `${container}.log`);
  }

  hasContainer(container: string): boolean {
    return [...(this.pod.spec?.containers ?? []), ...(this.pod.spec?.initContainers ?? [])].some((c) => c.name === container);
  }
}
