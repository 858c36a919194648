import { readFileSync } from 'node:fs';
import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import { withTimeout } from '../kube/timeout.js';

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

/** The package.json of the plugin, found upwards from this module (src/ under tsx, dist/src/ when built). */
function readPackage(): { version: string } {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      return JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string };
    } catch {
      // keep looking upwards
    }
  }
  return { version: '0.0.0' };
}

const pkg = readPackage();

/** The plugin's own version. */
export function clientVersion(): ClientVersion {
  return { gitVersion: `v${pkg.version}`, platform: `${process.platform}/${process.arch}`, nodeVersion: process.version };
}

/** The version the cluster's apiserver reports on /version. */
export async function serverVersion(kc: KubeConfig, timeoutMs = 5000): Promise<ServerVersion> {
  const info = await withTimeout(kc.makeApiClient(VersionApi).getCode(), timeoutMs, `no answer from ${kc.getCurrentCluster()?.server ?? 'the server'}`);
  return { gitVersion: info.gitVersion, major: info.major, minor: info.minor, platform: info.platform };
}
