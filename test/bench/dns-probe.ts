// Records when names first answer with an A record from a DNS server on 127.0.0.1, asking over one UDP socket.
import { createSocket, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import dnsPacket, { type Answer } from 'dns-packet';

interface Pending {
  name: string;
  /** Asked often (every round) rather than every `slowEvery` rounds. */
  hot: boolean;
}

export class DnsProbe {
  private readonly socket: Socket;
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = new Map<number, string>();
  private readonly answered = new Map<string, number>();
  private nextId = 1;
  private running = false;
  private loop: Promise<void> | undefined;

  /**
   * Names are asked every `intervalMs` once marked hot (their records are known to be on the way) and every
   * `slowEvery` rounds before, so that the server sees modest load while the answer times keep `intervalMs` resolution.
   */
  constructor(
    private readonly port: number,
    private readonly intervalMs = 10,
    private readonly slowEvery = 10,
  ) {
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg) => this.received(msg));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.socket.close();
  }

  /** Starts asking for `name`'s A record until it answers. */
  watch(name: string): void {
    if (!this.answered.has(name)) this.pending.set(name, { name, hot: false });
  }

  /** Asks for `name` every round from now on. */
  heat(name: string): void {
    const p = this.pending.get(name);
    if (p !== undefined) p.hot = true;
  }

  /** When `name` first answered (epoch ms). */
  answeredAt(name: string): number | undefined {
    return this.answered.get(name);
  }

  /** Resolves once every name watched has answered; rejects with the names still silent after `timeoutMs`. */
  async allAnswered(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      if (Date.now() > deadline) {
        throw new Error(`${this.pending.size} names still have no A record on 127.0.0.1:${this.port}, such as ${[...this.pending.keys()][0]}`);
      }
      await sleep(50);
    }
  }

  private async run(): Promise<void> {
    for (let round = 0; this.running; round++) {
      for (const p of this.pending.values()) {
        if (p.hot || round % this.slowEvery === 0) this.ask(p.name);
      }
      await sleep(this.intervalMs);
    }
  }

  private ask(name: string): void {
    const id = this.nextId;
    this.nextId = (this.nextId % 65535) + 1;
    this.inFlight.set(id, name);
    this.socket.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] }), this.port, '127.0.0.1');
  }

  private received(msg: Buffer): void {
    const at = Date.now();
    const decoded = dnsPacket.decode(msg) as { id?: number; questions?: { name: string }[]; answers?: Answer[] };
    const name = this.inFlight.get(decoded.id ?? 0);
    // IDs wrap around: a late answer to an earlier use of this ID must not count for the name asked now.
    if (name === undefined || decoded.questions?.[0]?.name.toLowerCase() !== name.toLowerCase()) return;
    this.inFlight.delete(decoded.id ?? 0);
    if (!(decoded.answers ?? []).some((a) => a.type === 'A')) return;
    if (this.pending.delete(name)) this.answered.set(name, at);
  }
}
