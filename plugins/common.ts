import { isIPv4 } from 'node:net';
import type { Connection, ConnectionStatus, EndpointSpec } from '../src/api/generated.js';
import { backendConfig } from '../src/api/names.js';
import { formatIp, parseCidr } from '../src/net/cidr.js';

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
