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
/** A gateway that asked us is discovered back at most this often (its requests restart a result older than this). */
export const LEARNED_REFRESH_MS = 60_000;
/** A result learned from a gateway's requests is used for its Endpoint while it is younger than this. */
export const LEARNED_TTL_MS = 5 * 60_000;
/** At most this many gateways that asked us are discovered back: the oldest go first. */
export const LEARNED_MAX = 64;
/** Gateways newly discovered back per second at most, with bursts of up to LEARNED_BURST. */
export const LEARNED_PER_SECOND = 4;
export const LEARNED_BURST = 16;
/** A private answer arriving this long after a public one still wins. */
export const PRIVATE_GRACE_MS = 1000;
export const TIMEOUT_MS = 60_000;
/** Load balancers answer slowly or never: give up sooner. */
export const LB_TIMEOUT_MS = 6000;

/** What discovery needs of a remote gateway's Endpoint. */
type Target = Pick<EndpointSpec, 'cluster_id' | 'cable_name' | 'private_ip' | 'public_ip' | 'nat_enabled' | 'backend_config'>;

interface Pending {
  spec: Target;
  key: string;
  startedAt: number;
  lastSentAt: number | undefined;
  publicAnswer: { at: number; useNAT: boolean } | undefined;
  result: NatResult | undefined;
  decidedAt: number;
  /** Asking again while the last result stands (it is replaced when the new one is known). */
  refreshing: boolean;
  /** Discovered back after the remote gateway asked us, before any Endpoint of it is known. */
  learned: boolean;
}

/** The name under which a gateway that asked us is discovered back. */
const learnedName = (clusterId: string, endpointId: string): string => `learned:${clusterId}/${endpointId}`;
const sameResult = (a: NatResult | undefined, b: NatResult): boolean => a?.useIP === b.useIP && a.useNAT === b.useNAT;

const discoveryPort = (spec: Target): number => {
  const raw = spec.backend_config?.[backendConfig.nattDiscoveryPort];
  const n = Number(raw);
  return raw !== undefined && /^\d+$/.test(raw) && n > 0 && n < 65536 ? n : 0;
};
const usingLb = (spec: Target): boolean => spec.backend_config?.[backendConfig.usingLoadBalancer] === 'true';
/** What a new discovery depends on: a change restarts it. */
const specKey = (s: Target): string => JSON.stringify([s.private_ip, s.public_ip ?? '', s.nat_enabled, discoveryPort(s), usingLb(s)]);

/**
 * Finds out whether a remote gateway answers on its private or its public IP, and whether NAT sits in
 * between: requests go to both addresses until one answers; the private IP is preferred. The responder
 * side answers every gateway's requests, and discovers the asking gateway back: a standby gateway that
 * probes the active ones of other clusters is then known to them before it publishes an Endpoint, so
 * its cable is installed as soon as it takes over. All I/O is injected (`send`, `now`), so tests pipe
 * two instances together.
 */
export class NatDiscovery {
  private readonly pending = new Map<string, Pending>();
  private readonly requests = new Map<number, { name: string; target: 'private' | 'public' }>();
  private nextRequest = 1;
  private readonly now: () => number;
  private readonly learnBudget: TokenBucket;

  constructor(private readonly d: NatDiscoveryDeps) {
    this.now = d.now ?? Date.now;
    this.learnBudget = new TokenBucket(LEARNED_PER_SECOND, LEARNED_BURST, this.now);
  }

  /** The result for a remote Endpoint (by object name), once known. */
  result(name: string): NatResult | undefined {
    return this.pending.get(name)?.result;
  }

  /**
   * Starts (or, when its addresses changed, restarts) discovery of a remote gateway. A fresh result
   * learned from that gateway's own requests, for the same addresses, decides at once.
   */
  addEndpoint(name: string, spec: EndpointSpec): void {
    const key = specKey(spec);
    const have = this.pending.get(name);
    if (have?.key === key) {
      have.spec = spec;
      return;
    }
    this.forgetRequests(name);
    const p = this.newPending(spec, key, false);
    this.pending.set(name, p);
    const learned = this.learnedResult(spec);
    if (learned) this.finish(name, p, learned);
    else if (this.d.localPort === 0 || discoveryPort(spec) === 0) this.finish(name, p, this.fallback(spec));
    else this.sendRequests(name, p);
  }

  /** Asks a remote gateway again, keeping its last result until the new one is known. */
  refresh(name: string): void {
    const p = this.pending.get(name);
    if (!p?.result || p.refreshing || this.d.localPort === 0 || discoveryPort(p.spec) === 0) return;
    Object.assign(p, { refreshing: true, startedAt: this.now(), publicAnswer: undefined });
    this.sendRequests(name, p);
  }

  private newPending(spec: Target, key: string, learned: boolean): Pending {
    return { spec, key, startedAt: this.now(), lastSentAt: undefined, publicAnswer: undefined, result: undefined, decidedAt: 0, refreshing: false, learned };
  }

  /** What discovering a gateway back, after it asked us, found for this Endpoint's addresses (undefined when not fresh). */
  private learnedResult(spec: EndpointSpec): NatResult | undefined {
    const l = this.pending.get(learnedName(spec.cluster_id, spec.cable_name));
    if (!l?.result || this.now() - l.decidedAt >= LEARNED_TTL_MS || usingLb(spec)) return undefined;
    const same = l.spec.private_ip === spec.private_ip && discoveryPort(l.spec) === discoveryPort(spec);
    const sameRoute = l.result.via === 'private' || (l.result.via === 'public' && l.result.useIP === spec.public_ip);
    return same && sameRoute ? l.result : undefined;
  }

  /** Discovers back a gateway of another cluster that asked us, at the addresses its request came from. */
  private learn(req: NatRequest, from: { address: string; port: number }): void {
    if (req.sender.clusterId === this.d.local().cluster_id || this.d.localPort === 0) return;
    const name = learnedName(req.sender.clusterId, req.sender.endpointId);
    const spec: Target = {
      cluster_id: req.sender.clusterId,
      cable_name: req.sender.endpointId,
      private_ip: req.usingSrc.ip,
      public_ip: from.address,
      nat_enabled: false,
      backend_config: { [backendConfig.nattDiscoveryPort]: String(req.usingSrc.port) },
    };
    const key = specKey(spec);
    const have = this.pending.get(name);
    // A gateway reached on its private IP may ask from other source addresses too (its requests to our public IP
    // leave through its NAT): the address a request came from does not matter then, and the result stays.
    const samePrivate = have?.result?.via === 'private' && have.spec.private_ip === spec.private_ip && discoveryPort(have.spec) === discoveryPort(spec);
    if (have?.key === key || samePrivate) {
      if (have?.result && this.now() - have.decidedAt >= LEARNED_REFRESH_MS) this.refresh(name);
      return;
    }
    // Anyone can ask: discovering back is bounded in number and in pace, so requests cannot be turned into a flood.
    if (!this.learnBudget.take()) return;
    const learned = [...this.pending].filter(([, p]) => p.learned);
    if (!have && learned.length >= LEARNED_MAX) {
      const oldest = learned.reduce((a, b) => (b[1].startedAt < a[1].startedAt ? b : a));
      this.removeEndpoint(oldest[0]);
    }
    this.forgetRequests(name);
    const p = this.newPending(spec, key, true);
    this.pending.set(name, p);
    this.sendRequests(name, p);
  }

  removeEndpoint(name: string): void {
    this.pending.delete(name);
    this.forgetRequests(name);
  }

  /** Drops the requests sent for a remote gateway: late answers to them are ignored. */
  private forgetRequests(name: string): void {
    for (const [n, r] of this.requests) if (r.name === name) this.requests.delete(n);
  }

  /** Re-sends, applies the private-IP grace period and the timeout. Call it every few hundred ms. */
  tick(): void {
    const now = this.now();
    for (const [name, p] of this.pending) {
      if (p.result && !p.refreshing) continue;
      if (p.publicAnswer && now - p.publicAnswer.at >= PRIVATE_GRACE_MS) {
        this.finish(name, p, { useIP: p.spec.public_ip ?? '', useNAT: p.publicAnswer.useNAT, via: 'public' });
      } else if (p.learned && now - p.startedAt >= LB_TIMEOUT_MS) {
        // A gateway that asked us but does not answer: nothing is learned (its Endpoint is discovered as usual).
        this.removeEndpoint(name);
      } else if (p.refreshing && now - p.startedAt >= TIMEOUT_MS) {
        p.refreshing = false;
        this.forgetRequests(name);
      } else if (now - p.startedAt >= (usingLb(p.spec) ? LB_TIMEOUT_MS : TIMEOUT_MS)) {
        this.d.log.info('NAT discovery got no answer: using the legacy NAT settings', { endpoint: name });
        this.finish(name, p, this.fallback(p.spec));
      } else if (p.lastSentAt === undefined || now - p.lastSentAt >= RESEND_MS) {
        this.sendRequests(name, p);
      }
    }
  }

  private fallback(spec: Target): NatResult {
    const local = this.d.local();
    const nat = (local.nat_enabled || spec.nat_enabled || usingLb(spec)) && !!spec.public_ip;
    return nat ? { useIP: spec.public_ip ?? '', useNAT: true, via: 'fallback' } : { useIP: spec.private_ip, useNAT: false, via: 'fallback' };
  }

  private finish(name: string, p: Pending, result: NatResult): void {
    const changed = !sameResult(p.result, result);
    Object.assign(p, { result, decidedAt: this.now(), refreshing: false, publicAnswer: undefined });
    this.forgetRequests(name);
    if (!changed) return;
    this.d.log.info('NAT discovery decided', { endpoint: name, ...result });
    if (!p.learned) this.d.onReady?.(name, result);
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
    if (response === 'OK' || response === 'NAT_DETECTED') this.learn(req, from);
  }

  private handleResponse(res: NatResponse, from: { address: string }): void {
    const req = this.requests.get(res.requestNumber);
    const p = req && this.pending.get(req.name);
    if (!req || !p || (p.result && !p.refreshing)) return;
    if (res.response !== 'OK' && res.response !== 'NAT_DETECTED') {
      // A gateway discovered back may share its public IP with another, which refuses on its behalf: no news.
      if (p.learned) this.d.log.debug('a gateway that asked refused NAT discovery back', { endpoint: req.name, response: res.response });
      else this.d.log.warn('a remote gateway refused NAT discovery', { endpoint: req.name, response: res.response });
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

/** Allows `perSecond` events a second on average, `burst` at once. */
class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.at = now();
  }

  take(): boolean {
    const t = this.now();
    // A clock that steps back (or is not a number) refills nothing, and does not hold the bucket empty either.
    const elapsed = Number.isFinite(t) ? Math.max(0, t - this.at) : 0;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.perSecond);
    if (Number.isFinite(t)) this.at = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
