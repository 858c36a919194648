import { lighthouseAgentEnv, lighthouseDnsEnv, ports } from '../api/agent-env.js';
import { agentContainer, brokerEnvVars, commonEnvVars, deployment, env, metricsService, podLabels } from './pod.js';
import { meta, object, type KubeObject } from './types.js';
import type { ClusterValues } from './values.js';
import { names, wellKnown } from '../api/names.js';

const group = 'submariner-lighthouse';

/** The zones lighthouse DNS serves: clusterset.local, then the custom domains. */
export function dnsZones(v: ClusterValues): string[] {
  return [wellKnown.clustersetDomain, ...v.customDomains.filter((d) => d !== wellKnown.clustersetDomain)];
}

export function renderLighthouseAgent(v: ClusterValues): KubeObject {
  const container = agentContainer('lighthouse-agent', v, {
    ports: [{ name: 'metrics', containerPort: ports.lighthouseAgentMetrics, protocol: 'TCP' }],
    env: [
      ...commonEnvVars(v),
      env(lighthouseAgentEnv.excludeNamespaces, `${v.namespace},kube-system`),
      env(lighthouseAgentEnv.globalnetEnabled, v.globalnet.enabled),
      env(lighthouseAgentEnv.clustersetIpEnabled, v.clustersetIp.enabled),
      env(lighthouseAgentEnv.clustersetIpCidr, v.clustersetIp.cidr),
      env(lighthouseAgentEnv.disconnectGraceSeconds, 60),
      env(lighthouseAgentEnv.metricsPort, ports.lighthouseAgentMetrics),
      ...brokerEnvVars(v),
    ],
  });
  return deployment(
    {
      component: 'lighthouse-agent',
      group,
      namespace: v.namespace,
      podSpec: { terminationGracePeriodSeconds: 0, containers: [container] },
    },
    1,
  );
}

export function renderLighthouseDns(v: ClusterValues): KubeObject {
  const container = agentContainer('lighthouse-dns', v, {
    ports: [
      { name: 'dns-udp', containerPort: ports.dns, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: ports.dns, protocol: 'TCP' },
      { name: 'metrics', containerPort: ports.dnsMetrics, protocol: 'TCP' },
    ],
    securityContext: {
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    },
    env: [
      ...commonEnvVars(v),
      env(lighthouseDnsEnv.dnsPort, ports.dns),
      env(lighthouseDnsEnv.metricsPort, ports.dnsMetrics),
      env(lighthouseDnsEnv.zones, dnsZones(v).join(',')),
      env(lighthouseDnsEnv.ttl, v.dnsTtlSeconds),
    ],
  });
  return deployment(
    {
      component: 'lighthouse-dns',
      group,
      namespace: v.namespace,
      podSpec: { terminationGracePeriodSeconds: 0, containers: [container] },
    },
    2,
  );
}

/** The ClusterIP Service cluster DNS forwards the clusterset zones to. */
export function renderLighthouseDnsService(v: ClusterValues): KubeObject {
  const labels = podLabels('lighthouse-dns', group);
  return object('v1', 'Service', meta(names.lighthouseDnsService, v.namespace, labels), {
    spec: {
      type: 'ClusterIP',
      selector: { app: labels.app },
      ports: [
        { name: 'dns-udp', protocol: 'UDP', port: ports.dns, targetPort: ports.dns },
        { name: 'dns-tcp', protocol: 'TCP', port: ports.dns, targetPort: ports.dns },
        { name: 'metrics', protocol: 'TCP', port: ports.dnsMetrics, targetPort: ports.dnsMetrics },
      ],
    },
  });
}

export function renderLighthouseAgentMetricsService(v: ClusterValues): KubeObject {
  return metricsService(names.metricsServices.lighthouseAgent, 'lighthouse-agent', group, v.namespace, ports.lighthouseAgentMetrics, ports.lighthouseAgentMetrics);
}
