import { gatewayEnv, globalnetEnv, ipsecPskSecretKey, leaderElection, podEnv, ports, routeAgentEnv } from '../api/agent-env.js';
import {
  agentContainer,
  brokerEnvVars,
  commonEnvVars,
  daemonSet,
  env,
  fieldEnv,
  resourceEnv,
  metricsService,
  privileged,
  secretEnv,
  tolerateAll,
  type EnvVar,
} from './pod.js';
import type { KubeObject } from './types.js';
import type { ClusterValues } from './values.js';
import { names } from '../api/names.js';

function networkEnvVars(v: ClusterValues): EnvVar[] {
  return [
    env(gatewayEnv.clusterCidr, v.clusterCidrs.join(',')),
    env(gatewayEnv.serviceCidr, v.serviceCidrs.join(',')),
    env(gatewayEnv.globalCidr, v.globalnet.globalCidr),
  ];
}

function healthCheckEnvVars(v: ClusterValues): EnvVar[] {
  return [
    env(gatewayEnv.healthCheckEnabled, v.healthCheck.enabled),
    env(gatewayEnv.healthCheckInterval, v.healthCheck.intervalSeconds),
    env(gatewayEnv.healthCheckMaxPacketLossCount, v.healthCheck.maxPacketLossCount),
  ];
}

const nodeName = fieldEnv(podEnv.nodeName, 'spec.nodeName');

/** Libreswan keeps its secrets and NSS database in per-pod directories. */
function libreswanVolumes(v: ClusterValues): { volumes?: unknown[]; volumeMounts?: unknown[] } {
  if (v.cableDriver !== 'libreswan') return {};
  return {
    volumes: [
      { name: 'ipsecd', emptyDir: {} },
      { name: 'ipsecnss', emptyDir: {} },
    ],
    volumeMounts: [
      { name: 'ipsecd', mountPath: '/etc/ipsec.d' },
      { name: 'ipsecnss', mountPath: '/var/lib/ipsec/nss' },
    ],
  };
}

export function renderGateway(v: ClusterValues): KubeObject {
  const { volumes, volumeMounts } = libreswanVolumes(v);
  const container = agentContainer('gateway', v, {
    securityContext: { ...privileged, capabilities: { add: ['NET_ADMIN'] } },
    ports: [
      { name: 'cable-encaps', containerPort: v.nattPort, hostPort: v.nattPort, protocol: 'UDP' },
      ...(v.nattDiscoveryPort === 0
        ? []
        : [{ name: 'natt-discovery', containerPort: v.nattDiscoveryPort, hostPort: v.nattDiscoveryPort, protocol: 'UDP' }]),
      { name: 'metrics', containerPort: ports.gatewayMetrics, protocol: 'TCP' },
    ],
    env: [
      ...commonEnvVars(v),
      ...networkEnvVars(v),
      env(gatewayEnv.broker, 'k8s'),
      env(gatewayEnv.cableDriver, v.cableDriver),
      env(gatewayEnv.natEnabled, v.natEnabled),
      ...healthCheckEnvVars(v),
      env(gatewayEnv.metricsPort, ports.gatewayMetrics),
      env(gatewayEnv.nattDiscoveryPort, v.nattDiscoveryPort),
      env(gatewayEnv.airGapped, v.airGapped),
      ...brokerEnvVars(v),
      secretEnv(gatewayEnv.ipsecPsk, names.ipsecPskSecret, ipsecPskSecretKey),
      env(gatewayEnv.ipsecDebug, v.ipsecDebug),
      env(gatewayEnv.nattPort, v.nattPort),
      env(gatewayEnv.preferredServer, v.preferredServer),
      env(gatewayEnv.forceEncaps, v.forceUdpEncaps),
      env(gatewayEnv.leaseDuration, leaderElection.leaseDuration),
      env(gatewayEnv.renewDeadline, leaderElection.renewDeadline),
      env(gatewayEnv.retryPeriod, leaderElection.retryPeriod),
      nodeName,
      fieldEnv(gatewayEnv.podName, 'metadata.name'),
      // wireguard-go, where the kernel has no WireGuard, runs Go code on this many threads at once: the CPUs the pod
      // may use (its limit, else the node's allocatable, rounded up), not every CPU of a host that several nodes
      // share, as the sandbox's do.
      resourceEnv(gatewayEnv.goMaxProcs, 'limits.cpu'),
    ],
    ...(volumeMounts ? { volumeMounts } : {}),
  });
  return daemonSet(
    {
      component: 'gateway',
      group: 'gateway',
      namespace: v.namespace,
      podSpec: {
        hostNetwork: true,
        dnsPolicy: 'ClusterFirstWithHostNet',
        nodeSelector: { ...v.gatewayNodeSelector },
        tolerations: tolerateAll,
        terminationGracePeriodSeconds: 5,
        containers: [container],
        ...(volumes ? { volumes } : {}),
      },
    },
    1,
  );
}

export function renderRouteAgent(v: ClusterValues): KubeObject {
  const container = agentContainer('routeagent', v, {
    securityContext: { ...privileged, capabilities: { add: ['ALL'] } },
    ports: [{ name: 'metrics', containerPort: ports.routeAgentMetrics, protocol: 'TCP' }],
    env: [
      ...commonEnvVars(v),
      ...networkEnvVars(v),
      env(routeAgentEnv.networkPlugin, v.networkPlugin),
      ...healthCheckEnvVars(v),
      env(routeAgentEnv.metricsPort, ports.routeAgentMetrics),
      nodeName,
      fieldEnv(routeAgentEnv.podName, 'metadata.name'),
    ],
  });
  return daemonSet(
    {
      component: 'routeagent',
      group: 'routeagent',
      namespace: v.namespace,
      podSpec: {
        hostNetwork: true,
        dnsPolicy: 'ClusterFirstWithHostNet',
        tolerations: tolerateAll,
        terminationGracePeriodSeconds: 1,
        containers: [container],
      },
    },
    '100%',
  );
}

export function renderGlobalnet(v: ClusterValues): KubeObject {
  const container = agentContainer('globalnet', v, {
    securityContext: { ...privileged, capabilities: { add: ['ALL'] } },
    ports: [{ name: 'metrics', containerPort: ports.globalnetMetrics, protocol: 'TCP' }],
    env: [...commonEnvVars(v), ...networkEnvVars(v), env(globalnetEnv.metricsPort, ports.globalnetMetrics), nodeName, fieldEnv(globalnetEnv.podName, 'metadata.name')],
  });
  return daemonSet(
    {
      component: 'globalnet',
      group: 'globalnet',
      namespace: v.namespace,
      podSpec: {
        hostNetwork: true,
        dnsPolicy: 'ClusterFirstWithHostNet',
        nodeSelector: { ...v.gatewayNodeSelector },
        tolerations: tolerateAll,
        terminationGracePeriodSeconds: 2,
        containers: [container],
      },
    },
    1,
  );
}

export function renderGatewayMetricsService(v: ClusterValues): KubeObject {
  return metricsService(names.metricsServices.gateway, 'gateway', 'gateway', v.namespace, ports.gatewayMetricsService, ports.gatewayMetrics);
}

export function renderGlobalnetMetricsService(v: ClusterValues): KubeObject {
  return metricsService(names.metricsServices.globalnet, 'globalnet', 'globalnet', v.namespace, ports.globalnetMetricsService, ports.globalnetMetrics);
}
