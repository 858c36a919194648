import dnsPacket, { type Answer, type OptAnswer, type Packet, type Question } from 'dns-packet';
import { plainQuestion, writeResponse } from './wire.js';

/** DNS messages: decoding queries and encoding responses that fit the transport (EDNS0, truncation). */

export type Protocol = 'udp' | 'tcp';

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

const RCODE_NAMES = new Map<number, string>(Object.entries(Rcode).map(([name, value]) => [value, name]));

export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}

/** The UDP payload size this server advertises and never exceeds over UDP (DNS flag day 2020). */
export const MAX_UDP_PAYLOAD = 1232;
const CLASSIC_UDP_LIMIT = 512;
const TCP_LIMIT = 65535;
const DNSSEC_OK = 0x8000;

export interface Query {
  id: number;
  opcode: number;
  recursionDesired: boolean;
  checkingDisabled: boolean;
  questions: Question[];
  /** False when a question cannot be sent back as it came (odd bytes in the name, unknown class). */
  echoable: boolean;
  /** The OPT records of the query: EDNS0 when there is exactly one. */
  opts: OptAnswer[];
  /** The bytes of the question when there is one with a plain name, to echo as they came. */
  questionWire?: Buffer | undefined;
}

export interface Reply {
  /** May be an extended rcode (BADVERS), which needs EDNS0. */
  rcode: number;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
}

export class MalformedMessage extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MalformedMessage';
  }
}

/** Decodes a query; throws MalformedMessage for anything that is not a DNS query. */
export function decodeQuery(message: Buffer): Query {
  if (message.length < 12) throw new MalformedMessage(`${message.length} bytes is shorter than a DNS header`);
  const flags = message.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) throw new MalformedMessage('the message is a response, not a query');
  let packet: Packet;
  try {
    packet = dnsPacket.decode(message);
  } catch (err) {
    throw new MalformedMessage(`cannot decode the message: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const questions = packet.questions ?? [];
  const questionWire = plainQuestion(message);
  return {
    id: message.readUInt16BE(0),
    opcode: (flags >> 11) & 0xf,
    recursionDesired: (flags & dnsPacket.RECURSION_DESIRED) !== 0,
    checkingDisabled: (flags & dnsPacket.CHECKING_DISABLED) !== 0,
    questions,
    // plainQuestion has already checked the first question's labels byte by byte.
    echoable: questions.every((q, i) => (i === 0 && questionWire !== undefined ? knownClass(q) : echoable(q))),
    opts: (packet.additionals ?? []).filter((a): a is OptAnswer => a.type === 'OPT'),
    questionWire,
  };
}

function knownClass(q: Question): boolean {
  return !(q.class ?? 'IN').startsWith('UNKNOWN_');
}

function echoable(q: Question): boolean {
  if (!knownClass(q)) return false;
  return q.name === '.' || q.name.split('.').every((l) => l.length > 0 && l.length <= 63 && /^[\x21-\x7e]+$/.test(l));
}

/** The largest response the client takes over `protocol`. */
export function responseLimit(query: Query, protocol: Protocol, maxUdpPayload = MAX_UDP_PAYLOAD): number {
  if (protocol === 'tcp') return TCP_LIMIT;
  const edns = query.opts.length === 1 ? query.opts[0] : undefined;
  if (edns === undefined) return CLASSIC_UDP_LIMIT;
  return Math.max(CLASSIC_UDP_LIMIT, Math.min(edns.udpPayloadSize, maxUdpPayload));
}

/**
 * Encodes the response to `query`. When it is larger than `limit`, it carries the TC flag and only the
 * answers that fit, so that the client asks again over TCP.
 */
export function encodeReply(query: Query, reply: Reply, limit: number, maxUdpPayload = MAX_UDP_PAYLOAD): { wire: Buffer; truncated: boolean } {
  const flags =
    (query.opcode << 11) |
    (reply.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
    (query.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0) |
    (query.checkingDisabled ? dnsPacket.CHECKING_DISABLED : 0) |
    (reply.rcode & 0xf);
  const edns = query.opts[0];
  const echoed = query.echoable ? query.questions : [];
  if (echoed.length === 0 || (echoed.length === 1 && query.questionWire !== undefined)) {
    const written = writeResponse(
      {
        id: query.id,
        flags,
        question: echoed.length === 0 ? undefined : query.questionWire,
        answers: reply.answers,
        authorities: reply.authorities,
        opt: edns === undefined ? undefined : { udpPayloadSize: maxUdpPayload, extendedRcode: reply.rcode >> 4, flags: edns.flags & DNSSEC_OK },
      },
      limit,
    );
    if (written !== undefined) return written;
  }
  const additionals: Answer[] =
    edns === undefined
      ? []
      : [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: maxUdpPayload,
            extendedRcode: reply.rcode >> 4,
            ednsVersion: 0,
            flags: edns.flags & DNSSEC_OK,
            flag_do: (edns.flags & DNSSEC_OK) !== 0,
            options: [],
          },
        ];
  const packet: Packet = {
    type: 'response',
    id: query.id,
    flags,
    questions: echoed,
    answers: reply.answers,
    authorities: reply.authorities,
    additionals,
  };
  const wire = dnsPacket.encode(packet);
  if (wire.length <= limit) return { wire, truncated: false };

  const truncated: Packet = { ...packet, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [] };
  let size = dnsPacket.encodingLength(truncated);
  const kept: Answer[] = [];
  for (const answer of reply.answers) {
    const length = dnsPacket.encodingLength({ answers: [answer] }) - 12;
    if (size + length > limit) break;
    kept.push(answer);
    size += length;
  }
  return { wire: dnsPacket.encode({ ...truncated, answers: kept }), truncated: true };
}
