import { CableDriverValues } from '../api/generated.js';
import { gatewayEnv as ENV, ports } from '../render/contract.js';
import { parseCidr } from '../net/cidr.js';
import type { DriverSettings } from '../../plugins/driver.js';

/** Leader election timing (client-go semantics). */
export interface LeaderTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** The gateway's settings, parsed once from the environment at start-up. */
export interface GatewayConfig {
  namespace: string;
  clusterId: string;
  clusterCidrs: string[];
  serviceCidrs: string[];
  /** Empty without Globalnet. */
  globalCidrs: string[];
  cableDriver: string;
  natEnabled: boolean;
  /** SUBMARINER_PUBLICIP: `method:value` resolvers tried after the node annotation. */
  publicIp: string | undefined;
  healthCheck: { enabled: boolean; intervalMs: number; maxPacketLoss: number };
  /** 0 disables NAT discovery. */
  nattDiscoveryPort: number;
  preferredServer: boolean;
  airGapped: boolean;
  debug: boolean;
  nodeName: string;
  podName: string;
  driver: DriverSettings;
  leader: LeaderTiming;
  uninstall: boolean;
  /** Where drivers keep daemon state (pluto's directories, key files). */
  stateDir: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Submariner's defaults: 15 s lease, 10 s renew deadline, 2 s retry. */
export const DEFAULT_LEADER_TIMING: LeaderTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
export const DEFAULT_STATE_DIR = '/var/run/submariner';
const needsPsk = new Set(['libreswan', 'wireguard']);

const show = (v: string | undefined): string => JSON.stringify(v ?? '');

function text(env: NodeJS.ProcessEnv, name: string): string {
  return env[name]?.trim() ?? '';
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const v = text(env, name);
  if (v === '') throw new ConfigError(`${name} is not set: set it to ${what}`);
  return v;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const v = text(env, name).toLowerCase();
  if (v === '') return fallback;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ConfigError(`${name}=${show(env[name])} is invalid: set it to true or false`);
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const v = text(env, name);
  if (v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ConfigError(`${name}=${show(env[name])} is invalid: set it to a whole number from ${min} to ${max}`);
  }
  return Number(v);
}

function cidrs(env: NodeJS.ProcessEnv, name: string): string[] {
  const v = text(env, name);
  if (v === '') return [];
  return v.split(',').map((c) => {
    try {
      parseCidr(c.trim(), false);
      return c.trim();
    } catch {
      throw new ConfigError(`${name}=${show(env[name])} holds the invalid CIDR ${show(c)}: give a comma-separated list such as 10.0.0.0/16,10.1.0.0/16`);
    }
  });
}

/** `15` (seconds), `0.5`, `15s`, `500ms` or `1m` → milliseconds. */
export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  const unit = { ms: 1, s: 1000, m: 60_000 }[m?.[2] ?? 's'] ?? 1000;
  const ms = m ? Number(m[1]) * unit : NaN;
  if (!(ms > 0)) throw new ConfigError(`${name}=${show(raw)} is invalid: give seconds (such as 15 or 0.5) or a duration such as 500ms or 15s`);
  return Math.round(ms);
}

function leaderTiming(env: NodeJS.ProcessEnv): LeaderTiming {
  const get = (name: string, fallback: number): number => (text(env, name) === '' ? fallback : parseDuration(name, text(env, name)));
  const t = {
    leaseDurationMs: get('LEADERSHIP_LEASEDURATION', DEFAULT_LEADER_TIMING.leaseDurationMs),
    renewDeadlineMs: get('LEADERSHIP_RENEWDEADLINE', DEFAULT_LEADER_TIMING.renewDeadlineMs),
    retryPeriodMs: get('LEADERSHIP_RETRYPERIOD', DEFAULT_LEADER_TIMING.retryPeriodMs),
  };
  if (!(t.leaseDurationMs > t.renewDeadlineMs && t.renewDeadlineMs > t.retryPeriodMs)) {
    throw new ConfigError(
      `leader election timing is inconsistent (LEADERSHIP_LEASEDURATION ${t.leaseDurationMs} ms, LEADERSHIP_RENEWDEADLINE ${t.renewDeadlineMs} ms, ` +
        `LEADERSHIP_RETRYPERIOD ${t.retryPeriodMs} ms): the lease must be longer than the renew deadline, and that longer than the retry period`,
    );
  }
  return t;
}

function psk(env: NodeJS.ProcessEnv, driver: string): string {
  const v = text(env, ENV.ipsecPsk);
  if (v === '' && needsPsk.has(driver)) throw new ConfigError(`${ENV.ipsecPsk} is not set: the ${driver} cable driver needs the cluster set's pre-shared key (the ${ENV.ipsecPsk} Secret key)`);
  if (/["\r\n]/.test(v)) throw new ConfigError(`${ENV.ipsecPsk} is invalid: the pre-shared key must be one line of base64 text`);
  return v;
}

export function parseGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const clusterId = required(env, ENV.clusterId, 'the ID this cluster joined with');
  if (!LABEL.test(clusterId)) {
    throw new ConfigError(`${ENV.clusterId}=${show(clusterId)} is invalid: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`);
  }
  const cableDriver = text(env, ENV.cableDriver) || 'libreswan';
  if (!(CableDriverValues as readonly string[]).includes(cableDriver)) {
    throw new ConfigError(`${ENV.cableDriver}=${show(cableDriver)} is invalid: use one of ${CableDriverValues.join(', ')}`);
  }
  const publicIp = text(env, 'SUBMARINER_PUBLICIP');
  const clusterCidrs = cidrs(env, ENV.clusterCidr);
  const serviceCidrs = cidrs(env, ENV.serviceCidr);
  const globalCidrs = cidrs(env, ENV.globalCidr);
  if (globalCidrs.length === 0 && clusterCidrs.length + serviceCidrs.length === 0) {
    throw new ConfigError(`${ENV.clusterCidr} and ${ENV.serviceCidr} are empty: the gateway needs the cluster's pod and service CIDRs (or ${ENV.globalCidr})`);
  }
  const nodeName = required(env, ENV.nodeName, 'the node name (downward API spec.nodeName)');
  const debug = boolean(env, ENV.debug, false);
  return {
    namespace: required(env, ENV.namespace, 'the Submariner namespace'),
    clusterId,
    clusterCidrs,
    serviceCidrs,
    globalCidrs,
    cableDriver,
    natEnabled: boolean(env, ENV.natEnabled, false),
    publicIp: publicIp === '' ? undefined : publicIp,
    healthCheck: {
      enabled: boolean(env, ENV.healthCheckEnabled, true),
      intervalMs: integer(env, ENV.healthCheckInterval, 1, 1, 3600) * 1000,
      maxPacketLoss: integer(env, ENV.healthCheckMaxPacketLossCount, 5, 1, 1_000_000),
    },
    nattDiscoveryPort: integer(env, ENV.nattDiscoveryPort, ports.defaultNattDiscovery, 0, 65535),
    preferredServer: boolean(env, ENV.preferredServer, false),
    airGapped: boolean(env, ENV.airGapped, false),
    debug,
    nodeName,
    podName: text(env, ENV.podName),
    driver: {
      psk: psk(env, cableDriver),
      nattPort: integer(env, ENV.nattPort, ports.defaultNatt, 1, 65535),
      forceEncaps: boolean(env, ENV.forceEncaps, false),
      debug: boolean(env, ENV.ipsecDebug, false),
    },
    leader: leaderTiming(env),
    uninstall: boolean(env, 'SUBMARINER_UNINSTALL', false),
    stateDir: DEFAULT_STATE_DIR,
  };
}
