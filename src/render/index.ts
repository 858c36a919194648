import { agentComponents, type AgentComponent } from '../api/agent-env.js';
import { renderBrokerSecret, renderPskSecret, renderServiceDiscoveryCR, renderSubmarinerCR } from './config.js';
import { renderGateway, renderGatewayMetricsService, renderGlobalnet, renderGlobalnetMetricsService, renderRouteAgent } from './connectivity.js';
import { sharedCrds } from './crds.js';
import { renderLighthouseAgent, renderLighthouseAgentMetricsService, renderLighthouseDns, renderLighthouseDnsService } from './lighthouse.js';
import { renderOperator } from './operator.js';
import { renderRbac } from './rbac.js';
import { meta, object, type KubeObject } from './types.js';
import type { ClusterValues } from './values.js';

export { renderCrds } from './crds.js';
export { toYaml } from './yaml.js';
export { parseClusterValues, parseImageOverrides, brokerApiServer, InvalidValuesError } from './values.js';
export type { ClusterValues, ClusterValuesInput, CableDriverName, ComponentName } from './values.js';
export type { KubeObject } from './types.js';

/** The agents a cluster runs for its values. */
export function enabledAgents(v: ClusterValues): AgentComponent[] {
  const connectivity = v.componentsEnabled.includes('connectivity');
  const discovery = v.componentsEnabled.includes('service-discovery');
  return agentComponents.filter((c) => {
    if (c === 'operator') return true;
    if (c === 'globalnet') return connectivity && v.globalnet.enabled;
    if (c === 'gateway' || c === 'routeagent') return connectivity;
    return discovery;
  });
}

/**
 * Every object one cluster needs, in apply order: the CRDs, namespace, RBAC, secrets, configuration CRs,
 * then the agent workloads (the operator among them labels the gateway nodes and configures CoreDNS).
 * `join` server-side applies exactly this list and the hub addon ships it as ManifestWork. Pure: the same
 * values always give the same list, and the objects share no state, so callers may change them freely.
 */
export function renderCluster(v: ClusterValues): KubeObject[] {
  const agents = enabledAgents(v);
  const connectivity = v.componentsEnabled.includes('connectivity');
  const discovery = v.componentsEnabled.includes('service-discovery');
  const workloads: Record<AgentComponent, () => KubeObject[]> = {
    gateway: () => [renderGateway(v), renderGatewayMetricsService(v)],
    routeagent: () => [renderRouteAgent(v)],
    globalnet: () => [renderGlobalnet(v), renderGlobalnetMetricsService(v)],
    'lighthouse-agent': () => [renderLighthouseAgent(v), renderLighthouseAgentMetricsService(v)],
    'lighthouse-dns': () => [renderLighthouseDns(v), renderLighthouseDnsService(v)],
    operator: () => [renderOperator(v)],
  };
  const objects = [
    ...sharedCrds(),
    object('v1', 'Namespace', meta(v.namespace)),
    ...agents.flatMap((c) => renderRbac(c, v.namespace)),
    renderBrokerSecret(v),
    ...(connectivity ? [renderPskSecret(v)] : []),
    ...(connectivity ? [renderSubmarinerCR(v)] : []),
    ...(discovery ? [renderServiceDiscoveryCR(v)] : []),
    ...agents.flatMap((c) => workloads[c]()),
  ];
  return structuredClone(objects);
}
