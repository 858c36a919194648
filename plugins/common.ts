import { isIPv4 } from 'node:net';
import type { Connection, ConnectionStatus, EndpointSpec } from '../src/api/generated.js';
import { backendConfig } from '../src/api/names.js';
import { formatIp, parseCidr } from '../src/net/cidr.js';

/** Dead peer detection interval of the IPsec cables. */
export const DPD_DELAY_SECONDS = 30;
const SAFE_NAME = /^[a-zA-Z0-9._-]{1,200}$/;

/** A remote cable name is used as an IPsec connection name: it must be a plain word. */
export function checkCableName(name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`endpoint cable name "${name}" is invalid: use at most 200 letters, digits, ".", "_" or "-"`);
  return name;
}

/**
 * How the two gateways of a cable meet: both initiate (bi-directional), or one waits for the other from
 * any address (server, behind a load balancer or NAT) while the other initiates (client).
 */
export type OperationMode = 'bi-directional' | 'server' | 'client';

const isPreferredServer = (spec: EndpointSpec): boolean => spec.backend_config?.[backendConfig.preferredServer] === 'true';

/** The mode of the local gateway towards `remote`; when both prefer to be server, the larger cable name is. */
export function operationMode(local: EndpointSpec, remote: EndpointSpec): OperationMode {
  const l = isPreferredServer(local);
  const r = isPreferredServer(remote);
  if (l && r) return local.cable_name > remote.cable_name ? 'server' : 'client';
  if (l) return 'server';
  if (r) return 'client';
  return 'bi-directional';
}

/** What an IPsec driver plans one cable from. */
export interface PlanInput {
  local: EndpointSpec;
  remote: EndpointSpec;
  useIP: string;
  useNAT: boolean;
  /** The local IKE/NAT-T port. */
  nattPort: number;
  forceEncaps: boolean;
}

/** The plan input of a cable to `info`'s endpoint from the driver's local endpoint and settings. */
export function planInput(
  ctx: { localEndpoint: EndpointSpec; settings: { forceEncaps: boolean } },
  info: { endpoint: EndpointSpec; useIP: string; useNAT: boolean },
  nattPort: number,
): PlanInput {
  return { local: ctx.localEndpoint, remote: info.endpoint, useIP: info.useIP, useNAT: info.useNAT, nattPort, forceEncaps: ctx.settings.forceEncaps };
}

/** The UDP port of an Endpoint's cable: backend_config udp-port, else `fallback`. */
export function udpPort(spec: EndpointSpec, fallback: number): number {
  const raw = spec.backend_config?.[backendConfig.udpPort];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new Error(`endpoint ${spec.cable_name} has an invalid ${backendConfig.udpPort} "${raw}": it must be a UDP port from 1 to 65535`);
  }
  return port;
}

/** The IPv4 subnets of an Endpoint, normalised to their network address; throws naming a bad one. */
export function endpointSubnets(spec: EndpointSpec): string[] {
  return spec.subnets.map((s) => {
    try {
      const c = parseCidr(s, false);
      return `${formatIp(c.base)}/${c.prefix}`;
    } catch {
      throw new Error(`endpoint ${spec.cable_name} has an invalid subnet "${s}": use an IPv4 CIDR such as 10.0.0.0/16`);
    }
  });
}

/** The Endpoint's subnets, without a host subnet of `ip` itself (`<ip>/...`). */
export function subnetsExcludingIp(spec: EndpointSpec, ip: string): string[] {
  return endpointSubnets(spec).filter((s) => !s.startsWith(`${ip}/`));
}

export function checkIpv4(ip: string, what: string): string {
  if (!isIPv4(ip)) throw new Error(`invalid ${what} "${ip}": it must be an IPv4 address`);
  return ip;
}

export function connection(info: { endpoint: EndpointSpec; useIP: string; useNAT: boolean }, status: ConnectionStatus, statusMessage = ''): Connection {
  return { status, statusMessage, endpoint: structuredClone(info.endpoint), usingIP: info.useIP, usingNAT: info.useNAT };
}

/** The connections without the one to `cableName`. */
export function withoutCable(connections: readonly Connection[], cableName: string): Connection[] {
  return connections.filter((c) => c.endpoint.cable_name !== cableName);
}

export const cloneConnections = (connections: readonly Connection[]): Connection[] => connections.map((c) => structuredClone(c));
