import type { Endpoint } from '../../api/generated.js';

export interface EndpointRow {
  context: string;
  cluster: string;
  endpointIp: string;
  publicIp: string;
  cableDriver: string;
  type: 'local' | 'remote';
}

/** One row per Endpoint; those of `localClusterId` are local. */
export function endpointRows(context: string, endpoints: readonly Endpoint[], localClusterId: string | undefined): EndpointRow[] {
  return endpoints.map((e) => ({
    context,
    cluster: e.spec.cluster_id,
    endpointIp: e.spec.private_ip,
    publicIp: e.spec.public_ip ?? '',
    cableDriver: e.spec.backend,
    type: e.spec.cluster_id === localClusterId ? 'local' : 'remote',
  }));
}
