import type { Answer, Question } from 'dns-packet';
import { AnswerCache } from './answer-cache.js';
import { decodeQuery, encodeReply, MAX_UDP_PAYLOAD, Rcode, rcodeName, responseLimit, type Protocol, type Query, type Reply } from './message.js';
import type { DnsMetrics } from './metrics.js';
import { findZone, parseName, type ParsedName, type ServiceRef } from './query-name.js';
import type { Resolver } from './resolver.js';

/** What a transport hands its messages to. */
export interface MessageHandler {
  /** The response to send back, or undefined to drop the message. Never throws. */
  handle(message: Buffer, protocol: Protocol): Buffer | undefined;
  /** Counts input that never made a message (such as a cut TCP frame). */
  malformed(protocol: Protocol): void;
}

export interface HandlerOptions {
  /** Lowercase, without the trailing dot. */
  zones: readonly string[];
  ttl: number;
  resolver: Resolver;
  metrics: DnsMetrics;
  maxUdpPayload?: number;
  /** Milliseconds, for the latency histogram. */
  now?: () => number;
  onError?: (err: unknown) => void;
}

export const DNS_SCHEMA_VERSION = '1.0.0';
const SRV_PRIORITY = 0;
const SRV_WEIGHT = 50;
const METRIC_TYPES = new Set(['A', 'AAAA', 'SRV', 'TXT', 'SOA', 'NS', 'PTR', 'ANY']);

/** The flow from a query to its response: zone, name form, records, rcode. */
export class DnsHandler implements MessageHandler {
  private readonly now: () => number;
  private readonly maxUdpPayload: number;
  private readonly answers: AnswerCache;

  constructor(private readonly options: HandlerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.maxUdpPayload = options.maxUdpPayload ?? MAX_UDP_PAYLOAD;
    this.answers = new AnswerCache(() => options.resolver.answersVersion);
  }

  malformed(protocol: Protocol): void {
    this.options.metrics.malformed.inc({ proto: protocol });
  }

  handle(message: Buffer, protocol: Protocol): Buffer | undefined {
    const started = this.now();
    const { resolver } = this.options;
    const cached = this.answers.reply(message, protocol);
    if (cached !== undefined) {
      const { type, rcode, truncated } = cached.answer;
      this.count(protocol, type, rcode, truncated, started);
      return cached.wire;
    }
    const rotations = resolver.rotations;
    let failed = false;
    let query: Query;
    try {
      query = decodeQuery(message);
    } catch {
      this.malformed(protocol);
      return undefined;
    }
    const asked = query.questions[0]?.type ?? 'none';
    const type = METRIC_TYPES.has(asked) ? asked : 'other';

    let reply: Reply;
    try {
      reply = this.reply(query);
    } catch (err) {
      this.options.onError?.(err);
      failed = true;
      reply = failure(Rcode.SERVFAIL);
    }
    let encoded: { wire: Buffer; truncated: boolean };
    try {
      encoded = encodeReply(query, reply, responseLimit(query, protocol, this.maxUdpPayload), this.maxUdpPayload);
    } catch (err) {
      this.options.onError?.(err);
      failed = true;
      reply = failure(Rcode.SERVFAIL);
      try {
        encoded = encodeReply({ ...query, questions: [], echoable: false }, reply, 512, this.maxUdpPayload);
      } catch {
        return undefined;
      }
    }
    const rcode = rcodeName(reply.rcode);
    this.count(protocol, type, rcode, encoded.truncated, started);
    // A failure may pass, and a round-robin pick moves on: neither answer is kept for the next query.
    if (!failed && resolver.rotations === rotations) this.answers.store(message, protocol, { wire: encoded.wire, type, rcode, truncated: encoded.truncated });
    return encoded.wire;
  }

  private count(protocol: Protocol, type: string, rcode: string, truncated: boolean, started: number): void {
    const { metrics } = this.options;
    metrics.countAnswered(protocol, type, rcode);
    if (truncated) metrics.truncated.inc({ proto: protocol });
    metrics.duration.observe(Math.max(0, this.now() - started) / 1000);
  }

  private reply(query: Query): Reply {
    if (query.opcode !== 0) return failure(Rcode.NOTIMP);
    const question = query.questions[0];
    if (question === undefined || query.questions.length !== 1 || !query.echoable || query.opts.length > 1) return failure(Rcode.FORMERR);
    if ((query.opts[0]?.ednsVersion ?? 0) > 0) return failure(Rcode.BADVERS);

    const name = question.name.toLowerCase();
    const zone = (question.class ?? 'IN') === 'IN' ? findZone(name, this.options.zones) : undefined;
    const type: string = question.type;
    if (zone === undefined || type === 'AXFR' || type === 'IXFR') return failure(Rcode.REFUSED);
    if (type === 'ANY') return failure(Rcode.NOTIMP);

    const parsed = parseName(name, zone);
    if (!this.exists(parsed)) return this.negative(Rcode.NXDOMAIN, zone);
    const answers = this.records(parsed, question, zone);
    if (answers.length === 0) return this.negative(Rcode.NOERROR, zone);
    return { rcode: Rcode.NOERROR, authoritative: true, answers, authorities: [] };
  }

  private exists(parsed: ParsedName): boolean {
    const { resolver } = this.options;
    switch (parsed.kind) {
      case 'apex':
      case 'version':
        return true;
      case 'services':
        return resolver.hasServices();
      case 'namespace':
        return resolver.hasNamespace(parsed.namespace);
      case 'service':
        return resolver.exists(parsed.ref);
      case 'none':
        return false;
    }
  }

  private records(parsed: ParsedName, question: Question, zone: string): Answer[] {
    const { resolver, ttl } = this.options;
    const name = question.name;
    if (parsed.kind === 'apex' && question.type === 'SOA') return [{ ...this.soa(zone), name }];
    if (parsed.kind === 'version' && question.type === 'TXT') return [{ type: 'TXT', name, ttl, data: [DNS_SCHEMA_VERSION] }];
    if (parsed.kind !== 'service') return [];
    const ref = parsed.ref;
    switch (question.type) {
      case 'A':
        return resolver.addresses(ref, 4).map((data) => ({ type: 'A', name, ttl, data }));
      case 'AAAA':
        return resolver.addresses(ref, 6).map((data) => ({ type: 'AAAA', name, ttl, data }));
      case 'SRV':
        return resolver.srv(ref).map((t) => ({
          type: 'SRV',
          name,
          ttl,
          data: { priority: SRV_PRIORITY, weight: SRV_WEIGHT, port: t.port, target: serviceName(ref, zone, t.labels) },
        }));
      default:
        return [];
    }
  }

  /** NXDOMAIN or NODATA, with the zone's SOA so that resolvers cache the answer for the TTL. */
  private negative(rcode: number, zone: string): Reply {
    return { rcode, authoritative: true, answers: [], authorities: [this.soa(zone)] };
  }

  private soa(zone: string): Answer {
    const { ttl, resolver } = this.options;
    return {
      type: 'SOA',
      name: zone,
      ttl,
      data: {
        mname: `ns.dns.${zone}`,
        rname: `hostmaster.${zone}`,
        serial: resolver.generation >>> 0,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: ttl,
      },
    };
  }
}

function failure(rcode: number): Reply {
  return { rcode, authoritative: false, answers: [], authorities: [] };
}

function serviceName(ref: ServiceRef, zone: string, labels: readonly string[]): string {
  return [...labels, ref.service, ref.namespace, 'svc', zone].join('.');
}
