import { annotations, labels } from '../api/names.js';

/** What the operator knows of a node. */
export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export const labelledBy = 'submariner-operator';
const controlPlaneRole = 'node-role.kubernetes.io/control-plane';

export interface GatewayPlan {
  /** Nodes to give the gateway labels. */
  label: string[];
  /** Named nodes the cluster does not have. */
  missing: string[];
}

export function isGateway(node: NodeInfo, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => node.labels[k] === v);
}

/**
 * Which nodes to label as gateways: the named ones; else, when no node is a gateway yet and `autoLabel`,
 * one picked as subctl join picks it: a node with a public-IP annotation, else a worker, else any node.
 */
export function planGatewayLabels(nodes: readonly NodeInfo[], selector: Record<string, string>, named: readonly string[], autoLabel: boolean): GatewayPlan {
  if (named.length > 0) {
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const missing = named.filter((n) => !byName.has(n));
    const label = named.filter((n) => {
      const node = byName.get(n);
      return node !== undefined && !isGateway(node, selector);
    });
    return { label, missing };
  }
  if (!autoLabel || nodes.some((n) => isGateway(n, selector))) return { label: [], missing: [] };
  const sorted = [...nodes].sort((a, b) => a.name.localeCompare(b.name));
  const pick =
    sorted.find((n) => n.annotations[annotations.gatewayPublicIp] !== undefined) ??
    sorted.find((n) => !Object.keys(n.labels).some((l) => l.startsWith(controlPlaneRole))) ??
    sorted[0];
  return { label: pick ? [pick.name] : [], missing: [] };
}

/**
 * The nodes whose gateway labels uninstall removes: those the operator labelled, and any carrying Submariner's
 * own `submariner.io/gateway` label (as subctl uninstall does). Labels of a custom selector set by hand stay.
 */
export function planGatewayUnlabels(nodes: readonly NodeInfo[]): string[] {
  return nodes.filter((n) => n.annotations[annotations.gatewayLabelledBy] !== undefined || n.labels[labels.gateway] !== undefined).map((n) => n.name);
}
