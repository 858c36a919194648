import type { RuntimeKind } from '../../topology.js';
import type { BundleInput } from './bundle.js';
import { kubernetesServiceEnv } from './env.js';
import { imageRepository, resolveImage, type ImageHost } from './images.js';
import type { ContainerLog } from './logs.js';
import { ContainerProcess, type Exit } from './runtime.js';


/**
 * Everything a runtime needs to start one container of a pod: what its bundle is made from (the image and root
 * filesystem aside), the pod's directory, address and pause process, and the container's log.
 */
export interface ContainerStart
  extends Pick<BundleInput, 'container' | 'command' | 'args' | 'env' | 'hostname' | 'netnsPath' | 'pidNamespacePath' | 'volumes' | 'podFiles'> {
  pod: BundleInput['pod'] & { dir: string };
  podIp: string;
  /** The pod's pause process (its mount and UTS namespaces). */
  pausePid: number;
  logFile: string;
}

/** A command run inside a running container: the host argv and its environment. */
export interface ContainerCommand {
  argv: string[];
  env: Record<string, string>;
}

/** One started container. */
export interface RunningContainer {
  /** The containerID the pod status reports (`runc://<id>`, `sandbox://<pid>`). */
  readonly id: string;
  /** The container's main process on the host. */
  readonly pid: number;
  readonly startedAt: Date;
  readonly exited: Promise<Exit>;
  readonly log: ContainerLog;
  readonly running: boolean;
  /** SIGTERM, SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<Exit>;
  /** How to run `command` inside the container (exec, exec probes); `tty` gives it a terminal. */
  exec(command: readonly string[], tty: boolean): ContainerCommand;
  /** After exit: removes what the runtime kept for the container (its state, root filesystem, bundle). */
  remove(): Promise<void>;
}

/** The image is not available: the pod shows ErrImagePull, then ImagePullBackOff. */
export class ImagePullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImagePullError';
  }
}

/** The container cannot be created (CreateContainerError); `retry` when another attempt may succeed. */
export class CreateContainerError extends Error {
  constructor(
    message: string,
    readonly retry = true,
  ) {
    super(message);
    this.name = 'CreateContainerError';
  }
}

export interface ContainerRuntime {
  readonly kind: RuntimeKind;
  /**
   * Whether the pod's pause process mounts the containers' volumes in its mount namespace (containers that
   * enter it see them); a runtime giving each container its own mount namespace mounts them itself.
   */
  readonly podMounts: boolean;
  /** Starts one container; throws ImagePullError or CreateContainerError when it cannot. */
  start(req: ContainerStart): Promise<RunningContainer>;
  /**
   * Gets a container's root filesystem ready ahead of its start, while the pod's network and volumes are set up;
   * never fails (start reports what went wrong). Resolves when done.
   */
  stage?(req: Pick<ContainerStart, 'pod' | 'container'>): Promise<void>;
  /** Removes what `stage` made for the pod's containers that did not start. */
  unstage?(podDir: string): Promise<void>;
}

/** The runtime of host processes: each image maps to a program of the host, run in the pod's namespaces. */
export class ProcessRuntime implements ContainerRuntime {
  readonly kind = 'process';
  readonly podMounts = true;

  constructor(private readonly images: ImageHost) {}

  start(req: ContainerStart): Promise<RunningContainer> {
    const c = req.container;
    const ports = (c.ports ?? []).map((p) => p.containerPort);
    const run = resolveImage({ image: c.image ?? '', command: req.command, args: req.args, ports, podName: req.pod.name, podIp: req.podIp }, this.images);
    if (run.kind === 'pull-error') return Promise.reject(new ImagePullError(run.message));
    if (run.kind === 'config-error') return Promise.reject(new CreateContainerError(run.message, false));
    try {
      return Promise.resolve(ContainerProcess.start({ pausePid: req.pausePid, argv: run.argv, env: req.env, workingDir: c.workingDir }, req.logFile));
    } catch (err) {
      return Promise.reject(new CreateContainerError(err instanceof Error ? err.message : String(err)));
    }
  }
}

const kubeProxyRepository = 'registry.k8s.io/kube-proxy';

/**
 * The container's environment as the runtime receives it: kube-proxy reaches the apiserver directly (it
 * programs the Services that the in-cluster address needs), whichever runtime runs it.
 */
export function runtimeEnv(image: string, env: Record<string, string>, apiserver: { host: string; port: number }): Record<string, string> {
  if (imageRepository(image) !== kubeProxyRepository) return env;
  return { ...env, ...kubernetesServiceEnv(apiserver.host, apiserver.port) };
}
