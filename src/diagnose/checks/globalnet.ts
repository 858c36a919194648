import type { Condition } from '../../api/generated.js';
import { globalIPConditions, wellKnown } from '../../api/names.js';
import { fail, pass, skip, type CheckResult, type Finding } from '../model.js';
import type { ClusterInputs } from '../inputs.js';

const allocated = (conds: readonly Condition[] | undefined): Condition | undefined => conds?.find((c) => c.type === globalIPConditions.allocated);
const why = (c: Condition | undefined): string => (c ? ` (${c.reason}: ${c.message})` : ' (no Allocated condition yet)');
const globalnetLog = 'read the globalnet pod\'s log (kubectl -n submariner-operator logs -l app=submariner-globalnet)';

/** With Globalnet on: the cluster egress IPs, every GlobalEgressIP and a GlobalIngressIP for every exported ClusterIP Service are allocated. */
export function checkGlobalnet(inputs: Pick<ClusterInputs, 'context' | 'submariner' | 'clusterGlobalEgressIPs' | 'globalEgressIPs' | 'globalIngressIPs' | 'serviceExports' | 'services'>): CheckResult {
  const lookedAt = 'the ClusterGlobalEgressIPs, GlobalEgressIPs and GlobalIngressIPs, and the exported Services';
  const result = (findings: Finding[]): CheckResult => ({ check: 'globalnet', context: inputs.context, lookedAt, findings });
  const globalCidr = inputs.submariner?.status?.globalCIDR ?? inputs.submariner?.spec.globalCIDR;
  if (!globalCidr) return result([skip('Globalnet is off in this cluster')]);
  const findings: Finding[] = [];
  const cluster = inputs.clusterGlobalEgressIPs;
  const egress = cluster.find((c) => c.metadata.name === wellKnown.clusterEgressIP);
  if (!egress) findings.push(fail(`there is no ClusterGlobalEgressIP ${wellKnown.clusterEgressIP}`, globalnetLog));
  for (const extra of cluster.filter((c) => c.metadata.name !== wellKnown.clusterEgressIP)) {
    findings.push(fail(`ClusterGlobalEgressIP ${extra.metadata.name ?? ''} is not used: only ${wellKnown.clusterEgressIP} is`, `delete it: kubectl delete clusterglobalegressip ${extra.metadata.name ?? ''}`));
  }
  if (egress) {
    const want = egress.spec?.numGlobalIPs ?? 1;
    const got = egress.status?.allocatedIPs?.length ?? 0;
    findings.push(
      got === want && allocated(egress.status?.conditions)?.status !== 'False'
        ? pass(`ClusterGlobalEgressIP ${wellKnown.clusterEgressIP} has its ${want} global IPs (${(egress.status?.allocatedIPs ?? []).join(', ')}) from ${globalCidr}`)
        : fail(`ClusterGlobalEgressIP ${wellKnown.clusterEgressIP} has ${got} of ${want} global IPs${why(allocated(egress.status?.conditions))}`, globalnetLog),
    );
  }
  for (const g of inputs.globalEgressIPs) {
    const want = g.spec?.numberOfIPs ?? 1;
    const got = g.status?.allocatedIPs?.length ?? 0;
    const id = `${g.metadata.namespace ?? ''}/${g.metadata.name ?? ''}`;
    findings.push(got === want ? pass(`GlobalEgressIP ${id} has its ${want} global IPs`) : fail(`GlobalEgressIP ${id} has ${got} of ${want} global IPs${why(allocated(g.status?.conditions))}`, globalnetLog));
  }
  for (const e of inputs.serviceExports) {
    const ns = e.metadata.namespace ?? '';
    const name = e.metadata.name ?? '';
    const svc = inputs.services.find((s) => s.metadata?.namespace === ns && s.metadata.name === name);
    if (!svc || svc.spec?.clusterIP === 'None') continue;
    const ingress = inputs.globalIngressIPs.find((i) => i.metadata.namespace === ns && i.spec.target === 'ClusterIPService' && i.spec.serviceRef?.name === name);
    findings.push(
      ingress?.status?.allocatedIP
        ? pass(`exported Service ${ns}/${name} has global IP ${ingress.status.allocatedIP}`)
        : fail(`exported Service ${ns}/${name} has no global IP${ingress ? why(allocated(ingress.status?.conditions)) : ' (no GlobalIngressIP)'}`, globalnetLog),
    );
  }
  return result(findings);
}
