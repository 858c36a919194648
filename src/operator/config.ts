import { ConfigError, EnvReader, dnsSubdomain } from '../base/env.js';
import { operatorEnv as ENV, uninstallEnv } from '../api/agent-env.js';
import { gatewayNodeLabel } from '../api/names.js';

/** The operator's settings, parsed once from the environment at start-up. */
export interface OperatorConfig {
  namespace: string;
  clusterId: string;
  /** Nodes to label as gateways; empty: keep the labelled ones, or pick one when `labelGateway`. */
  gatewayNodes: string[];
  labelGateway: boolean;
  /** The labels that make a node a gateway. */
  gatewaySelector: Record<string, string>;
  /** Zones CoreDNS forwards to Lighthouse DNS; empty: none (and any earlier block is removed). */
  corednsZones: string[];
  uninstall: boolean;
  debug: boolean;
}

export function parseOperatorConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  const e = new EnvReader(env);
  return {
    namespace: e.name(ENV.namespace, 'the namespace Submariner is installed in'),
    clusterId: e.name(ENV.clusterId, 'the ID this cluster joined with'),
    gatewayNodes: list(e, ENV.gatewayNodes, 'a comma-separated list of node names'),
    labelGateway: e.boolean(ENV.labelGateway, true),
    gatewaySelector: selector(e.raw(ENV.gatewayNodeSelector)),
    corednsZones: list(e, ENV.corednsZones, 'a comma-separated list of DNS zones such as clusterset.local'),
    uninstall: e.boolean(uninstallEnv, false),
    debug: e.boolean(ENV.debug, false),
  };
}

function list(e: EnvReader, key: string, what: string): string[] {
  const raw = e.raw(key);
  const items = raw === '' ? [] : raw.split(',').map((s) => s.trim().toLowerCase());
  for (const item of items) {
    if (!dnsSubdomain.test(item)) throw new ConfigError(`${key}=${JSON.stringify(raw)} is invalid: set it to ${what}`);
  }
  return [...new Set(items)];
}

function selector(raw: string): Record<string, string> {
  if (raw === '') return { [gatewayNodeLabel.key]: gatewayNodeLabel.value };
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${ENV.gatewayNodeSelector}=${JSON.stringify(raw)} is invalid: set it to key=value[,key=value]`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}
