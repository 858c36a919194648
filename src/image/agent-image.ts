import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { agentImage } from '../api/names.js';
import { cacheDir, wireguardGoPath } from '../base/cache.js';
import { packageRoot } from '../base/package.js';
import type { CommandRunner } from '../net/command.js';
import { bookwormSources, debianRootfs, slimExcludes, type RootfsSpec } from './debian.js';
import { addLayer, tarDirectory } from './layer.js';
import { annotationKeys, imageName, OciLayout, type Layer } from './oci.js';
import { writeOciArchive } from './archive.js';

/** Where the image keeps strongSwan: unpacked beside Libreswan (their packages conflict), found through KSUB_CACHE. */
export const imageCache = '/opt/kubectl-submariner';
export const appDir = '/usr/lib/kubectl-submariner';

const strongswanPackages = [
  'libstrongswan', 'strongswan-libcharon', 'strongswan-charon', 'strongswan-swanctl', 'libcharon-extra-plugins', 'libstrongswan-standard-plugins',
];

/** Everything the agents call, from Debian: the packet filter, routes, tunnels and what Node.js and strongSwan link. */
export const agentPackages = [
  'ca-certificates', 'conntrack', 'ipset', 'iproute2', 'iptables', 'iputils-ping', 'libreswan', 'nftables', 'procps', 'wireguard-tools',
  // Node.js and strongSwan's libraries.
  'libstdc++6', 'libcap2', 'libgmp10', 'libsystemd0', 'libip4tc2', 'libpam0g', 'libssl3',
];

/** The root filesystem of the agent image. */
export function agentRootfs(epoch: number): RootfsSpec {
  const into = `"$1${imageCache}/strongswan"`;
  return {
    suite: 'bookworm',
    sources: bookwormSources,
    packages: agentPackages,
    hooks: [
      // strongSwan unpacked as setup.sh does on the host; Libreswan's package enables no service in a container.
      `mkdir -p ${into} && chroot "$1" sh -c 'cd /tmp && apt-get download -qq ${strongswanPackages.join(' ')}' && ` +
        `for d in "$1"/tmp/*.deb; do dpkg-deb -x "$d" ${into}; done && rm -f "$1"/tmp/*.deb`,
    ],
    excludes: slimExcludes,
    epoch,
  };
}

export interface AgentImageOptions {
  /** The registry path the image is named under (default kubectl-submariner). */
  repository?: string;
  /** The tag (default: the package version). */
  version?: string;
  /** Output directory: `layout/` and the oci-archive tarball (default dist/image). */
  out?: string;
  /** Build the Debian root filesystem again instead of taking it from the cache. */
  fresh?: boolean;
  /** Seconds since the epoch for every timestamp (default SOURCE_DATE_EPOCH, else the last commit's time). */
  epoch?: number;
  progress?: (line: string) => void;
}

export interface BuiltImage {
  name: string;
  digest: string;
  layout: string;
  archive: string;
  tag: string;
}

interface PackageInfo {
  name: string;
  version: string;
  description?: string;
  license?: string;
}

async function gitText(runner: CommandRunner, root: string, args: string[]): Promise<string | undefined> {
  const r = await runner.run('git', ['-C', root, ...args], { allowFailure: true }).catch(() => undefined);
  const text = r?.code === 0 ? r.stdout.trim() : '';
  return text === '' ? undefined : text;
}

function epochFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new RangeError(`SOURCE_DATE_EPOCH="${raw}" is not a number of seconds since 1970: unset it or use e.g. $(git log -1 --format=%ct)`);
  return Number(raw);
}

/** Node.js from the machine that builds (Debian 12's own is too old for the agents). */
export function checkNode(version: string = process.version): void {
  const major = Number(/^v(\d+)/.exec(version)?.[1] ?? 0);
  if (major < 20) throw new Error(`the image needs Node.js 20 or newer and this build runs ${version}: run npm run image with a newer node`);
}

/** Where `npm run image` writes the agent image by default: the OCI layout and the oci-archive tarball. */
export const defaultAgentImageDir = (): string => join(packageRoot(), 'dist', 'image');

/** The oci-archive tarball `npm run image` writes into `out` (default {@link defaultAgentImageDir}). */
export const agentImageArchive = (out: string, version: string): string => join(out, `${agentImage.name}-${version}.oci.tar`);

/** The project's build the image carries: the agents, the cable driver plugins and the hub addon controller. */
export const agentImageBuildDirs = ['dist/src', 'dist/plugins', 'dist/addon'] as const;

/** The image's layer with the project's build: {@link agentImageBuildDirs}, production node_modules, manifests and the agent command. */
async function appLayer(runner: CommandRunner, root: string, work: string): Promise<string> {
  const tree = join(work, 'app');
  const app = join(tree, appDir.slice(1));
  mkdirSync(app, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(root, f), join(app, f));
  for (const d of agentImageBuildDirs) {
    if (!existsSync(join(root, d))) throw new Error(`${join(root, d)} is missing: run npm run build before building the image`);
    cpSync(join(root, d), join(app, d), { recursive: true, filter: (src) => !src.endsWith('.map') });
  }
  cpSync(join(root, 'manifests'), join(app, 'manifests'), { recursive: true });
  await runner.run('npm', ['ci', '--prefix', app, '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { timeoutMs: 600_000 });
  rmSync(join(app, 'package-lock.json'));
  const bin = join(tree, 'usr/local/bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(`${appDir}/dist/src/bin/agent.js`, join(bin, agentImage.name));
  return tree;
}

/**
 * The binaries the build machine provides: its Node.js, and the current wireguard-go from the Go module proxy
 * (built as setup does when missing), where the wireguard driver finds it through KSUB_CACHE. Debian 12's
 * wireguard-go is a 2022 release without the TUN offloads that make the current one several times faster.
 */
async function binariesLayer(runner: CommandRunner, root: string, work: string, nodePath: string, env: NodeJS.ProcessEnv): Promise<string> {
  const tree = join(work, 'binaries');
  mkdirSync(join(tree, 'usr/local/bin'), { recursive: true });
  copyFileSync(nodePath, join(tree, 'usr/local/bin/node'));
  const wireguardGo = wireguardGoPath(cacheDir(env));
  if (!existsSync(wireguardGo)) await runner.run('bash', [join(root, 'src/sandbox/binaries/build.sh'), 'wireguard-go'], { timeoutMs: 900_000 });
  const into = join(tree, wireguardGoPath(imageCache).slice(1));
  mkdirSync(dirname(into), { recursive: true });
  copyFileSync(wireguardGo, into);
  return tree;
}

/**
 * Builds the agent image: Debian's root filesystem from mmdebstrap, the build machine's Node.js, and the
 * project's build, as an OCI layout and an oci-archive tarball. The same inputs give the same digest.
 */
export async function buildAgentImage(runner: CommandRunner, o: AgentImageOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<BuiltImage> {
  const say = o.progress ?? (() => undefined);
  const root = packageRoot();
  checkNode();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageInfo;
  const version = o.version ?? pkg.version;
  const repository = o.repository ?? agentImage.defaultRepository;
  const name = imageName(`${repository}/${agentImage.name}:${version}`);
  const revision = await gitText(runner, root, ['rev-parse', 'HEAD']);
  const fromEnv = epochFromEnv(env);
  const epoch = o.epoch ?? fromEnv ?? Number(await gitText(runner, root, ['log', '-1', '--format=%ct']) ?? 0);
  // The Debian layer changes with its own definition only, so that it stays cached across commits.
  const rootfsEpoch = o.epoch ?? fromEnv ?? Number(await gitText(runner, root, ['log', '-1', '--format=%ct', '--', 'src/image']) ?? epoch);
  const out = o.out ?? defaultAgentImageDir();
  const work = join(out, 'work');
  const layoutDir = join(out, 'layout');
  rmSync(work, { recursive: true, force: true });
  rmSync(layoutDir, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  say(`root filesystem: Debian bookworm with ${agentPackages.length} packages and strongSwan (mmdebstrap)`);
  const rootfs = await debianRootfs(runner, agentRootfs(rootfsEpoch), join(cacheDir(env), 'image'), o.fresh);
  const layout = OciLayout.init(layoutDir);
  const layers: Layer[] = [await addLayer(layout, rootfs, 'mmdebstrap --variant=minbase bookworm')];

  say(`Node.js ${process.version} from ${process.execPath}, and wireguard-go`);
  const binTar = join(work, 'binaries.tar');
  await tarDirectory(runner, await binariesLayer(runner, root, work, process.execPath, env), binTar, epoch);
  layers.push(await addLayer(layout, binTar, `node ${process.version}, wireguard-go`));

  say('the build: dist, production node_modules, manifests');
  const appTar = join(work, 'app.tar');
  await tarDirectory(runner, await appLayer(runner, root, work), appTar, epoch);
  layers.push(await addLayer(layout, appTar, `${pkg.name} ${version}`));

  const created = new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const annotations: Record<string, string> = {
    [annotationKeys.title]: agentImage.name,
    [annotationKeys.version]: version,
    [annotationKeys.created]: created,
    [annotationKeys.description]: 'kubectl-submariner agents: gateway, route agent, GlobalNet, Lighthouse agent and DNS, operator; the hub addon controller',
    ...(pkg.license ? { [annotationKeys.licenses]: pkg.license } : {}),
    ...(revision ? { [annotationKeys.revision]: revision } : {}),
  };
  const manifest = layout.addImage(name, layers, {
    entrypoint: [agentImage.entrypoint],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `KSUB_CACHE=${imageCache}`, 'NODE_ENV=production'],
    workingDir: '/',
    labels: annotations,
  }, created, annotations);

  const archive = agentImageArchive(out, version);
  await writeOciArchive(runner, layoutDir, archive, epoch);
  rmSync(work, { recursive: true, force: true });
  return { name, digest: manifest.digest, layout: layoutDir, archive, tag: version };
}
