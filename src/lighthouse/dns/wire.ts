import type { Answer } from 'dns-packet';

/**
 * A fast writer for the responses this server sends most: the bytes dns-packet would produce (names written in
 * full, no compression), for A, SRV, TXT and SOA records and an OPT record without options. It gives up on
 * anything else, which the caller then encodes with dns-packet.
 */

export interface WireResponse {
  id: number;
  /** Opcode, AA, RD, CD and rcode bits; the QR bit is set here. */
  flags: number;
  /** The question section as the query carried it, echoed byte for byte; undefined for none. */
  question: Buffer | undefined;
  answers: readonly Answer[];
  authorities: readonly Answer[];
  opt: { udpPayloadSize: number; extendedRcode: number; flags: number } | undefined;
}

const HEADER = 12;
const QR = 0x8000;
const TC = 0x0200;
const CLASS_IN = 1;
const TYPE = { A: 1, SOA: 6, TXT: 16, SRV: 33, OPT: 41 } as const;

class Writer {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;

  room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  u8(v: number): void {
    this.room(1);
    this.pos = this.buf.writeUInt8(v, this.pos);
  }

  u16(v: number): void {
    this.room(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  u32(v: number): void {
    this.room(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  bytes(b: Buffer): void {
    this.room(b.length);
    this.pos += b.copy(this.buf, this.pos);
  }

  /** A name of printable ASCII, without its leading and trailing dot; false for anything else. */
  name(n: string): boolean {
    let start = 0;
    let end = n.length;
    if (n.charCodeAt(0) === 0x2e) start = 1;
    if (end > start && n.charCodeAt(end - 1) === 0x2e) end--;
    this.room(end - start + 2);
    const buf = this.buf;
    let p = this.pos;
    if (start < end) {
      let lengthAt = p++;
      for (let i = start; i < end; i++) {
        const c = n.charCodeAt(i);
        if (c === 0x2e) {
          buf[lengthAt] = p - lengthAt - 1;
          lengthAt = p++;
        } else if (c < 0x21 || c > 0x7e) {
          return false;
        } else {
          buf[p++] = c;
        }
      }
      buf[lengthAt] = p - lengthAt - 1;
    }
    buf[p++] = 0;
    this.pos = p;
    return true;
  }

  /** An answer or authority record; false when it is not one this writer knows. */
  record(a: Answer): boolean {
    if (a.type === 'OPT') return false;
    if ((a.class !== undefined && a.class !== 'IN') || a.flush === true) return false;
    if (!this.name(a.name)) return false;
    switch (a.type) {
      case 'A':
        this.header(TYPE.A, a.ttl);
        this.u16(4);
        return this.ipv4(a.data);
      case 'SRV': {
        this.header(TYPE.SRV, a.ttl);
        const lengthAt = this.pos;
        this.u16(0);
        this.u16(a.data.priority || 0);
        this.u16(a.data.weight || 0);
        this.u16(a.data.port || 0);
        if (!this.name(a.data.target)) return false;
        this.buf.writeUInt16BE(this.pos - lengthAt - 2, lengthAt);
        return true;
      }
      case 'TXT': {
        this.header(TYPE.TXT, a.ttl);
        const lengthAt = this.pos;
        this.u16(0);
        for (const s of Array.isArray(a.data) ? a.data : [a.data]) {
          if (typeof s !== 'string' || s.length > 255 || !/^[\x20-\x7e]*$/.test(s)) return false;
          this.u8(s.length);
          this.room(s.length);
          this.pos += this.buf.write(s, this.pos, 'latin1');
        }
        this.buf.writeUInt16BE(this.pos - lengthAt - 2, lengthAt);
        return true;
      }
      case 'SOA': {
        const d = a.data;
        // dns-packet writes the mailbox with escaped dots its own way; leave those to it.
        if (d.rname.includes('\\')) return false;
        this.header(TYPE.SOA, a.ttl);
        const lengthAt = this.pos;
        this.u16(0);
        if (!this.name(d.mname) || !this.name(d.rname)) return false;
        for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) this.u32(v || 0);
        this.buf.writeUInt16BE(this.pos - lengthAt - 2, lengthAt);
        return true;
      }
      default:
        return false;
    }
  }

  private header(type: number, ttl: number | undefined): void {
    this.u16(type);
    this.u16(CLASS_IN);
    this.u32(ttl || 0);
  }

  /** A dotted-quad IPv4 address as 4 bytes; false when it is not one. */
  private ipv4(address: string): boolean {
    this.room(4);
    let value = 0;
    let digits = 0;
    let part = 0;
    for (let i = 0; i < address.length; i++) {
      const c = address.charCodeAt(i);
      if (c === 0x2e && digits > 0 && part < 3 && value <= 255) {
        this.buf[this.pos + part++] = value;
        value = digits = 0;
      } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
        value = value * 10 + c - 0x30;
        digits++;
      } else {
        return false;
      }
    }
    if (part !== 3 || digits === 0 || value > 255) return false;
    this.buf[this.pos + 3] = value;
    this.pos += 4;
    return true;
  }
}

const writer = new Writer();

/**
 * Writes `r` as dns-packet would, truncated as the caller's dns-packet path truncates: when it is larger than
 * `limit`, with the TC flag, no authorities and only the answers that fit. Undefined when a record is not one
 * of those this writer knows.
 */
export function writeResponse(r: WireResponse, limit: number): { wire: Buffer; truncated: boolean } | undefined {
  const w = writer;
  w.pos = HEADER;
  if (r.question !== undefined) w.bytes(r.question);
  const questionEnd = w.pos;
  const answerEnds: number[] = [];
  for (const a of r.answers) {
    if (!w.record(a)) return undefined;
    answerEnds.push(w.pos);
  }
  for (const a of r.authorities) if (!w.record(a)) return undefined;
  const additionalsAt = w.pos;
  if (r.opt !== undefined) {
    w.u8(0);
    w.u16(TYPE.OPT);
    w.u16(r.opt.udpPayloadSize || 4096);
    w.u8(r.opt.extendedRcode);
    w.u8(0);
    w.u16(r.opt.flags);
    w.u16(0);
  }
  const end = w.pos;
  const questions = r.question === undefined ? 0 : 1;
  const additionals = r.opt === undefined ? 0 : 1;
  if (end <= limit) {
    const wire = Buffer.allocUnsafe(end);
    w.buf.copy(wire, 0, 0, end);
    writeHeader(wire, r.id, r.flags, [questions, r.answers.length, r.authorities.length, additionals]);
    return { wire, truncated: false };
  }
  const additionalsLength = end - additionalsAt;
  let kept = 0;
  let answersEnd = questionEnd;
  for (const answerEnd of answerEnds) {
    if (answerEnd + additionalsLength > limit) break;
    kept++;
    answersEnd = answerEnd;
  }
  const wire = Buffer.allocUnsafe(answersEnd + additionalsLength);
  w.buf.copy(wire, 0, 0, answersEnd);
  w.buf.copy(wire, answersEnd, additionalsAt, end);
  writeHeader(wire, r.id, r.flags | TC, [questions, kept, 0, additionals]);
  return { wire, truncated: true };
}

function writeHeader(wire: Buffer, id: number, flags: number, counts: readonly number[]): void {
  wire.writeUInt16BE(id, 0);
  wire.writeUInt16BE((flags & 0x7fff) | QR, 2);
  counts.forEach((count, i) => wire.writeUInt16BE(count, 4 + 2 * i));
}

/**
 * The question section of `message` when it holds exactly one question whose name is labels of printable ASCII
 * other than dots, without compression: then dns-packet's decoding and encoding of it gives these same bytes.
 */
export function plainQuestion(message: Buffer): Buffer | undefined {
  if (message.length < HEADER || message.readUInt16BE(4) !== 1) return undefined;
  let p = HEADER;
  for (;;) {
    const length = message[p];
    if (length === undefined || length > 63) return undefined;
    if (length === 0) break;
    for (let i = p + 1; i <= p + length; i++) {
      const c = message[i];
      if (c === undefined || c < 0x21 || c > 0x7e || c === 0x2e) return undefined;
    }
    p += length + 1;
  }
  const end = p + 1 + 4;
  return end <= message.length ? message.subarray(HEADER, end) : undefined;
}
