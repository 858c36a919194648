import { existsSync } from 'node:fs';
import { UserError } from '../cli/errors.js';
import type { CommandRunner } from '../net/command.js';
import type { Binaries } from './binaries/versions.js';

const tools = ['ip', 'iptables-restore', 'iptables-save', 'nsenter', 'unshare', 'openssl', 'sysctl'];
const modules = ['veth', 'bridge', 'vxlan', 'nf_conntrack', 'nf_nat', 'br_netfilter'];

/** Everything the sandbox needs from the host, checked before anything is created. */
export async function preflight(runner: CommandRunner, bins: Binaries): Promise<void> {
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
      `missing control-plane binaries: ${missingBins.join(', ')}; build them once with \`npm run setup\``,
    );
  }
  const missingModules: string[] = [];
  for (const m of modules) {
    if (existsSync(`/sys/module/${m}`)) continue;
    const r = await runner.run('modprobe', ['-q', m], { allowFailure: true });
    if (r.code !== 0 && !existsSync(`/sys/module/${m}`)) missingModules.push(m);
  }
  if (missingModules.length > 0) {
    throw new UserError(`this kernel lacks ${missingModules.join(', ')}, which the sandbox needs (network namespaces with veth, bridges and VXLAN)`);
  }
  if (!existsSync('/proc/self/ns/net')) throw new UserError('this kernel has no network namespaces, which the sandbox needs');
}
