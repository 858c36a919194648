import {
  CustomObjectsApi,
  DiscoveryV1Api,
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { GatewayClusterStatus } from './cluster-status.js';
import { InformerSupervisor } from '../../kube/informer-supervisor.js';
import type { Logger } from '../../base/log.js';
import type { Resolver } from './resolver.js';
import { GatewayResource, ServiceImportResource, customObjectRef, type ResourceDescriptor } from '../../api/index.js';
import { groups, labels, lighthouseManagedBy } from '../../api/names.js';
import type { Gateway, ServiceImport } from './types.js';

export interface LighthouseWatches {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether every watched kind has been listed once. */
  synced(): boolean;
}

/**
 * Feeds the resolver from ServiceImports (all namespaces) and Lighthouse EndpointSlices, and the cluster
 * status from Gateways.
 */
export function watchLighthouseObjects(kc: KubeConfig, resolver: Resolver, status: GatewayClusterStatus, log: Logger): LighthouseWatches {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const listCustom =
    <T extends KubernetesObject>(r: ResourceDescriptor) =>
    () =>
      custom.listClusterCustomObject(customObjectRef(r)) as Promise<KubernetesListObject<T>>;

  const imports = makeInformer<ServiceImport & KubernetesObject>(
    kc,
    `/apis/${ServiceImportResource.group}/${ServiceImportResource.version}/${ServiceImportResource.plural}`,
    listCustom(ServiceImportResource),
  );
  imports.on('add', (o) => resolver.upsertServiceImport(o));
  imports.on('update', (o) => resolver.upsertServiceImport(o));
  imports.on('delete', (o) => resolver.deleteServiceImport(o));

  const selector = `${labels.managedBy}=${lighthouseManagedBy}`;
  const slices = makeInformer(
    kc,
    `/apis/${groups.discovery}/v1/endpointslices`,
    () => discovery.listEndpointSliceForAllNamespaces({ labelSelector: selector }),
    selector,
  );
  slices.on('add', (o) => resolver.upsertEndpointSlice(o));
  slices.on('update', (o) => resolver.upsertEndpointSlice(o));
  slices.on('delete', (o) => resolver.deleteEndpointSlice(o));

  const gateways = makeInformer<Gateway & KubernetesObject>(
    kc,
    `/apis/${GatewayResource.group}/${GatewayResource.version}/${GatewayResource.plural}`,
    listCustom(GatewayResource),
  );
  gateways.on('add', (o) => status.upsertGateway(o));
  gateways.on('update', (o) => status.upsertGateway(o));
  gateways.on('delete', (o) => status.deleteGateway(o));

  const supervisors = [
    new InformerSupervisor(imports, { name: 'serviceimports', log }),
    new InformerSupervisor(slices, { name: 'endpointslices', log }),
    new InformerSupervisor(gateways, {
      name: 'gateways',
      log,
      onSynced: () => status.setGatewayApiPresent(true),
      onError: (err) => {
        if (!isNotFound(err) || !status.gatewayApiPresent) return;
        // Service discovery without the Submariner data plane: no Gateway CRD, so no connectivity to judge.
        status.setGatewayApiPresent(false);
        log.info('the Gateway API is not installed: every cluster counts as connected');
      },
    }),
  ];
  return {
    start: async () => {
      await Promise.all(supervisors.map((s) => s.start()));
    },
    stop: async () => {
      await Promise.all(supervisors.map((s) => s.stop()));
    },
    synced: () => supervisors.every((s, i) => s.synced || (i === 2 && !status.gatewayApiPresent)),
  };
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  return e?.code === 404 || e?.statusCode === 404;
}
