import { fail, pass, skip, type CheckResult, type Finding } from '../model.js';
import type { ClusterInputs } from '../inputs.js';

/** kube-proxy in IPVS mode (a kube-ipvs0 interface) is not supported; OVN-Kubernetes has no kube-proxy. */
export function checkKubeProxyMode(inputs: Pick<ClusterInputs, 'context' | 'submariner' | 'nodeOutputs'>): CheckResult {
  const lookedAt = '`ip -d link show` on every node (through its route-agent pod)';
  const result = (findings: Finding[]): CheckResult => ({ check: 'kube-proxy-mode', context: inputs.context, lookedAt, findings });
  if (inputs.submariner?.status?.networkPlugin === 'OVNKubernetes') return result([skip('OVN-Kubernetes replaces kube-proxy')]);
  const nodes = Object.entries(inputs.nodeOutputs);
  if (nodes.length === 0) return result([skip('no running route-agent pod to look from')]);
  return result(
    nodes.map(([node, out]) => {
      const link = out['ip_-d_link'];
      if (!link || link.code !== 0) return skip(`cannot list the links of ${node}: ${link?.stderr.trim() || 'no output'}`);
      return /^\d+: kube-ipvs0[:@]/m.test(link.stdout)
        ? fail(`kube-proxy runs in IPVS mode on ${node} (interface kube-ipvs0)`, 'run kube-proxy in iptables mode (--proxy-mode iptables); Submariner does not support IPVS')
        : pass(`kube-proxy does not run in IPVS mode on ${node}`);
    }),
  );
}
