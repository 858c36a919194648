import { parseCidr, formatCidr } from '../net/cidr.js';
import { routeAgentEnv as ENV } from '../render/contract.js';
import { networkPlugins, type NetworkPlugin } from './constants.js';

/** Set to "true" to remove everything the route agent put on the node, then exit. */
export const UNINSTALL_ENV = 'SUBMARINER_UNINSTALL';

/** The route agent's settings, parsed once from the environment at start-up. */
export interface RouteAgentConfig {
  namespace: string;
  clusterId: string;
  /** This node's name (NODE_NAME). */
  nodeName: string;
  /** The cluster's pod CIDRs (IPv4, at least one). */
  clusterCidrs: string[];
  serviceCidrs: string[];
  /** The cluster's GlobalCIDR when Globalnet is on, else empty. */
  globalCidrs: string[];
  /** A known plugin name; unknown names read as generic (see `unknownNetworkPlugin`). */
  networkPlugin: NetworkPlugin;
  /** The name given when it is not one the route agent knows. */
  unknownNetworkPlugin: string | undefined;
  healthCheck: { enabled: boolean; intervalSeconds: number; maxPacketLossCount: number };
  uninstall: boolean;
  debug: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

export function parseRouteAgentConfig(env: NodeJS.ProcessEnv): RouteAgentConfig {
  const plugin = (env[ENV.networkPlugin] ?? '').trim();
  const known = networkPlugins.find((p) => p.toLowerCase() === plugin.toLowerCase());
  return {
    namespace: name(env, ENV.namespace, LABEL, 'the namespace Submariner is installed in'),
    clusterId: name(env, ENV.clusterId, LABEL, 'the ID this cluster joined with'),
    nodeName: name(env, ENV.nodeName, NAME, 'the name of the node this pod runs on (downward API spec.nodeName)'),
    clusterCidrs: cidrs(env, ENV.clusterCidr, true),
    serviceCidrs: cidrs(env, ENV.serviceCidr, false),
    globalCidrs: cidrs(env, ENV.globalCidr, false),
    networkPlugin: known ?? 'generic',
    unknownNetworkPlugin: known || plugin === '' ? undefined : plugin,
    healthCheck: {
      enabled: boolean(env, ENV.healthCheckEnabled, true),
      intervalSeconds: integer(env, ENV.healthCheckInterval, 1, 1, 3600),
      maxPacketLossCount: integer(env, ENV.healthCheckMaxPacketLossCount, 5, 1, 1000),
    },
    uninstall: boolean(env, UNINSTALL_ENV, false),
    debug: boolean(env, ENV.debug, false),
  };
}

function name(env: NodeJS.ProcessEnv, key: string, pattern: RegExp, what: string): string {
  const raw = env[key]?.trim() ?? '';
  if (raw === '') throw new ConfigError(`${key} is not set: set it to ${what}`);
  if (!pattern.test(raw)) {
    throw new ConfigError(`${key}=${JSON.stringify(raw)} is invalid: use lowercase letters, digits and '-', starting and ending with a letter or digit`);
  }
  return raw;
}

/** A comma-separated list of IPv4 CIDRs; IPv6 entries (dual-stack clusters) are left out. */
function cidrs(env: NodeJS.ProcessEnv, key: string, required: boolean): string[] {
  const raw = env[key]?.trim() ?? '';
  const list = raw === '' ? [] : raw.split(',').map((c) => c.trim()).filter((c) => c !== '' && !c.includes(':'));
  if (required && list.length === 0) throw new ConfigError(`${key} is not set: set it to the cluster's pod CIDRs, e.g. 10.244.0.0/16`);
  return [
    ...new Set(
      list.map((c) => {
        try {
          return formatCidr(parseCidr(c));
        } catch (err) {
          throw new ConfigError(`${key}=${JSON.stringify(raw)} is invalid: ${(err as Error).message}`);
        }
      }),
    ),
  ];
}

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key]?.trim() ?? '';
  if (raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${key}=${JSON.stringify(raw)} is invalid: set it to a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function boolean(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const raw = env[key]?.trim().toLowerCase() ?? '';
  if (raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${key}=${JSON.stringify(env[key])} is invalid: set it to true or false`);
}
