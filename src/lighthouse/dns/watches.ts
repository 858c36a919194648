import type { KubeConfig } from '@kubernetes/client-node';
import { EndpointSliceResource, GatewayResource, ServiceImportResource } from '../../api/index.js';
import type { Logger } from '../../base/log.js';
import { watchResource } from '../../kube/watch/index.js';
import type { GatewayClusterStatus } from './cluster-status.js';
import type { Resolver } from './resolver.js';
import { labels, lighthouseManagedBy } from '../../api/names.js';

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
  const imports = watchResource(kc, ServiceImportResource, { log, name: 'serviceimports' });
  imports.on('add', (o) => resolver.upsertServiceImport(o));
  imports.on('update', (o) => resolver.upsertServiceImport(o));
  imports.on('delete', (o) => resolver.deleteServiceImport(o));

  const slices = watchResource(kc, EndpointSliceResource, { labelSelector: `${labels.managedBy}=${lighthouseManagedBy}`, log, name: 'endpointslices' });
  slices.on('add', (o) => resolver.upsertEndpointSlice(o));
  slices.on('update', (o) => resolver.upsertEndpointSlice(o));
  slices.on('delete', (o) => resolver.deleteEndpointSlice(o));

  const gateways = watchResource(kc, GatewayResource, {
    log,
    name: 'gateways',
    onError: (err) => {
      if (!isNotFound(err) || !status.gatewayApiPresent) return;
      // Service discovery without the Submariner data plane: no Gateway CRD, so no connectivity to judge.
      status.setGatewayApiPresent(false);
      log.info('the Gateway API is not installed: every cluster counts as connected');
    },
  });
  gateways.on('add', (o) => status.upsertGateway(o));
  gateways.on('update', (o) => status.upsertGateway(o));
  gateways.on('delete', (o) => status.deleteGateway(o));
  gateways.onSynced(() => status.setGatewayApiPresent(true));

  const watches = [imports, slices, gateways];
  return {
    start: async () => {
      await Promise.all(watches.map((w) => w.start()));
    },
    stop: async () => {
      await Promise.all(watches.map((w) => w.stop()));
    },
    synced: () => imports.synced && slices.synced && (gateways.synced || !status.gatewayApiPresent),
  };
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  return e?.code === 404 || e?.statusCode === 404;
}
