import { ConfigError, EnvReader, dnsLabel } from '../../base/env.js';
import { formatCidr, parseCidr } from '../../net/cidr.js';
import { lighthouseAgentEnv as ENV } from '../../api/agent-env.js';

/** Seconds a cluster may stay disconnected before its endpoints stop being served here. */
export const disconnectGraceEnv = ENV.disconnectGraceSeconds;
export const defaultDisconnectGraceSeconds = 60;

/** The Lighthouse agent's settings, parsed once from the environment at start-up. */
export interface AgentConfig {
  /** The Submariner namespace, where the Gateway objects live. */
  namespace: string;
  clusterId: string;
  /** Namespaces whose ServiceExports are ignored. */
  excludeNamespaces: string[];
  globalnetEnabled: boolean;
  /** Whether exports without the use-clusterset-ip annotation get a clusterset IP. */
  clustersetIpEnabled: boolean;
  /** This cluster's block of the clusterset IP range; undefined: it allocates none (it still uses those others allocate). */
  clustersetIpCidr: string | undefined;
  disconnectGraceMs: number;
  debug: boolean;
}

export { ConfigError };

export function parseAgentConfig(env: NodeJS.ProcessEnv): AgentConfig {
  const e = new EnvReader(env);
  return {
    namespace: e.name(ENV.namespace, 'the namespace Submariner is installed in'),
    clusterId: e.name(ENV.clusterId, 'the ID this cluster joined with'),
    excludeNamespaces: namespaces(env),
    globalnetEnabled: e.boolean(ENV.globalnetEnabled, false),
    clustersetIpEnabled: e.boolean(ENV.clustersetIpEnabled, true),
    clustersetIpCidr: clustersetCidr(env[ENV.clustersetIpCidr]),
    disconnectGraceMs: e.integer(disconnectGraceEnv, defaultDisconnectGraceSeconds, 0, 86_400) * 1000,
    debug: e.boolean(ENV.debug, false),
  };
}

function clustersetCidr(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return formatCidr(parseCidr(raw.trim()));
  } catch (err) {
    throw new ConfigError(`${ENV.clustersetIpCidr}=${JSON.stringify(raw)}: ${(err as Error).message}; give this cluster's block of the clusterset IP range, e.g. 243.0.0.0/20`);
  }
}

function namespaces(env: NodeJS.ProcessEnv): string[] {
  const raw = env[ENV.excludeNamespaces] ?? '';
  const list = raw.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const bad = list.find((n) => !dnsLabel.test(n));
  if (bad !== undefined) {
    throw new ConfigError(
      `${ENV.excludeNamespaces}=${JSON.stringify(raw)} holds the invalid namespace ${JSON.stringify(bad)}: give a comma-separated list of namespace names`,
    );
  }
  return [...new Set(list)];
}
