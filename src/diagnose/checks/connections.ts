import { fail, pass, skip, type CheckResult, type Finding } from '../model.js';
import { clusterIdOf, type ClusterInputs } from '../inputs.js';

const fixFor = (remote: string): string =>
  `check the firewall between the gateways (kubectl submariner diagnose firewall), then the gateway logs of both clusters (kubectl logs -n submariner-operator -l app=submariner-gateway) for the cable to ${remote}`;

/** The active gateway is connected to every remote cluster, and every node's route agent reaches them. */
export function checkConnections(inputs: Pick<ClusterInputs, 'context' | 'gateways' | 'endpoints' | 'routeAgents' | 'submariner' | 'serviceDiscovery'>): CheckResult {
  const lookedAt = 'the Gateway objects\' connections, the remote Endpoints and the RouteAgent objects\' remoteEndpoints';
  const result = (findings: Finding[]): CheckResult => ({ check: 'connections', context: inputs.context, lookedAt, findings });
  if (!inputs.submariner) return result([skip('connectivity is not installed (no Submariner object)')]);
  const active = inputs.gateways.filter((g) => g.status?.haStatus === 'active');
  const gw = active[0];
  if (!gw?.status) return result([fail('no gateway is active', 'check the gateway pods (kubectl submariner diagnose deployment)')]);
  const findings: Finding[] = [];
  if (gw.status.statusFailure) findings.push(fail(`gateway ${gw.metadata.name ?? ''} reports: ${gw.status.statusFailure}`, 'read the gateway pod\'s log'));
  const local = clusterIdOf(inputs);
  const remotes = inputs.endpoints.filter((e) => e.spec.cluster_id !== local).map((e) => e.spec.cluster_id);
  for (const c of gw.status.connections) {
    const rtt = c.latencyRTT?.average ? ` (RTT ${c.latencyRTT.average})` : '';
    findings.push(
      c.status === 'connected'
        ? pass(`gateway ${gw.metadata.name ?? ''} is connected to ${c.endpoint.cluster_id} (${c.endpoint.hostname}, ${c.usingIP ?? c.endpoint.private_ip})${rtt}`)
        : fail(`the connection from ${gw.metadata.name ?? ''} to ${c.endpoint.cluster_id} (${c.endpoint.hostname}) is ${c.status}${c.statusMessage ? `: ${c.statusMessage}` : ''}`, fixFor(c.endpoint.cluster_id)),
    );
  }
  for (const r of remotes.filter((r) => !gw.status?.connections.some((c) => c.endpoint.cluster_id === r))) {
    findings.push(fail(`gateway ${gw.metadata.name ?? ''} has no connection to ${r}, whose Endpoint it has`, fixFor(r)));
  }
  for (const ra of inputs.routeAgents) {
    for (const re of ra.status?.remoteEndpoints ?? []) {
      if (re.status === 'connected' || re.status === 'none') continue;
      findings.push(
        fail(`the route agent of ${ra.metadata.name ?? ''} reaches ${re.spec.cluster_id} with status ${re.status}${re.statusMessage ? `: ${re.statusMessage}` : ''}`, `check the VXLAN path from ${ra.metadata.name ?? ''} to the active gateway (kubectl submariner diagnose firewall) and the route agent's log`),
      );
    }
  }
  if (findings.length === 0) findings.push(skip('there is no remote cluster yet'));
  return result(findings);
}
