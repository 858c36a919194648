import { existsSync, renameSync, rmSync } from 'node:fs';
import type { V1Container } from '@kubernetes/client-node';
import type { CommandRunner } from '../../../net/command.js';
import { CreateContainerError, ImagePullError, type ContainerRuntime, type ContainerStart, type RunningContainer } from './container-runtime.js';
import { ContainerConfigError } from './env.js';
import { errorText, type KubeletLog } from '../log.js';
import type { ContainerView, Terminated } from './status.js';
import { Prober, runProbe } from './probes.js';
import { exitCode } from './runtime.js';

/** What a container needs from its pod. */
export interface ContainerHost {
  restartPolicy: string;
  runtime: ContainerRuntime;
  /** What the runtime needs to start the container; throws ContainerConfigError while a referenced object is missing. */
  prepare(c: V1Container): Promise<ContainerStart>;
  pausePid(): number;
  podIp(): string;
  logFile(container: string): string;
  changed(): void;
  runner: CommandRunner;
  log: KubeletLog;
}

const backoffBaseMs = 2000;
const backoffMaxMs = 60_000;
/** A container that ran this long restarts without backoff. */
const stableMs = 60_000;
const configRetryMs = 5000;
const pullBackoffMs = 5000;
/** An image that was not in the store is looked up again after this long (it may have been loaded since). */
const pullRetryMs = 20_000;

const now = (): string => new Date().toISOString();

/** One container of a pod: starts it, restarts it per restartPolicy with backoff, probes it, stops it. */
export class ContainerRunner {
  readonly view: ContainerView;
  process: RunningContainer | undefined;
  env: Record<string, string> = {};
  /** The pod's network namespace, where network probes run. */
  private netnsPath = '';
  private stopped = false;
  /** The runtime's start in progress. */
  private starting: Promise<RunningContainer> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probers: Prober[] = [];
  private failures = 0;
  private settle!: (t: Terminated) => void;
  /** Resolves when the container has terminated for good (no restart follows). */
  readonly finished = new Promise<Terminated>((resolve) => (this.settle = resolve));

  constructor(
    readonly spec: V1Container,
    private readonly host: ContainerHost,
    private readonly init: boolean,
  ) {
    this.view = { name: spec.name, image: spec.image ?? '', state: { waiting: { reason: 'ContainerCreating' } }, ready: false, restartCount: 0 };
  }

  start(): void {
    void this.attempt();
  }

  private setWaiting(reason: string, message?: string): void {
    this.view.state = { waiting: message ? { reason, message } : { reason } };
    this.view.ready = false;
    this.host.changed();
  }

  private retry(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.attempt(), ms);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    let start: ContainerStart;
    try {
      start = await this.host.prepare(this.spec);
    } catch (err) {
      const reason = err instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError';
      this.setWaiting(reason, errorText(err));
      this.retry(configRetryMs);
      return;
    }
    if (this.stopped) return;
    this.env = start.env;
    this.netnsPath = start.netnsPath;
    let proc: RunningContainer;
    try {
      this.starting = this.host.runtime.start(start);
      proc = await this.starting;
    } catch (err) {
      if (err instanceof ImagePullError) {
        this.setWaiting('ErrImagePull', err.message);
        this.timer = setTimeout(() => {
          this.setWaiting('ImagePullBackOff', `Back-off pulling image "${this.view.image}": ${err.message}`);
          this.retry(pullRetryMs);
        }, pullBackoffMs);
        return;
      }
      this.setWaiting('CreateContainerError', errorText(err));
      if (!(err instanceof CreateContainerError) || err.retry) this.retry(configRetryMs);
      return;
    }
    // Stopped while it started: stop() removes it.
    if (this.stopped) return;
    this.process = proc;
    this.view.containerId = proc.id;
    this.view.state = { running: { startedAt: proc.startedAt.toISOString() } };
    this.view.ready = this.init || !this.spec.readinessProbe;
    this.startProbes(proc);
    this.host.changed();
    const exit = await proc.exited;
    proc.log.close();
    this.stopProbes();
    await proc.remove().catch((err: unknown) => this.host.log.warn('cannot remove the container', { container: this.spec.name, error: errorText(err) }));
    const code = exitCode(exit);
    const terminated: Terminated = {
      exitCode: code,
      reason: code === 0 ? 'Completed' : 'Error',
      startedAt: proc.startedAt.toISOString(),
      finishedAt: now(),
    };
    const policy = this.host.restartPolicy;
    const restart = !this.stopped && (this.init ? code !== 0 && policy !== 'Never' : policy === 'Always' || (policy === 'OnFailure' && code !== 0));
    if (!restart) {
      this.view.state = { terminated };
      this.view.ready = false;
      this.host.changed();
      this.settle(terminated);
      return;
    }
    const ran = Date.now() - proc.startedAt.getTime();
    this.failures = ran >= stableMs ? 0 : this.failures + 1;
    const delay = this.failures === 0 ? 0 : Math.min(backoffMaxMs, backoffBaseMs * 2 ** (this.failures - 1));
    this.view.lastTerminated = terminated;
    this.setWaiting('CrashLoopBackOff', `back-off ${Math.round(delay / 1000)}s restarting failed container=${this.spec.name}`);
    this.host.log.info('container exited, restarting', { container: this.spec.name, exitCode: code, delayMs: delay });
    this.timer = setTimeout(() => {
      this.view.restartCount++;
      this.keepPreviousLog();
      void this.attempt();
    }, delay);
  }

  private keepPreviousLog(): void {
    const file = this.host.logFile(this.spec.name);
    if (existsSync(file)) renameSync(file, `${file}.prev`);
    rmSync(`${file}.1`, { force: true });
  }

  private startProbes(proc: RunningContainer): void {
    const target = () => ({
      pausePid: this.host.pausePid(), netnsPath: this.netnsPath, podIp: this.host.podIp(), env: this.env, ports: this.spec.ports ?? [],
      exec: (argv: readonly string[]) => proc.exec(argv, false).argv,
    });
    const check = (p: NonNullable<V1Container['readinessProbe']>) => () => runProbe(this.host.runner, p, target());
    const readiness = this.spec.readinessProbe;
    if (readiness && !this.init) {
      const prober = new Prober(readiness, check(readiness), (ok) => {
        this.view.ready = ok;
        this.host.changed();
      }, false);
      this.probers.push(prober);
      prober.start();
    }
    const liveness = this.spec.livenessProbe;
    if (liveness && !this.init) {
      const prober = new Prober(liveness, check(liveness), (ok) => {
        if (ok) return;
        this.host.log.info('liveness probe failed, restarting container', { container: this.spec.name });
        void proc.stop(Math.min((liveness.terminationGracePeriodSeconds ?? 10) * 1000, 10_000));
      }, true);
      this.probers.push(prober);
      prober.start();
    }
  }

  private stopProbes(): void {
    for (const p of this.probers) p.stop();
    this.probers = [];
  }

  /** Stops the container for good: SIGTERM, SIGKILL after graceMs; no restart follows. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stopProbes();
    const started = await this.starting?.catch(() => undefined);
    if (started && started !== this.process) {
      await started.stop(0);
      await started.remove().catch(() => undefined);
      started.log.close();
    }
    const proc = this.process;
    if (proc?.running) {
      await proc.stop(graceMs);
      await this.finished;
    } else if (!('terminated' in this.view.state)) {
      this.view.state = { terminated: this.view.lastTerminated ?? { exitCode: 0, reason: 'Completed', finishedAt: now() } };
      this.view.ready = false;
      this.settle(this.view.state.terminated);
    }
  }
}
