import { ConfigError, EnvReader, dnsSubdomain } from '../base/env.js';
import { envCidrs } from '../net/cidr.js';
import { globalnetEnv as ENV, ports, uninstallEnv } from '../api/agent-env.js';


/** The GlobalNet agent's settings, parsed once from the environment at start-up. */
export interface GlobalnetConfig {
  namespace: string;
  clusterId: string;
  /** This node's name (NODE_NAME). */
  nodeName: string;
  podName: string;
  /** The cluster's pod CIDRs (IPv4, at least one). */
  clusterCidrs: string[];
  serviceCidrs: string[];
  /** The cluster's GlobalCIDR as rendered; empty: wait for the Cluster object's. */
  globalCidr: string | undefined;
  metricsPort: number;
  uninstall: boolean;
  debug: boolean;
}

export { ConfigError };

export function parseGlobalnetConfig(env: NodeJS.ProcessEnv): GlobalnetConfig {
  const e = new EnvReader(env);
  const uninstall = e.boolean(uninstallEnv, false);
  const global = envCidrs(e, ENV.globalCidr, false);
  if (global.length > 1) throw new ConfigError(`${ENV.globalCidr}=${JSON.stringify(env[ENV.globalCidr])} is invalid: set it to the one GlobalCIDR of this cluster`);
  return {
    namespace: e.name(ENV.namespace, 'the namespace Submariner is installed in'),
    clusterId: e.name(ENV.clusterId, 'the ID this cluster joined with'),
    nodeName: e.name(ENV.nodeName, 'the name of the node this pod runs on (downward API spec.nodeName)', dnsSubdomain),
    podName: e.raw(ENV.podName),
    clusterCidrs: envCidrs(e, ENV.clusterCidr, !uninstall, "the cluster's pod CIDRs, e.g. 10.244.0.0/16"),
    serviceCidrs: envCidrs(e, ENV.serviceCidr, false),
    globalCidr: global[0],
    metricsPort: e.integer(ENV.metricsPort, ports.globalnetMetrics, 1, 65535),
    uninstall,
    debug: e.boolean(ENV.debug, false),
  };
}
