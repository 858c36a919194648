import { fail, pass, skip, type CheckResult } from '../model.js';
import type { ClusterInputs } from '../inputs.js';

/** Oldest Kubernetes each component runs on (subctl's minimums; service discovery needs EndpointSlices). */
export const minimumVersions = { connectivity: [1, 19], 'service-discovery': [1, 21] } as const;

export function checkK8sVersion(inputs: Pick<ClusterInputs, 'context' | 'version' | 'submariner' | 'serviceDiscovery'>): CheckResult {
  const lookedAt = 'the API server version (/version)';
  const v = inputs.version;
  if (!v) return { check: 'k8s-version', context: inputs.context, lookedAt, findings: [skip('the API server did not report its version')] };
  const major = Number.parseInt(v.major, 10);
  const minor = Number.parseInt(v.minor, 10);
  const needed = [
    ['connectivity', minimumVersions.connectivity] as const,
    ...(inputs.serviceDiscovery || !inputs.submariner ? [['service-discovery', minimumVersions['service-discovery']] as const] : []),
  ];
  const findings = needed.map(([component, [mj, mn]]) =>
    major > mj || (major === mj && minor >= mn)
      ? pass(`Kubernetes ${v.gitVersion} supports ${component} (needs ${mj}.${mn} or later)`)
      : fail(`Kubernetes ${v.gitVersion} is too old for ${component}`, `upgrade the cluster to Kubernetes ${mj}.${mn} or later`),
  );
  return { check: 'k8s-version', context: inputs.context, lookedAt, findings };
}
