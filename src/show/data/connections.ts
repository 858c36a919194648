import type { Gateway } from '../../api/generated.js';

export interface ConnectionRow {
  context: string;
  gateway: string;
  cluster: string;
  remoteIp: string;
  nat: string;
  cableDriver: string;
  subnets: string;
  status: string;
  rtt: string;
  /** The cable driver's word on the status (an IKE error, the SA's state). */
  message: string;
}

/** The connections of the active gateway(s) among `gateways`, one row per remote cluster. */
export function connectionRows(context: string, gateways: readonly Gateway[]): ConnectionRow[] {
  return gateways
    .filter((g) => g.status?.haStatus === 'active')
    .flatMap((g) =>
      (g.status?.connections ?? []).map((c) => ({
        context,
        gateway: c.endpoint.hostname,
        cluster: c.endpoint.cluster_id,
        remoteIp: c.usingIP ?? c.endpoint.private_ip,
        nat: c.usingNAT ? 'yes' : 'no',
        cableDriver: c.endpoint.backend,
        subnets: c.endpoint.subnets.join(', '),
        status: c.status,
        rtt: c.latencyRTT?.average ?? '',
        message: c.statusMessage,
      })),
    );
}
