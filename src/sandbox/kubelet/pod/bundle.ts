import { posix } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import type { PreparedVolume } from './volumes.js';

/** What an image says about how to run it (the `config` of an OCI image config). */
export interface ImageProcess {
  entrypoint?: string[] | undefined;
  cmd?: string[] | undefined;
  env?: string[] | undefined;
  workingDir?: string | undefined;
}

/** Everything a container's OCI runtime bundle is made from. */
export interface BundleInput {
  pod: { namespace: string; name: string; uid: string };
  /** The container as the pod spec gives it; command and args already `$(VAR)`-expanded. */
  container: V1Container;
  command: readonly string[];
  args: readonly string[];
  /** The container's environment, as the kubelet computed it (pod env, downward API, Service variables). */
  env: Record<string, string>;
  image: ImageProcess;
  /** The unpacked root filesystem (an overlay over the image's layers). */
  rootfs: string;
  hostname: string;
  /** The network namespace to join: the pod's, or the node's for hostNetwork pods. */
  netnsPath: string;
  /** The pod's PID namespace when its containers share one (`shareProcessNamespace`). */
  pidNamespacePath?: string | undefined;
  /** The pod's volumes on the host, by name. */
  volumes: ReadonlyMap<string, PreparedVolume>;
  /** Files the kubelet gives every container: /etc/resolv.conf, /etc/hosts, /etc/hostname. */
  podFiles: { resolvConf: string; hosts: string; hostname: string };
  /** The capabilities the kubelet holds (its bounding set): a privileged container gets these; default: all. */
  hostCapabilities?: readonly string[] | undefined;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** The subset of the OCI runtime spec the sandbox writes. */
export interface OciRuntimeSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<'bounding' | 'effective' | 'permitted', string[]>;
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    namespaces: { type: string; path?: string }[];
    resources: { devices: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[] };
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

/** The capabilities a container runtime (containerd, CRI-O) grants by default. */
export const defaultCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Every capability of Linux 6.x, in number order. */
export const allCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Paths a non-privileged container cannot read (containerd's defaults). */
const maskedPaths = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
];
const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** A capability name from a pod spec (`NET_ADMIN` or `CAP_NET_ADMIN`, any case) as the runtime spells it. */
export function capabilityName(name: string): string {
  const upper = name.toUpperCase();
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (upper === 'ALL') return 'ALL';
  if (!allCapabilities.includes(full)) throw new BundleError(`capability "${name}" is not a Linux capability: use a name such as NET_ADMIN`);
  return full;
}

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** The capability names of a mask as /proc/PID/status shows it (`CapBnd:\t000001fffeffffff`). */
export function capabilitiesOfMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return allCapabilities.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** The container's capabilities: the runtime's defaults, plus `add`, minus `drop`; every one when privileged. */
export function containerCapabilities(c: V1Container, host: readonly string[] = allCapabilities): string[] {
  const known = allCapabilities.filter((cap) => host.includes(cap));
  const sc = c.securityContext;
  if (sc?.privileged) return known;
  const add = (sc?.capabilities?.add ?? []).map(capabilityName);
  const drop = (sc?.capabilities?.drop ?? []).map(capabilityName);
  const base = add.includes('ALL') ? known : [...defaultCapabilities, ...add];
  const set = drop.includes('ALL') ? add.filter((a) => a !== 'ALL') : base.filter((cap) => !drop.includes(cap));
  return known.filter((cap) => set.includes(cap));
}

/** The process argv, as Kubernetes combines the container's command/args with the image's entrypoint/cmd. */
export function containerArgv(command: readonly string[], args: readonly string[], image: ImageProcess): string[] {
  if (command.length > 0) return [...command, ...args];
  const argv = [...(image.entrypoint ?? []), ...(args.length > 0 ? args : (image.cmd ?? []))];
  if (argv.length === 0) throw new BundleError('the container has no command and its image no entrypoint or cmd: set command in the pod spec');
  return argv;
}

/** The image's environment overlaid by the container's, image order first. */
export function containerEnvList(image: readonly string[] | undefined, env: Record<string, string>): string[] {
  const merged = new Map<string, string>();
  for (const e of image ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) merged.set(e.slice(0, eq), e.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(env)) merged.set(k, v);
  return [...merged].map(([k, v]) => `${k}=${v}`);
}

function bind(source: string, destination: string, readOnly: boolean): OciMount {
  return { destination, type: 'bind', source, options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] };
}

/** The container's volume mounts on the host's prepared volumes, subPath resolved. */
export function volumeMounts(c: V1Container, volumes: ReadonlyMap<string, PreparedVolume>): OciMount[] {
  return (c.volumeMounts ?? []).map((vm) => {
    const vol = volumes.get(vm.name);
    if (!vol) throw new BundleError(`container ${c.name} mounts volume "${vm.name}", which the pod does not define`);
    if (!posix.isAbsolute(vm.mountPath)) throw new BundleError(`mountPath "${vm.mountPath}" of container ${c.name} is not absolute: use a path starting with /`);
    if (vm.subPathExpr) throw new BundleError(`volumeMount ${vm.name} of container ${c.name} uses subPathExpr, which the sandbox does not support: use subPath`);
    const sub = vm.subPath ? posix.normalize(vm.subPath) : '';
    if (sub.startsWith('..') || posix.isAbsolute(sub)) throw new BundleError(`subPath "${vm.subPath ?? ''}" of volumeMount ${vm.name} leaves the volume: use a relative path inside it`);
    return bind(sub ? posix.join(vol.path, sub) : vol.path, vm.mountPath, vm.readOnly === true);
  });
}

/** The OCI runtime spec (`config.json`) of one container of a pod, as runc runs it. */
export function bundleConfig(input: BundleInput): OciRuntimeSpec {
  const c = input.container;
  const privileged = c.securityContext?.privileged === true;
  const caps = containerCapabilities(c, input.hostCapabilities);
  const system: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
    { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755'] },
  ];
  // TUN devices for wireguard-go and strongSwan's kernel-libipsec, as a privileged container sees the host's /dev.
  if (privileged) system.push(bind('/dev/net/tun', '/dev/net/tun', false));
  const pod: OciMount[] = [
    bind(input.podFiles.resolvConf, '/etc/resolv.conf', false),
    bind(input.podFiles.hosts, '/etc/hosts', false),
    bind(input.podFiles.hostname, '/etc/hostname', false),
  ];
  const namespaces: OciRuntimeSpec['linux']['namespaces'] = [
    input.pidNamespacePath ? { type: 'pid', path: input.pidNamespacePath } : { type: 'pid' },
    { type: 'network', path: input.netnsPath },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
  ];
  const spec: OciRuntimeSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: containerArgv(input.command, input.args, input.image),
      env: containerEnvList(input.image.env, input.env),
      cwd: c.workingDir || input.image.workingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: c.securityContext?.allowPrivilegeEscalation === false,
    },
    root: { path: input.rootfs, readonly: c.securityContext?.readOnlyRootFilesystem === true },
    hostname: input.hostname.slice(0, 63),
    mounts: [...system, ...pod, ...volumeMounts(c, input.volumes)],
    annotations: {
      'io.kubernetes.pod.namespace': input.pod.namespace,
      'io.kubernetes.pod.name': input.pod.name,
      'io.kubernetes.pod.uid': input.pod.uid,
      'io.kubernetes.container.name': c.name,
    },
    linux: {
      namespaces,
      resources: { devices: privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }] },
    },
  };
  if (!privileged) {
    spec.linux.maskedPaths = maskedPaths;
    spec.linux.readonlyPaths = readonlyPaths;
  }
  return spec;
}
