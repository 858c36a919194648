import { isIPv4 } from 'node:net';
import type { EndpointSpec } from '../api/generated.js';
import { backendConfig } from '../api/names.js';
import { cidrsOverlap, parseCidr } from '../net/cidr.js';

const CABLE_NAME = /^[a-zA-Z0-9._-]{1,200}$/;

/**
 * Why a remote Endpoint cannot be connected to, or undefined when it can: a missing field, an address
 * or CIDR that does not parse, a port out of range, or a cable driver other than ours.
 */
export function validateRemoteEndpoint(spec: EndpointSpec | undefined, localDriver: string, knownDrivers: readonly string[]): string | undefined {
  if (!spec || typeof spec !== 'object') return 'the Endpoint has no spec';
  if (typeof spec.cluster_id !== 'string' || spec.cluster_id === '') return 'cluster_id is empty';
  if (typeof spec.cable_name !== 'string' || !CABLE_NAME.test(spec.cable_name)) return `cable_name "${String(spec.cable_name)}" is invalid`;
  if (typeof spec.private_ip !== 'string' || !isIPv4(spec.private_ip)) return `private_ip "${String(spec.private_ip)}" is not an IPv4 address`;
  if (spec.public_ip && !isIPv4(spec.public_ip)) return `public_ip "${spec.public_ip}" is not an IPv4 address`;
  if (spec.healthCheckIP && !isIPv4(spec.healthCheckIP)) return `healthCheckIP "${spec.healthCheckIP}" is not an IPv4 address`;
  if (!Array.isArray(spec.subnets) || spec.subnets.length === 0) return 'subnets is empty';
  for (const s of spec.subnets) {
    try {
      parseCidr(String(s), false);
    } catch {
      return `subnet "${String(s)}" is not a valid IPv4 CIDR`;
    }
  }
  for (const key of [backendConfig.udpPort, backendConfig.nattDiscoveryPort]) {
    const raw = spec.backend_config?.[key];
    if (raw !== undefined && raw !== '' && !(/^\d+$/.test(raw) && Number(raw) <= 65535)) return `backend_config ${key} "${raw}" is not a UDP port`;
  }
  if (!knownDrivers.includes(spec.backend)) return `cable driver "${String(spec.backend)}" is unknown (supported: ${knownDrivers.join(', ')})`;
  if (spec.backend !== localDriver) return `the remote gateway uses the ${spec.backend} cable driver but this cluster uses ${localDriver}`;
  return undefined;
}

/** The first remote subnet that overlaps a local one, or undefined (also when a subnet does not parse). */
export function overlappingSubnet(spec: EndpointSpec, localSubnets: readonly string[]): string | undefined {
  try {
    return (spec.subnets ?? []).find((r) => localSubnets.some((l) => cidrsOverlap(r, l)));
  } catch {
    return undefined;
  }
}
