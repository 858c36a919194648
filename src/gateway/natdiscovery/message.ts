import { isIPv4 } from 'node:net';

/** NAT discovery messages: JSON over UDP, both ends are ours. Version 1. */
export const NAT_MESSAGE_VERSION = 1;

export interface NatEndpointRef {
  clusterId: string;
  /** The cable name of the gateway. */
  endpointId: string;
}

export interface NatAddress {
  ip: string;
  port: number;
}

export interface NatRequest {
  version: 1;
  type: 'request';
  requestNumber: number;
  sender: NatEndpointRef;
  receiver: NatEndpointRef;
  /** The address and port the sender sends from, as it sees them. */
  usingSrc: NatAddress;
  /** The address and port the sender sends to. */
  usingDst: NatAddress;
}

export const NatResponseCodes = ['OK', 'NAT_DETECTED', 'UNKNOWN_DST_CLUSTER', 'UNKNOWN_DST_ENDPOINT', 'MALFORMED'] as const;
export type NatResponseCode = (typeof NatResponseCodes)[number];

export interface NatResponse {
  version: 1;
  type: 'response';
  requestNumber: number;
  response: NatResponseCode;
  sender: NatEndpointRef;
  receiver: NatEndpointRef;
  srcIpNatDetected: boolean;
  srcPortNatDetected: boolean;
  dstIpNatDetected: boolean;
  /** The source address and port the responder saw. */
  receivedSrc: NatAddress;
}

export type NatMessage = NatRequest | NatResponse;

/** The largest message we accept: a request or response is a few hundred bytes. */
export const MAX_NAT_MESSAGE_BYTES = 4096;

export function encodeNatMessage(msg: NatMessage): Buffer {
  return Buffer.from(JSON.stringify(msg));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function ref(v: unknown, what: string): NatEndpointRef {
  if (!isObject(v) || typeof v.clusterId !== 'string' || typeof v.endpointId !== 'string') throw new Error(`${what} must be {clusterId, endpointId}`);
  return { clusterId: v.clusterId, endpointId: v.endpointId };
}

function address(v: unknown, what: string): NatAddress {
  if (!isObject(v) || typeof v.ip !== 'string' || !isIPv4(v.ip) || !Number.isInteger(v.port) || (v.port as number) < 0 || (v.port as number) > 65535) {
    throw new Error(`${what} must be {ip: IPv4, port}`);
  }
  return { ip: v.ip, port: v.port as number };
}

/** Parses and checks a message; throws a short reason when it is not one of ours. */
export function decodeNatMessage(buf: Buffer): NatMessage {
  if (buf.length > MAX_NAT_MESSAGE_BYTES) throw new Error(`message of ${buf.length} bytes is too large`);
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new Error('message is not JSON');
  }
  if (!isObject(v) || v.version !== NAT_MESSAGE_VERSION) throw new Error('unsupported message version');
  if (!Number.isSafeInteger(v.requestNumber)) throw new Error('requestNumber must be an integer');
  const common = { version: 1 as const, requestNumber: v.requestNumber as number, sender: ref(v.sender, 'sender'), receiver: ref(v.receiver, 'receiver') };
  if (v.type === 'request') return { ...common, type: 'request', usingSrc: address(v.usingSrc, 'usingSrc'), usingDst: address(v.usingDst, 'usingDst') };
  if (v.type !== 'response') throw new Error('type must be request or response');
  if (!(NatResponseCodes as readonly unknown[]).includes(v.response)) throw new Error('unknown response code');
  return {
    ...common,
    type: 'response',
    response: v.response as NatResponseCode,
    srcIpNatDetected: v.srcIpNatDetected === true,
    srcPortNatDetected: v.srcPortNatDetected === true,
    dstIpNatDetected: v.dstIpNatDetected === true,
    receivedSrc: address(v.receivedSrc, 'receivedSrc'),
  };
}
