import type { EndpointSpec } from '../../api/generated.js';
import { backendConfig } from '../../api/names.js';
import type { Logger } from '../../base/log.js';
import { decodeNatMessage, encodeNatMessage, type NatRequest, type NatResponse, type NatResponseCode } from './message.js';

/** How to reach a remote gateway. */
export interface NatResult {
  useIP: string;
  useNAT: boolean;
  /** Which answer decided: the private IP's, the public IP's, or the legacy rules after no answer. */
  via: 'private' | 'public' | 'fallback';
}

export interface NatDiscoveryDeps {
  /** The local Endpoint as currently published. */
  local: () => EndpointSpec;
  /** The UDP port we listen and send on (0: discovery disabled). */
  localPort: number;
  send: (msg: Buffer, ip: string, port: number) => void;
  now?: () => number;
  log: Logger;
  /** Called when a remote gateway's result is known (or changes). */
  onReady?: (name: string, result: NatResult) => void;
}

export const RESEND_MS = 2000;
/** A private answer arriving this long after a public one still wins. */
export const PRIVATE_GRACE_MS = 1000;
export const TIMEOUT_MS = 60_000;
/** Load balancers answer slowly or never: give up sooner. */
export const LB_TIMEOUT_MS = 6000;

interface Pending {
  spec: EndpointSpec;
  key: string;
  startedAt: number;
  lastSentAt: number | undefined;
  publicAnswer: { at: number; useNAT: boolean } | undefined;
  result: NatResult | undefined;
}

const discoveryPort = (spec: EndpointSpec): number => {
  const raw = spec.backend_config?.[backendConfig.nattDiscoveryPort];
  const n = Number(raw);
  return raw !== undefined && /^\d+$/.test(raw) && n > 0 && n < 65536 ? n : 0;
};
const usingLb = (spec: EndpointSpec): boolean => spec.backend_config?.[backendConfig.usingLoadBalancer] === 'true';
/** What a new discovery depends on: a change restarts it. */
const specKey = (s: EndpointSpec): string => JSON.stringify([s.private_ip, s.public_ip ?? '', s.nat_enabled, discoveryPort(s), usingLb(s)]);

/**
 * Finds out whether a remote gateway answers on its private or its public IP, and whether NAT sits in
 * between: requests go to both addresses until one answers; the private IP is preferred. The responder
 * side answers every gateway's requests. All I/O is injected (`send`, `now`), so tests pipe two
 * instances together.
 */
export class NatDiscovery {
  private readonly pending = new Map<string, Pending>();
  private readonly requests = new Map<number, { name: string; target: 'private' | 'public' }>();
  private nextRequest = 1;
  private readonly now: () => number;

  constructor(private readonly d: NatDiscoveryDeps) {
    this.now = d.now ?? Date.now;
  }

  /** The result for a remote Endpoint (by object name), once known. */
  result(name: string): NatResult | undefined {
    return this.pending.get(name)?.result;
  }

  /** Starts (or, when its addresses changed, restarts) discovery of a remote gateway. */
  addEndpoint(name: string, spec: EndpointSpec): void {
    const key = specKey(spec);
    const have = this.pending.get(name);
    if (have?.key === key) {
      have.spec = spec;
      return;
    }
    const p: Pending = { spec, key, startedAt: this.now(), lastSentAt: undefined, publicAnswer: undefined, result: undefined };
    this.pending.set(name, p);
    if (this.d.localPort === 0 || discoveryPort(spec) === 0) this.finish(name, p, this.fallback(spec));
    else this.sendRequests(name, p);
  }

  removeEndpoint(name: string): void {
    this.pending.delete(name);
  }

  /** Re-sends, applies the private-IP grace period and the timeout. Call it every few hundred ms. */
  tick(): void {
    const now = this.now();
    for (const [name, p] of this.pending) {
      if (p.result) continue;
      if (p.publicAnswer && now - p.publicAnswer.at >= PRIVATE_GRACE_MS) {
        this.finish(name, p, { useIP: p.spec.public_ip ?? '', useNAT: p.publicAnswer.useNAT, via: 'public' });
      } else if (now - p.startedAt >= (usingLb(p.spec) ? LB_TIMEOUT_MS : TIMEOUT_MS)) {
        this.d.log.info('NAT discovery got no answer: using the legacy NAT settings', { endpoint: name });
        this.finish(name, p, this.fallback(p.spec));
      } else if (p.lastSentAt === undefined || now - p.lastSentAt >= RESEND_MS) {
        this.sendRequests(name, p);
      }
    }
  }

  private fallback(spec: EndpointSpec): NatResult {
    const local = this.d.local();
    const nat = (local.nat_enabled || spec.nat_enabled || usingLb(spec)) && !!spec.public_ip;
    return nat ? { useIP: spec.public_ip ?? '', useNAT: true, via: 'fallback' } : { useIP: spec.private_ip, useNAT: false, via: 'fallback' };
  }

  private finish(name: string, p: Pending, result: NatResult): void {
    p.result = result;
    for (const [n, r] of this.requests) if (r.name === name) this.requests.delete(n);
    this.d.log.info('NAT discovery decided', { endpoint: name, ...result });
    this.d.onReady?.(name, result);
  }

  private sendRequests(name: string, p: Pending): void {
    p.lastSentAt = this.now();
    const port = discoveryPort(p.spec);
    const targets: ['private' | 'public', string][] = [['private', p.spec.private_ip]];
    if (p.spec.public_ip && p.spec.public_ip !== p.spec.private_ip) targets.push(['public', p.spec.public_ip]);
    const local = this.d.local();
    for (const [target, ip] of targets) {
      const requestNumber = this.nextRequest++;
      this.requests.set(requestNumber, { name, target });
      const req: NatRequest = {
        version: 1,
        type: 'request',
        requestNumber,
        sender: { clusterId: local.cluster_id, endpointId: local.cable_name },
        receiver: { clusterId: p.spec.cluster_id, endpointId: p.spec.cable_name },
        usingSrc: { ip: local.private_ip, port: this.d.localPort },
        usingDst: { ip, port },
      };
      this.safeSend(encodeNatMessage(req), ip, port);
    }
  }

  private safeSend(msg: Buffer, ip: string, port: number): void {
    try {
      this.d.send(msg, ip, port);
    } catch (err) {
      this.d.log.debug('NAT discovery send failed', { ip, port, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Handles one datagram; never throws (a bad datagram is logged and dropped). */
  handleMessage(buf: Buffer, from: { address: string; port: number }): void {
    let msg;
    try {
      msg = decodeNatMessage(buf);
    } catch (err) {
      this.d.log.debug('dropping a malformed NAT discovery message', { from: from.address, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (msg.type === 'request') this.answer(msg, from);
    else this.handleResponse(msg, from);
  }

  private answer(req: NatRequest, from: { address: string; port: number }): void {
    const local = this.d.local();
    let response: NatResponseCode = 'OK';
    const srcIpNatDetected = from.address !== req.usingSrc.ip;
    const srcPortNatDetected = from.port !== req.usingSrc.port;
    const dstIpNatDetected = req.usingDst.ip !== local.private_ip;
    if (req.receiver.clusterId !== local.cluster_id) response = 'UNKNOWN_DST_CLUSTER';
    else if (req.receiver.endpointId !== local.cable_name) response = 'UNKNOWN_DST_ENDPOINT';
    else if (srcIpNatDetected || srcPortNatDetected || dstIpNatDetected) response = 'NAT_DETECTED';
    const res: NatResponse = {
      version: 1,
      type: 'response',
      requestNumber: req.requestNumber,
      response,
      sender: { clusterId: local.cluster_id, endpointId: local.cable_name },
      receiver: req.sender,
      srcIpNatDetected,
      srcPortNatDetected,
      dstIpNatDetected,
      receivedSrc: { ip: from.address, port: from.port },
    };
    this.safeSend(encodeNatMessage(res), from.address, from.port);
  }

  private handleResponse(res: NatResponse, from: { address: string }): void {
    const req = this.requests.get(res.requestNumber);
    const p = req && this.pending.get(req.name);
    if (!req || !p || p.result) return;
    if (res.response !== 'OK' && res.response !== 'NAT_DETECTED') {
      this.d.log.warn('a remote gateway refused NAT discovery', { endpoint: req.name, response: res.response });
      return;
    }
    if (res.sender.clusterId !== p.spec.cluster_id || res.sender.endpointId !== p.spec.cable_name) return;
    const useNAT = res.response === 'NAT_DETECTED';
    if (req.target === 'private') {
      if (from.address !== p.spec.private_ip) {
        this.d.log.warn('ignoring a NAT discovery answer for the private IP from another address', { endpoint: req.name, from: from.address });
        return;
      }
      this.finish(req.name, p, { useIP: p.spec.private_ip, useNAT, via: 'private' });
    } else {
      p.publicAnswer ??= { at: this.now(), useNAT };
    }
  }
}
