/** Pod and container status as the kubelet reports it (plain JSON for PATCH .../status). */

export interface Terminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
}

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: Terminated };

/** What the runtime knows about one container. */
export interface ContainerView {
  name: string;
  image: string;
  state: ContainerState;
  lastTerminated?: Terminated | undefined;
  ready: boolean;
  restartCount: number;
  containerId?: string | undefined;
}

export interface PodView {
  restartPolicy: string;
  hostIp: string;
  podIp?: string | undefined;
  startTime?: string | undefined;
  /** Network and pause process are up. */
  sandboxReady: boolean;
  /** Every init container completed. */
  initialized: boolean;
  initContainers: ContainerView[];
  containers: ContainerView[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

export interface PodStatusBody {
  phase: string;
  conditions: Condition[];
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses: object[];
  initContainerStatuses?: object[];
}

export type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** The pod phase from its containers, following the kubelet's getPhase. */
export function podPhase(view: PodView): Phase {
  if (!view.initialized) {
    const failedInit = view.initContainers.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0);
    return failedInit && view.restartPolicy === 'Never' ? 'Failed' : 'Pending';
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of view.containers) {
    if ('running' in c.state) running++;
    else if ('terminated' in c.state) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastTerminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (view.restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return view.restartPolicy === 'OnFailure' ? 'Running' : 'Failed';
  }
  return 'Pending';
}

function containerStatus(c: ContainerView): object {
  const running = 'running' in c.state;
  return {
    name: c.name,
    image: c.image,
    imageID: '',
    ...(c.containerId ? { containerID: c.containerId } : {}),
    ready: c.ready && running,
    started: running,
    restartCount: c.restartCount,
    state: c.state,
    lastState: c.lastTerminated ? { terminated: c.lastTerminated } : {},
  };
}

function condition(type: string, ok: boolean, now: string, previous: readonly Condition[], reason?: string): Condition {
  const status = ok ? 'True' : 'False';
  const prev = previous.find((p) => p.type === type);
  return {
    type,
    status,
    ...(reason && !ok ? { reason } : {}),
    lastProbeTime: null,
    lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : now,
  };
}

/** The status body for PATCH .../status; condition transition times carry over from `previous` while unchanged. */
export function buildPodStatus(view: PodView, previous: readonly Condition[], now: string): PodStatusBody {
  const phase = podPhase(view);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const containersReady = view.containers.every((c) => c.ready && 'running' in c.state);
  const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const body: PodStatusBody = {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', view.sandboxReady, now, previous),
      condition('Initialized', view.initialized || terminal, now, previous, 'ContainersNotInitialized'),
      condition('Ready', containersReady, now, previous, readyReason),
      condition('ContainersReady', containersReady, now, previous, readyReason),
      condition('PodScheduled', true, now, previous),
    ],
    hostIP: view.hostIp,
    hostIPs: [{ ip: view.hostIp }],
    containerStatuses: view.containers.map(containerStatus),
  };
  if (view.podIp) {
    body.podIP = view.podIp;
    body.podIPs = [{ ip: view.podIp }];
  }
  if (view.startTime) body.startTime = view.startTime;
  if (view.initContainers.length > 0) body.initContainerStatuses = view.initContainers.map(containerStatus);
  return body;
}
