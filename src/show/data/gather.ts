import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ObjectOf, ResourceDescriptor, Submariner } from '../../api/index.js';
import { BrokerResource, ClusterGlobalEgressIPResource, EndpointResource, GatewayResource, SubmarinerResource } from '../../api/index.js';
import { names, wellKnown } from '../../api/names.js';
import { apiStatus, retryBusy } from '../../kube/apply.js';
import { resourceClient } from '../../kube/resource-client.js';
import { brokerRows, type BrokerRow } from './brokers.js';
import { connectionRows, type ConnectionRow } from './connections.js';
import { endpointRows, type EndpointRow } from './endpoints.js';
import { gatewayRows, type GatewayRow } from './gateways.js';
import { networkRows, type NetworkRow } from './networks.js';
import { versionRows, type VersionRow } from './versions.js';

/** One cluster to show, labelled with its kube context. */
export interface Target {
  context: string;
  kc: KubeConfig;
  namespace: string;
}

/** The objects of a kind in one namespace, or in all; none when its CRD is not installed. */
export async function list<R extends ResourceDescriptor>(t: Target, r: R, namespace?: string): Promise<ObjectOf<R>[]> {
  try {
    return await retryBusy(() => resourceClient(t.kc, r).list({ namespace }));
  } catch (err) {
    if (apiStatus(err) === 404) return [];
    throw err;
  }
}

async function submariner(t: Target): Promise<Submariner | undefined> {
  const items = await list(t, SubmarinerResource, t.namespace);
  return items.find((s) => s.metadata.name === names.submarinerCR);
}

export async function connections(t: Target): Promise<ConnectionRow[]> {
  return connectionRows(t.context, await list(t, GatewayResource, t.namespace));
}

export async function endpoints(t: Target): Promise<EndpointRow[]> {
  const [eps, subm] = await Promise.all([list(t, EndpointResource, t.namespace), submariner(t)]);
  return endpointRows(t.context, eps, subm?.spec.clusterID);
}

export async function gateways(t: Target): Promise<GatewayRow[]> {
  return gatewayRows(t.context, await list(t, GatewayResource, t.namespace));
}

export async function networks(t: Target): Promise<NetworkRow[]> {
  const subm = await submariner(t);
  const egress = subm?.spec.globalCIDR ? (await list(t, ClusterGlobalEgressIPResource)).find((e) => e.metadata.name === wellKnown.clusterEgressIP) : undefined;
  return networkRows(t.context, subm, egress);
}

export async function versions(t: Target): Promise<VersionRow[]> {
  const apps = t.kc.makeApiClient(AppsV1Api);
  const [ds, deploy] = await Promise.all([
    apps.listNamespacedDaemonSet({ namespace: t.namespace }).catch(() => ({ items: [] })),
    apps.listNamespacedDeployment({ namespace: t.namespace }).catch(() => ({ items: [] })),
  ]);
  return versionRows(t.context, [...ds.items, ...deploy.items]);
}

export async function brokers(t: Target): Promise<BrokerRow[]> {
  return brokerRows(t.context, await list(t, BrokerResource));
}

export const views = { connections, endpoints, gateways, networks, versions, brokers };
export type ViewName = keyof typeof views;
export const viewNames = Object.keys(views) as ViewName[];

/** The rows of one view over every target cluster. */
export async function gather(view: ViewName, ts: readonly Target[]): Promise<{ context: string }[]> {
  const rows = await Promise.all(ts.map((t) => views[view](t) as Promise<{ context: string }[]>));
  return rows.flat();
}
