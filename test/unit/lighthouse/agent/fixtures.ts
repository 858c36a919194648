import type { ServicePort } from '../../../../src/api/generated.js';
import type { Contribution, ExportedSpec } from '../../../../src/lighthouse/agent/model.js';

/** A cluster's contribution exported `age` seconds before the others of age 0 (older = larger age). */
export function contribution(cluster: string, age: number, spec: Partial<ExportedSpec> = {}, extra: Partial<Contribution> = {}): Contribution {
  return {
    cluster,
    exportedAt: BigInt(1_800_000_000 - age) * 1_000_000_000n,
    spec: {
      type: 'ClusterSetIP',
      ports: [port('http', 80)],
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ips: ['10.96.0.10'],
      internalTrafficPolicy: 'Cluster',
      ...spec,
    },
    labels: {},
    annotations: {},
    clustersetIp: { enabled: false },
    ...extra,
  };
}

export function port(name: string | undefined, number: number, protocol: ServicePort['protocol'] = 'TCP', appProtocol?: string): ServicePort {
  return { ...(name ? { name } : {}), protocol, port: number, ...(appProtocol ? { appProtocol } : {}) };
}
