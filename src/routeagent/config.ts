import { ConfigError, EnvReader, dnsSubdomain } from '../base/env.js';
import { envCidrs } from '../net/cidr.js';
import { routeAgentEnv as ENV, uninstallEnv } from '../api/agent-env.js';
import { networkPlugins, type NetworkPlugin } from './constants.js';

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

export { ConfigError };

export function parseRouteAgentConfig(env: NodeJS.ProcessEnv): RouteAgentConfig {
  const e = new EnvReader(env);
  const plugin = (env[ENV.networkPlugin] ?? '').trim();
  const known = networkPlugins.find((p) => p.toLowerCase() === plugin.toLowerCase());
  return {
    namespace: e.name(ENV.namespace, 'the namespace Submariner is installed in'),
    clusterId: e.name(ENV.clusterId, 'the ID this cluster joined with'),
    nodeName: e.name(ENV.nodeName, 'the name of the node this pod runs on (downward API spec.nodeName)', dnsSubdomain),
    clusterCidrs: envCidrs(e, ENV.clusterCidr, true, "the cluster's pod CIDRs, e.g. 10.244.0.0/16"),
    serviceCidrs: envCidrs(e, ENV.serviceCidr, false),
    globalCidrs: envCidrs(e, ENV.globalCidr, false),
    networkPlugin: known ?? 'generic',
    unknownNetworkPlugin: known || plugin === '' ? undefined : plugin,
    healthCheck: {
      enabled: e.boolean(ENV.healthCheckEnabled, true),
      intervalSeconds: e.integer(ENV.healthCheckInterval, 1, 1, 3600),
      maxPacketLossCount: e.integer(ENV.healthCheckMaxPacketLossCount, 5, 1, 1000),
    },
    uninstall: e.boolean(uninstallEnv, false),
    debug: e.boolean(ENV.debug, false),
  };
}
