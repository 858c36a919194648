import { basename, join } from 'node:path';
import { agentImage } from '../../../api/names.js';
import type { Binaries } from '../../binaries/versions.js';

/** What the sandbox runs for one container: a host program, or the reason it cannot. */
export type ImageRun =
  | { kind: 'process'; standIn: string; argv: string[] }
  | { kind: 'pull-error'; message: string }
  | { kind: 'config-error'; message: string };

/** The container as the image table sees it: command and args already `$(VAR)`-expanded. */
export interface ImageRequest {
  image: string;
  command: readonly string[];
  args: readonly string[];
  /** containerPorts in declaration order. */
  ports: readonly number[];
  podName: string;
  podIp: string;
}

export interface ImageHost {
  binaries: Pick<Binaries, 'kubeProxy' | 'coredns'>;
  repoRoot: string;
  /** The node executable that runs the project's scripts. */
  nodePath: string;
}

export const agentCommand: string = agentImage.name;

/** The repository path of an image reference, without registry defaults, tag or digest. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** `*` matches any run of characters (slashes included). */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(text);
}

const script = (host: ImageHost, path: string): string => join(host.repoRoot, 'dist', path);

interface Entry {
  standIn: string;
  matches: (repo: string, req: ImageRequest) => boolean;
  run: (req: ImageRequest, host: ImageHost) => string[];
}

const isAgentCommand = (file: string | undefined): boolean => file !== undefined && basename(file) === agentCommand;

const kubeProxyNames = new Set(['kube-proxy', '/usr/local/bin/kube-proxy']);

/** The image table: the first entry that matches runs the container. */
const table: Entry[] = [
  {
    standIn: 'kube-proxy',
    matches: (repo) => repo === 'registry.k8s.io/kube-proxy',
    run: (req, host) => {
      const [first, ...rest] = req.command;
      const command = first !== undefined && kubeProxyNames.has(first) ? rest : [...req.command];
      return [host.binaries.kubeProxy, ...command, ...req.args];
    },
  },
  {
    standIn: 'coredns',
    matches: (repo) => repo === 'registry.k8s.io/coredns/coredns',
    run: (req, host) => [host.binaries.coredns, ...req.args],
  },
  {
    standIn: 'agent',
    // The agent image's entrypoint is the agent command: a container may name it or leave it to the image.
    matches: (repo, req) => isAgentCommand(req.command[0]) || (req.command.length === 0 && basename(repo) === agentImage.name),
    run: (req, host) => [host.nodePath, script(host, 'src/bin/agent.js'), ...req.command.slice(1), ...req.args],
  },
  {
    standIn: 'http-server',
    matches: (repo) => globMatch('nginx*', repo) || globMatch('*/nginx*', repo) || repo === 'kubectl-submariner/http-server',
    run: (req, host) => [
      host.nodePath, script(host, 'src/sandbox/images/http-server.js'),
      '--port', String(req.ports[0] ?? 80), '--pod', req.podName, '--ip', req.podIp,
    ],
  },
  {
    standIn: 'toolbox',
    matches: (repo) =>
      repo === 'kubectl-submariner/toolbox' || ['*netshoot*', '*busybox*', '*toolbox*'].some((p) => globMatch(p, repo)),
    run: (req) => (req.command.length + req.args.length > 0 ? [...req.command, ...req.args] : ['sleep', 'infinity']),
  },
];

const projectImage = (repo: string): boolean => repo.startsWith('quay.io/submariner/') || repo.startsWith('kubectl-submariner/');

/** Maps a container to the host process that stands in for its image. */
export function resolveImage(req: ImageRequest, host: ImageHost): ImageRun {
  const repo = imageRepository(req.image);
  const entry = table.find((e) => e.matches(repo, req));
  if (entry) return { kind: 'process', standIn: entry.standIn, argv: entry.run(req, host) };
  if (projectImage(repo)) {
    return {
      kind: 'config-error',
      message: `image "${req.image}" runs in the sandbox only as the project's agent: set the container's command to ["${agentCommand}", ...]`,
    };
  }
  return {
    kind: 'pull-error',
    message:
      `Failed to pull image "${req.image}": the sandbox runs no container images, and "${req.image}" matches none of its stand-ins ` +
      '(registry.k8s.io/kube-proxy, registry.k8s.io/coredns/coredns, nginx, toolbox, busybox, netshoot, or command kubectl-submariner-agent)',
  };
}
