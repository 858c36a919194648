import { readFileSync } from 'node:fs';
import { charonPaths } from '../../plugins/strongswan/charon.js';
import { SWANCTL_PLUGINS } from '../../plugins/strongswan/config.js';
import { findStrongswan, strongswanEnv } from '../../plugins/strongswan/install.js';
import type { NetnsNode } from './netns-node.js';

export const install = findStrongswan();

/** `swanctl args...` against the charon of the driver whose state directory is the node's. */
export async function swanctl(node: NetnsNode, ...args: string[]): Promise<string> {
  return (await node.runner.run('env', [...strongswanEnv(install, SWANCTL_PLUGINS, charonPaths(node.stateDir).conf), install.swanctl, ...args])).stdout;
}

/** The pid of the node's charon, from its pid file. */
export const charonPid = (node: NetnsNode): number => Number(readFileSync(charonPaths(node.stateDir).pidFile, 'utf8').trim());
