import type { V1Node } from '@kubernetes/client-node';
import type { RouteAgentConfig } from './config.js';
import { selectEndpoints } from './endpoints.js';
import type { ClusterView, EndpointInfo, Skipped } from './model.js';
import { nodeInfo } from './nodes.js';

/** The CIDRs of this cluster: pods, services and, with Globalnet, its GlobalCIDR. */
export function localCidrs(config: Pick<RouteAgentConfig, 'clusterCidrs' | 'serviceCidrs' | 'globalCidrs'>): string[] {
  return [...new Set([...config.clusterCidrs, ...config.serviceCidrs, ...config.globalCidrs])];
}

/** Builds the view from the cached Endpoints and Nodes; what cannot be used is returned in `skipped`. */
export function buildView(
  config: Pick<RouteAgentConfig, 'clusterId' | 'nodeName' | 'clusterCidrs' | 'serviceCidrs' | 'globalCidrs'>,
  endpoints: readonly unknown[],
  nodes: readonly V1Node[],
): { view: ClusterView; skipped: Skipped[] } {
  const selected = selectEndpoints(endpoints, config.clusterId, localCidrs(config));
  const skipped = [...selected.skipped];
  const infos = nodes
    .map((n) => {
      const { node, skipped: bad } = nodeInfo(n);
      if (bad) skipped.push(bad);
      return node;
    })
    .filter((n) => n.name !== '')
    .sort((a, b) => a.name.localeCompare(b.name));
  const local = selected.local;
  return {
    view: {
      clusterId: config.clusterId,
      nodeName: config.nodeName,
      self: infos.find((n) => n.name === config.nodeName),
      nodes: infos,
      localEndpoint: local,
      remoteEndpoints: selected.remote,
      isGateway: local !== undefined && sameHost(local.hostname, config.nodeName),
    },
    skipped,
  };
}

/** Host names compare without case; a short host name matches the node's fully qualified name. */
function sameHost(hostname: string, nodeName: string): boolean {
  const h = hostname.toLowerCase();
  const n = nodeName.toLowerCase();
  return h === n || n.split('.')[0] === h;
}

/** What changed between two views, in the order handlers should hear it. */
export type RouteAgentEvent =
  | { type: 'transitionToGateway' }
  | { type: 'transitionToNonGateway' }
  | { type: 'localEndpointCreated' | 'localEndpointUpdated' | 'localEndpointRemoved'; endpoint: EndpointInfo }
  | { type: 'remoteEndpointCreated' | 'remoteEndpointUpdated' | 'remoteEndpointRemoved'; endpoint: EndpointInfo }
  | { type: 'nodesChanged' };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The events that turn `prev` (undefined at start-up) into `next`. */
export function diffViews(prev: ClusterView | undefined, next: ClusterView): RouteAgentEvent[] {
  const events: RouteAgentEvent[] = [];
  const pl = prev?.localEndpoint;
  const nl = next.localEndpoint;
  if (pl && !nl) events.push({ type: 'localEndpointRemoved', endpoint: pl });
  if (!pl && nl) events.push({ type: 'localEndpointCreated', endpoint: nl });
  if (pl && nl && !same(pl, nl)) events.push({ type: 'localEndpointUpdated', endpoint: nl });
  if (prev === undefined || prev.isGateway !== next.isGateway) {
    events.push({ type: next.isGateway ? 'transitionToGateway' : 'transitionToNonGateway' });
  }
  const before = new Map((prev?.remoteEndpoints ?? []).map((e) => [e.clusterId, e]));
  const after = new Map(next.remoteEndpoints.map((e) => [e.clusterId, e]));
  for (const [id, e] of before) if (!after.has(id)) events.push({ type: 'remoteEndpointRemoved', endpoint: e });
  for (const [id, e] of after) {
    const old = before.get(id);
    if (!old) events.push({ type: 'remoteEndpointCreated', endpoint: e });
    else if (!same(old, e)) events.push({ type: 'remoteEndpointUpdated', endpoint: e });
  }
  if (prev === undefined || !same(prev.nodes, next.nodes)) events.push({ type: 'nodesChanged' });
  return events;
}
