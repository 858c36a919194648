import { isIPv4 } from 'node:net';
import type { V1Node } from '@kubernetes/client-node';
import { annotations } from '../api/names.js';
import type { NodeInfo, Skipped } from './model.js';

/** The smallest and largest MSS the tcp-clamp-mss annotation may force. */
const MSS_RANGE = { min: 536, max: 65495 } as const;

/** The Node's name, IPv4 InternalIP and forced MSS; a bad annotation is reported and ignored. */
export function nodeInfo(node: V1Node): { node: NodeInfo; skipped?: Skipped } {
  const name = node.metadata?.name ?? '';
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP' && isIPv4(a.address))?.address;
  const info: NodeInfo = { name, ip };
  const raw = node.metadata?.annotations?.[annotations.tcpClampMss];
  if (raw === undefined || raw.trim() === '') return { node: info };
  const mss = Number(raw.trim());
  if (/^\d+$/.test(raw.trim()) && mss >= MSS_RANGE.min && mss <= MSS_RANGE.max) return { node: { ...info, clampMss: mss } };
  return {
    node: info,
    skipped: {
      kind: 'Node',
      name,
      version: node.metadata?.resourceVersion ?? '',
      reason: `annotation ${annotations.tcpClampMss}="${raw}" is not a whole number from ${MSS_RANGE.min} to ${MSS_RANGE.max}: clamping the MSS to the path MTU instead`,
    },
  };
}
