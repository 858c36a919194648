import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageJson, packageRoot } from '../base/package.js';
import type { CommandRunner } from '../net/command.js';
import { agentImageArchive, agentImageBuildDirs, buildAgentImage, defaultAgentImageDir } from '../image/agent-image.js';
import { buildDebianImage, defaultImageEpoch, exampleImages, imageInputs, inputsAnnotation, type DebianImageSpec } from '../image/debian-image.js';
import { OciLayout, parseImageRef, type OciManifest } from '../image/oci.js';
import { defaultStoreDir, ImageStore } from '../image/store.js';
import { corednsImage, kubeProxyImage } from './addons.js';
import { binaries as defaultBinaries, type Binaries } from './binaries/versions.js';

/**
 * iptables, ip6tables and their -save/-restore in the mode the node's rules use, as Kubernetes' iptables-wrapper
 * picks it: the mode holding kubelet's hint or canary chains, else the one holding more rules, else nft. The
 * choice is kept in /run for the container's later calls.
 */
export const iptablesWrapper = `#!/bin/sh
set -e
mode=$(cat /run/iptables-wrapper-mode 2>/dev/null || true)
if [ -z "$mode" ]; then
  for m in legacy nft; do
    if { iptables-$m-save -t mangle; ip6tables-$m-save -t mangle; } 2>/dev/null | grep -q 'KUBE-IPTABLES-HINT\\|KUBE-KUBELET-CANARY'; then mode=$m; break; fi
  done
  if [ -z "$mode" ]; then
    legacy=$({ iptables-legacy-save; ip6tables-legacy-save; } 2>/dev/null | grep -c '^-' || true)
    nft=$({ iptables-nft-save; ip6tables-nft-save; } 2>/dev/null | grep -c '^-' || true)
    if [ "\${legacy:-0}" -gt "\${nft:-0}" ]; then mode=legacy; else mode=nft; fi
  fi
  echo "$mode" > /run/iptables-wrapper-mode 2>/dev/null || true
fi
name=$(basename "$0")
case "$name" in
  *-save|*-restore) exec "/usr/sbin/\${name%-*}-$mode-\${name##*-}" "$@" ;;
  *) exec "/usr/sbin/$name-$mode" "$@" ;;
esac
`;

const iptablesCommands = ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore'];

/** What a runtime mounts over or a program expects in an image with no Debian root filesystem. */
const scratchDirectories = ['/dev', '/etc', '/proc', '/run', '/sys', '/var'];

/** kube-proxy as registry.k8s.io ships it: the binary over iptables (nft and legacy), ip6tables, conntrack and ipset. */
export function kubeProxyImageSpec(bins: Pick<Binaries, 'kubeProxy'>, name = kubeProxyImage): DebianImageSpec {
  return {
    name,
    packages: ['conntrack', 'ipset', 'iptables'],
    entrypoint: ['/usr/local/bin/kube-proxy'],
    files: [
      { path: '/usr/local/bin/kube-proxy', source: bins.kubeProxy, mode: 0o755 },
      { path: '/usr/local/sbin/iptables-wrapper', content: iptablesWrapper, mode: 0o755 },
      ...iptablesCommands.map((c) => ({ path: `/usr/local/sbin/${c}`, link: 'iptables-wrapper' })),
    ],
    description: 'kube-proxy on Debian bookworm with iptables (nft and legacy), conntrack and ipset',
    version: parseImageRef(name).tag,
  };
}

/** CoreDNS as its release image: the static binary at /coredns alone. */
export function corednsImageSpec(bins: Pick<Binaries, 'coredns'>, name = corednsImage): DebianImageSpec {
  return {
    name,
    packages: [],
    entrypoint: ['/coredns'],
    files: [
      ...scratchDirectories.map((path) => ({ path, directory: true as const })),
      { path: '/tmp', directory: true, mode: 0o1777 },
      { path: '/coredns', source: bins.coredns, mode: 0o755 },
    ],
    description: 'CoreDNS',
    version: parseImageRef(name).tag,
  };
}

/** The images a sandbox's pods run besides the agents: the examples, CoreDNS and kube-proxy. */
export function sandboxImageSpecs(bins: Pick<Binaries, 'kubeProxy' | 'coredns'>): DebianImageSpec[] {
  return [...Object.values(exampleImages), corednsImageSpec(bins), kubeProxyImageSpec(bins)];
}

/** Runs `fn` as a named step of `sandbox up`'s progress. */
export type Step = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export interface EnsureImagesOptions {
  step: Step;
  storeDir?: string;
  binaries?: Pick<Binaries, 'kubeProxy' | 'coredns'>;
  /** Where the agent image is built (`npm run image`: dist/image). */
  agentImageDir?: string;
  runner: CommandRunner;
}

export interface EnsuredImage {
  name: string;
  digest: string;
  /** What this call did: nothing (already stored), built it, or loaded it from the agent image's build. */
  action: 'stored' | 'built' | 'loaded';
}

/** The newest modification time under `dir` (ms), 0 when it does not exist. */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** The agent image of `npm run image`, built again when missing or older than the project's build, then stored. */
async function ensureAgentImage(store: ImageStore, o: EnsureImagesOptions): Promise<EnsuredImage[]> {
  const root = packageRoot();
  const out = o.agentImageDir ?? defaultAgentImageDir();
  const archive = agentImageArchive(out, packageJson().version);
  const layoutDir = join(out, 'layout');
  const built = existsSync(archive) ? statSync(archive).mtimeMs : 0;
  let action: EnsuredImage['action'] = 'stored';
  if (agentImageBuildDirs.some((d) => built < newestMtime(join(root, d))) || !OciLayout.isLayout(layoutDir)) {
    await o.step(`Building the agent image into ${out} (npm run image)`, () => buildAgentImage(o.runner, { out }));
    action = 'built';
  }
  const layout = new OciLayout(layoutDir);
  const images = [...layout.images()];
  if (images.some(([name, d]) => store.find(name)?.digest !== d.digest)) {
    await o.step(`Loading ${images.map(([n]) => n).join(', ')} into the host's image store`, () => Promise.resolve(store.copyFrom(layout)));
    if (action === 'stored') action = 'loaded';
  }
  return images.map(([name, d]) => ({ name, digest: d.digest, action }));
}

/** A Debian-package image, built unless the store holds it from the same inputs. */
async function ensureImage(store: ImageStore, spec: DebianImageSpec, o: EnsureImagesOptions): Promise<EnsuredImage> {
  const inputs = await imageInputs(spec, defaultImageEpoch);
  const stored = store.find(spec.name);
  if (stored && store.layout.readJson<OciManifest>(stored.digest).annotations?.[inputsAnnotation] === inputs) {
    return { name: stored.name, digest: stored.digest, action: 'stored' };
  }
  const image = await o.step(`Building image ${spec.name}`, () => buildDebianImage(o.runner, spec, { storeDir: store.dir }));
  return { name: image.name, digest: image.digest, action: 'built' };
}

/**
 * Makes the host's image store hold every image a sandbox's pods run: the agent image, nginx and the toolbox,
 * CoreDNS and kube-proxy. Each is built once and kept (the store outlives `sandbox down`); what the store holds
 * from the same inputs is left as it is.
 */
export async function ensureSandboxImages(o: EnsureImagesOptions): Promise<EnsuredImage[]> {
  const store = new ImageStore(o.storeDir ?? defaultStoreDir(), o.runner);
  const agent = await ensureAgentImage(store, o);
  const others: EnsuredImage[] = [];
  for (const spec of sandboxImageSpecs(o.binaries ?? defaultBinaries())) others.push(await ensureImage(store, spec, o));
  return [...agent, ...others];
}
