import type { Gateway } from '../../api/generated.js';
import { annotations } from '../../api/names.js';

export interface GatewayRow {
  context: string;
  node: string;
  haStatus: string;
  summary: string;
  /** With Globalnet: the gateway's global IP (remote health checks ping it). */
  globalIp?: string;
}

export function gatewayRows(context: string, gateways: readonly Gateway[]): GatewayRow[] {
  return gateways.map((g) => {
    const globalIp = g.metadata.annotations?.[annotations.globalIp];
    return { context, node: g.metadata.name ?? '', haStatus: g.status?.haStatus ?? '', summary: summary(g), ...(globalIp ? { globalIp } : {}) };
  });
}

/** subctl's gateway summary line. */
export function summary(g: Gateway): string {
  if (g.status?.statusFailure) return g.status.statusFailure;
  const conns = g.status?.connections ?? [];
  if (conns.length === 0) return 'There are no connections';
  const up = conns.filter((c) => c.status === 'connected').length;
  return up === conns.length ? `All connections (${conns.length}) are established` : `${up} connections out of ${conns.length} are established`;
}
