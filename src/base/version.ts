import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import { withTimeout } from './timeout.js';
import { packageJson } from './package.js';

export interface ClientVersion {
  gitVersion: string;
  platform: string;
  nodeVersion: string;
}

export interface ServerVersion {
  gitVersion: string;
  major: string;
  minor: string;
  platform: string;
}

const pkg = packageJson();

/** The plugin's own version. */
export function clientVersion(): ClientVersion {
  return { gitVersion: `v${pkg.version}`, platform: `${process.platform}/${process.arch}`, nodeVersion: process.version };
}

/** The version the cluster's apiserver reports on /version. */
export async function serverVersion(kc: KubeConfig, timeoutMs = 5000): Promise<ServerVersion> {
  const info = await withTimeout(kc.makeApiClient(VersionApi).getCode(), timeoutMs, `no answer from ${kc.getCurrentCluster()?.server ?? 'the server'}`);
  return { gitVersion: info.gitVersion, major: info.major, minor: info.minor, platform: info.platform };
}
