import { brokerSecretKeys, ipsecPskSecretKey } from '../api/agent-env.js';
import { meta, object, type KubeObject } from './types.js';
import { brokerApiServer, type ClusterValues } from './values.js';
import { ServiceDiscoveryResource, SubmarinerResource, apiVersionOf } from '../api/index.js';
import { names } from '../api/names.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The broker token and CA, in the shape of a ServiceAccount token Secret. */
export function renderBrokerSecret(v: ClusterValues): KubeObject {
  return object('v1', 'Secret', meta(names.brokerSecret, v.namespace), {
    type: 'Opaque',
    data: {
      [brokerSecretKeys.ca]: v.broker.ca,
      [brokerSecretKeys.namespace]: b64(v.broker.namespace),
      [brokerSecretKeys.token]: b64(v.broker.token),
    },
  });
}

/** The IPsec PSK; the key holds the base64 PSK text that CE_IPSEC_PSK carries. */
export function renderPskSecret(v: ClusterValues): KubeObject {
  return object('v1', 'Secret', meta(names.ipsecPskSecret, v.namespace), {
    type: 'Opaque',
    data: { [ipsecPskSecretKey]: b64(v.ipsecPsk) },
  });
}

function brokerSpec(v: ClusterValues): Record<string, unknown> {
  return {
    broker: 'k8s',
    brokerK8sApiServer: brokerApiServer(v),
    brokerK8sSecret: names.brokerSecret,
    brokerK8sRemoteNamespace: v.broker.namespace,
    brokerK8sInsecure: v.broker.insecure,
  };
}

const overrides = (v: ClusterValues): Record<string, string> => ({ ...v.imageOverrides });

/** The `Submariner` CR: the cluster's connectivity configuration (secrets referenced, never inline). */
export function renderSubmarinerCR(v: ClusterValues): KubeObject {
  return object(apiVersionOf(SubmarinerResource), SubmarinerResource.kind, meta(names.submarinerCR, v.namespace), {
    spec: {
      ...brokerSpec(v),
      clusterID: v.clusterId,
      namespace: v.namespace,
      clusterCIDR: v.clusterCidrs.join(','),
      serviceCIDR: v.serviceCidrs.join(','),
      globalCIDR: v.globalnet.globalCidr,
      colorCodes: 'blue',
      cableDriver: v.cableDriver,
      natEnabled: v.natEnabled,
      ceIPSecPSKSecret: names.ipsecPskSecret,
      ceIPSecNATTPort: v.nattPort,
      ceIPSecDebug: v.ipsecDebug,
      ceIPSecPreferredServer: v.preferredServer,
      ceIPSecForceUDPEncaps: v.forceUdpEncaps,
      connectionHealthCheck: { ...v.healthCheck },
      airGappedDeployment: v.airGapped,
      loadBalancerEnabled: false,
      serviceDiscoveryEnabled: v.componentsEnabled.includes('service-discovery'),
      clustersetIPEnabled: v.clustersetIp.enabled,
      ...(v.clustersetIp.cidr ? { clustersetIPCIDR: v.clustersetIp.cidr } : {}),
      customDomains: [...v.customDomains],
      repository: v.repository,
      version: v.version,
      debug: v.debug,
      imageOverrides: overrides(v),
    },
  });
}

/** The `ServiceDiscovery` CR: the cluster's service-discovery configuration. */
export function renderServiceDiscoveryCR(v: ClusterValues): KubeObject {
  const { broker: _type, ...broker } = brokerSpec(v);
  return object(apiVersionOf(ServiceDiscoveryResource), ServiceDiscoveryResource.kind, meta(names.serviceDiscoveryCR, v.namespace), {
    spec: {
      ...broker,
      clusterID: v.clusterId,
      namespace: v.namespace,
      globalnetEnabled: v.globalnet.enabled,
      clustersetIPEnabled: v.clustersetIp.enabled,
      ...(v.clustersetIp.cidr ? { clustersetIPCIDR: v.clustersetIp.cidr } : {}),
      customDomains: [...v.customDomains],
      repository: v.repository,
      version: v.version,
      debug: v.debug,
      imageOverrides: overrides(v),
    },
  });
}
