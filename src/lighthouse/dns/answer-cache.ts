/**
 * Responses pre-encoded per query: the answer to a query is a function of its bytes after the ID (question, flags,
 * EDNS0 record), the transport and the data, so a response built once serves every later query with the same bytes
 * until the data changes. The handler stores only responses that do not rotate (no round-robin between clusters).
 * A lookup hashes the query in place and compares bytes, without allocating; a hit costs one copy into the reply.
 */

export interface CachedAnswer {
  /** The response as first encoded; its first two bytes (the ID) are rewritten per query. */
  readonly wire: Buffer;
  /** The metric labels of the query and the response. */
  readonly type: string;
  readonly rcode: string;
  readonly truncated: boolean;
}

interface Entry extends CachedAnswer {
  /** The query from byte 2 on, and its transport. */
  readonly key: Buffer;
  readonly protocol: string;
}

const ID_BYTES = 2;
/** Longest query kept: a full name, its question fields and an OPT record with a few options. */
const MAX_KEY_BYTES = 512;

/** FNV-1a over `bytes[from..]`, and the transport. */
function hash(bytes: Buffer, from: number, protocol: string): number {
  let h = protocol === 'tcp' ? 0x811c9dc5 : 0x050c5d1f;
  for (let i = from; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

export class AnswerCache {
  private readonly entries = new Map<number, Entry>();
  private version: number | undefined;

  /**
   * @param currentVersion changes whenever an answer may change (the resolver's generation, the reachable clusters)
   * @param capacity entries kept; when full, the cache starts over
   */
  constructor(
    private readonly currentVersion: () => number,
    private readonly capacity = 20_000,
  ) {}

  /** The response to `query` over `protocol` with the query's ID, or undefined when none is stored for its bytes. */
  reply(query: Buffer, protocol: string): { answer: CachedAnswer; wire: Buffer } | undefined {
    if (this.stale() || query.length > MAX_KEY_BYTES + ID_BYTES) return undefined;
    const entry = this.entries.get(hash(query, ID_BYTES, protocol));
    if (entry === undefined || entry.protocol !== protocol || entry.key.length !== query.length - ID_BYTES) return undefined;
    if (entry.key.compare(query, ID_BYTES) !== 0) return undefined;
    const wire = Buffer.allocUnsafe(entry.wire.length);
    entry.wire.copy(wire);
    wire[0] = query[0] as number;
    wire[1] = query[1] as number;
    return { answer: entry, wire };
  }

  /** Keeps `answer` for later queries with the same bytes as `query` (both as the handler built them). */
  store(query: Buffer, protocol: string, answer: CachedAnswer): void {
    if (query.length > MAX_KEY_BYTES + ID_BYTES) return;
    this.stale();
    if (this.entries.size >= this.capacity) this.entries.clear();
    const key = Buffer.from(query.subarray(ID_BYTES));
    this.entries.set(hash(query, ID_BYTES, protocol), { ...answer, wire: Buffer.from(answer.wire), key, protocol });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops every entry when the data changed since they were built; true when it did. */
  private stale(): boolean {
    const version = this.currentVersion();
    if (version === this.version) return false;
    this.entries.clear();
    this.version = version;
    return true;
  }
}
