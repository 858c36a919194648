import { existsSync } from 'node:fs';
import { UserError } from '../base/errors.js';
import type { CommandRunner } from '../net/command.js';
import type { Binaries, OcmBinaries } from './binaries/versions.js';

const tools = ['ip', 'iptables-restore', 'iptables-save', 'nsenter', 'unshare', 'openssl', 'sysctl'];

/** Everything the sandbox needs from the host, checked before anything is created. */
export async function preflight(runner: CommandRunner, bins: Binaries, ocm?: OcmBinaries): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new UserError('the sandbox needs root (network namespaces, bridges, iptables): run it with sudo or as root');
  }
  const missingTools: string[] = [];
  for (const t of tools) {
    const r = await runner.run('sh', ['-c', `command -v ${t}`], { allowFailure: true });
    if (r.code !== 0) missingTools.push(t);
  }
  if (missingTools.length > 0) {
    throw new UserError(`missing host tools: ${missingTools.join(', ')}; install them with \`npm run setup\` (Debian packages)`);
  }
  const missingBins = (Object.values(bins) as string[]).filter((path) => !existsSync(path));
  if (missingBins.length > 0) {
    throw new UserError(
      `missing sandbox binaries: ${missingBins.join(', ')}; build them once with \`npm run setup\``,
    );
  }
  const missingOcm = (Object.values(ocm ?? {}) as string[]).filter((path) => !existsSync(path));
  if (missingOcm.length > 0) {
    throw new UserError(`--hub needs Open Cluster Management, missing: ${missingOcm.join(', ')}; build it once with \`npm run setup\``);
  }
  const busy = await runner.run('ip', ['link', 'show', 'dev', 'ksub-api'], { allowFailure: true });
  if (busy.code === 0) {
    throw new UserError('another sandbox fleet is running on this host (its link ksub-api exists): stop it with `kubectl submariner sandbox down` first');
  }
  await probeKernel(runner);
  if (!existsSync('/proc/self/ns/net')) throw new UserError('this kernel has no network namespaces, which the sandbox needs');
}

/**
 * Tries what the sandbox needs in a throwaway network namespace (removed again before returning): veth
 * pairs, bridges, VXLAN links and iptables NAT. Modules that load on demand load here.
 */
async function probeKernel(runner: CommandRunner): Promise<void> {
  if (!existsSync('/proc/self/ns/net')) throw new UserError('this kernel has no network namespaces, which the sandbox needs');
  const ns = `ksub-probe-${process.pid}`;
  const features: [string, string, string[]][] = [
    ['veth pairs', 'ip', ['link', 'add', 'probe-a', 'type', 'veth', 'peer', 'name', 'probe-b']],
    ['bridges', 'ip', ['link', 'add', 'probe-br', 'type', 'bridge']],
    ['VXLAN', 'ip', ['link', 'add', 'probe-vx', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'dev', 'probe-a']],
    ['iptables NAT (nf_tables)', 'iptables', ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'MASQUERADE']],
  ];
  await runner.run('ip', ['netns', 'add', ns]);
  try {
    const missing: string[] = [];
    for (const [what, file, args] of features) {
      const r = await runner.run(file, args, { netns: ns, allowFailure: true });
      if (r.code !== 0) missing.push(`${what} (${r.stderr.trim()})`);
    }
    if (missing.length > 0) throw new UserError(`this kernel lacks what the sandbox needs: ${missing.join('; ')}`);
  } finally {
    await runner.run('ip', ['netns', 'delete', ns], { allowFailure: true });
  }
}
