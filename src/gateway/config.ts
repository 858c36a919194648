import { CableDriverValues } from '../api/generated.js';
import { gatewayEnv as ENV, ports, uninstallEnv } from '../api/agent-env.js';
import { ConfigError, EnvReader, dnsLabel } from '../base/env.js';
import { envCidrs } from '../net/cidr.js';
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

export { ConfigError };

/** Submariner's defaults: 15 s lease, 10 s renew deadline, 2 s retry. */
export const DEFAULT_LEADER_TIMING: LeaderTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
export const DEFAULT_STATE_DIR = '/var/run/submariner';
const needsPsk = new Set(['libreswan', 'strongswan', 'wireguard']);

const show = (v: string | undefined): string => JSON.stringify(v ?? '');

function text(env: NodeJS.ProcessEnv, name: string): string {
  return env[name]?.trim() ?? '';
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
  const e = new EnvReader(env);
  const clusterId = e.name(ENV.clusterId, 'the ID this cluster joined with', dnsLabel);
  const cableDriver = text(env, ENV.cableDriver) || 'strongswan';
  if (!(CableDriverValues as readonly string[]).includes(cableDriver)) {
    throw new ConfigError(`${ENV.cableDriver}=${show(cableDriver)} is invalid: use one of ${CableDriverValues.join(', ')}`);
  }
  const publicIp = text(env, 'SUBMARINER_PUBLICIP');
  const clusterCidrs = envCidrs(e, ENV.clusterCidr, false);
  const serviceCidrs = envCidrs(e, ENV.serviceCidr, false);
  const globalCidrs = envCidrs(e, ENV.globalCidr, false);
  if (globalCidrs.length === 0 && clusterCidrs.length + serviceCidrs.length === 0) {
    throw new ConfigError(`${ENV.clusterCidr} and ${ENV.serviceCidr} are empty: the gateway needs the cluster's pod and service CIDRs (or ${ENV.globalCidr})`);
  }
  const nodeName = e.name(ENV.nodeName, 'the node name (downward API spec.nodeName)', /^\S+$/);
  const debug = e.boolean(ENV.debug, false);
  return {
    namespace: e.name(ENV.namespace, 'the Submariner namespace'),
    clusterId,
    clusterCidrs,
    serviceCidrs,
    globalCidrs,
    cableDriver,
    natEnabled: e.boolean(ENV.natEnabled, false),
    publicIp: publicIp === '' ? undefined : publicIp,
    healthCheck: {
      enabled: e.boolean(ENV.healthCheckEnabled, true),
      intervalMs: e.integer(ENV.healthCheckInterval, 1, 1, 3600) * 1000,
      maxPacketLoss: e.integer(ENV.healthCheckMaxPacketLossCount, 5, 1, 1_000_000),
    },
    nattDiscoveryPort: e.integer(ENV.nattDiscoveryPort, ports.defaultNattDiscovery, 0, 65535),
    preferredServer: e.boolean(ENV.preferredServer, false),
    airGapped: e.boolean(ENV.airGapped, false),
    debug,
    nodeName,
    podName: text(env, ENV.podName),
    driver: {
      psk: psk(env, cableDriver),
      nattPort: e.integer(ENV.nattPort, ports.defaultNatt, 1, 65535),
      forceEncaps: e.boolean(ENV.forceEncaps, false),
      debug: e.boolean(ENV.ipsecDebug, false),
    },
    leader: leaderTiming(env),
    uninstall: e.boolean(uninstallEnv, false),
    stateDir: DEFAULT_STATE_DIR,
  };
}
