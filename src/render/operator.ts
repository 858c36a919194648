import { operatorEnv, podEnv } from '../api/agent-env.js';
import { names } from '../api/names.js';
import { dnsZones } from './lighthouse.js';
import { agentContainer, commonEnvVars, deployment, env, fieldEnv } from './pod.js';
import type { KubeObject } from './types.js';
import type { ClusterValues } from './values.js';

/**
 * The operator: one replica (Recreate, so two never edit the Corefile at once) that labels the gateway nodes
 * and keeps CoreDNS forwarding the clusterset zones to Lighthouse DNS.
 */
export function renderOperator(v: ClusterValues): KubeObject {
  const discovery = v.componentsEnabled.includes('service-discovery');
  const connectivity = v.componentsEnabled.includes('connectivity');
  const container = agentContainer('operator', v, {
    env: [
      ...commonEnvVars(v),
      fieldEnv(podEnv.podName, 'metadata.name'),
      env(operatorEnv.gatewayNodes, connectivity ? v.gatewayNodes.join(',') : ''),
      env(operatorEnv.labelGateway, connectivity && v.labelGateway),
      env(operatorEnv.gatewayNodeSelector, Object.entries(v.gatewayNodeSelector).map(([k, val]) => `${k}=${val}`).join(',')),
      env(operatorEnv.corednsZones, discovery ? dnsZones(v).join(',') : ''),
    ],
  });
  return deployment(
    { component: 'operator', group: names.workload.operator, namespace: v.namespace, podSpec: { terminationGracePeriodSeconds: 0, containers: [container] } },
    1,
    { type: 'Recreate' },
  );
}
