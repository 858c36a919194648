import type { Condition } from '../../api/generated.js';
import { labels, serviceExportConditions } from '../../api/names.js';
import { fail, pass, skip, type CheckResult, type Finding } from '../model.js';
import { clusterIdOf, type ClusterInputs } from '../inputs.js';

const condition = (conds: readonly Condition[] | undefined, type: string): Condition | undefined => conds?.find((c) => c.type === type);

/** Every ServiceExport has its Service, the local EndpointSlice, a ServiceImport, and is Valid and Ready without conflict. */
export function checkServiceDiscovery(
  inputs: Pick<ClusterInputs, 'context' | 'serviceDiscovery' | 'submariner' | 'serviceExports' | 'serviceImports' | 'endpointSlices' | 'services'>,
): CheckResult {
  const lookedAt = 'the ServiceExports, their Services, Lighthouse\'s EndpointSlices and the ServiceImports';
  const result = (findings: Finding[]): CheckResult => ({ check: 'service-discovery', context: inputs.context, lookedAt, findings });
  if (!inputs.serviceDiscovery) return result([skip('service discovery is not installed (no ServiceDiscovery object)')]);
  if (inputs.serviceExports.length === 0) return result([skip('no Service is exported')]);
  const local = clusterIdOf(inputs);
  const findings: Finding[] = [];
  for (const e of inputs.serviceExports) {
    const ns = e.metadata.namespace ?? '';
    const name = e.metadata.name ?? '';
    const id = `${ns}/${name}`;
    const problems: Finding[] = [];
    if (!inputs.services.some((s) => s.metadata?.namespace === ns && s.metadata.name === name)) {
      problems.push(fail(`ServiceExport ${id} has no Service`, `create the Service ${id} or unexport it: kubectl submariner unexport service -n ${ns} ${name}`));
    }
    const valid = condition(e.status?.conditions, serviceExportConditions.valid);
    if (valid?.status !== 'True') {
      problems.push(fail(`ServiceExport ${id} is not Valid${valid ? ` (${valid.reason}: ${valid.message})` : ' (no condition yet)'}`, 'fix what the condition names; the Lighthouse agent log says more'));
    }
    const ready = condition(e.status?.conditions, serviceExportConditions.ready);
    if (valid?.status === 'True' && ready?.status !== 'True') {
      problems.push(fail(`ServiceExport ${id} is not Ready${ready ? ` (${ready.reason}: ${ready.message})` : ' (no condition yet)'}`, 'check the Lighthouse agent\'s connection to the broker (its log)'));
    }
    const conflict = condition(e.status?.conditions, serviceExportConditions.conflict);
    if (conflict?.status === 'True') problems.push(fail(`ServiceExport ${id} conflicts with other clusters' exports (${conflict.reason}: ${conflict.message})`, 'make the Service the same in every cluster that exports it'));
    const slice = inputs.endpointSlices.some(
      (s) => s.metadata?.namespace === ns && s.metadata.labels?.[labels.serviceName] === name && s.metadata.labels[labels.sourceCluster] === local,
    );
    if (!slice && valid?.status === 'True') problems.push(fail(`ServiceExport ${id} has no EndpointSlice from ${local}`, 'check the Lighthouse agent log for the EndpointSlice sync'));
    const imported = inputs.serviceImports.some((i) => i.metadata.namespace === ns && i.metadata.name === name);
    if (!imported && valid?.status === 'True') problems.push(fail(`ServiceExport ${id} has no ServiceImport`, 'check the Lighthouse agent\'s connection to the broker (its log)'));
    findings.push(...(problems.length > 0 ? problems : [pass(`ServiceExport ${id} is Valid and Ready, with its Service, EndpointSlice and ServiceImport`)]));
  }
  return result(findings);
}
