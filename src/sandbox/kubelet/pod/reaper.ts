import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Exit } from './runtime.js';

/** How long an exit no one waits for yet is kept: a container's exit can be reported before its start returns. */
const unclaimedMs = 60_000;

/** One line of ksub-reaper's report: `<pid> exit <code>` or `<pid> signal <number>`. */
export function parseReport(line: string): { pid: number; exit: Exit } | undefined {
  const m = /^(\d+) (exit|signal) (\d+)$/.exec(line.trim());
  if (!m) return undefined;
  const pid = Number(m[1]);
  const n = Number(m[3]);
  if (m[2] === 'exit') return { pid, exit: { code: n, signal: null } };
  const signal = (Object.entries(constants.signals) as [NodeJS.Signals, number][]).find(([, v]) => v === n)?.[0];
  return { pid, exit: signal ? { code: null, signal } : { code: 128 + n, signal: null } };
}

/** Where the exits of adopted processes come from. */
export interface ExitSource {
  /** Resolves when the adopted process `pid` ends. */
  exitOf(pid: number): Promise<Exit>;
}

/**
 * The exits of the processes that the sandbox daemon's subreaper (ksub-reaper, src/sandbox/binaries/reaper) adopted:
 * runc containers started detached, whose `runc run --detach` parent is gone.
 */
export class ReaperExits implements ExitSource {
  private readonly waiting = new Map<number, (e: Exit) => void>();
  private readonly unclaimed = new Map<number, { exit: Exit; at: number }>();

  constructor(
    reports: Readable,
    private readonly alive: (pid: number) => boolean = (pid) => existsSync(`/proc/${pid}`),
    private readonly now: () => number = Date.now,
  ) {
    createInterface({ input: reports, crlfDelay: Infinity }).on('line', (line) => this.report(line));
  }

  private report(line: string): void {
    const r = parseReport(line);
    if (!r) return;
    const waiter = this.waiting.get(r.pid);
    if (waiter) {
      this.waiting.delete(r.pid);
      waiter(r.exit);
      return;
    }
    const now = this.now();
    for (const [pid, u] of this.unclaimed) if (now - u.at > unclaimedMs) this.unclaimed.delete(pid);
    this.unclaimed.set(r.pid, { exit: r.exit, at: now });
  }

  exitOf(pid: number): Promise<Exit> {
    const early = this.unclaimed.get(pid);
    this.unclaimed.delete(pid);
    // A process running under the pid now is a new one: the exit reported was an earlier holder's.
    if (early && !this.alive(pid)) return Promise.resolve(early.exit);
    return new Promise((resolve) => this.waiting.set(pid, resolve));
  }
}

/** The subreaper this process runs under: its pid (this process's parent) and the exits it reports. */
export interface Subreaper {
  pid: number;
  exits: ReaperExits;
}

let fromEnvironment: Subreaper | null | undefined;

/**
 * The subreaper this process runs under, told by KSUB_REAPER_FD, or undefined without one. The first call takes
 * the variable out of the environment, so that the processes this one starts do not take it for theirs.
 */
export function subreaper(): Subreaper | undefined {
  if (fromEnvironment === undefined) {
    const fd = Number(process.env.KSUB_REAPER_FD ?? NaN);
    delete process.env.KSUB_REAPER_FD;
    fromEnvironment = null;
    if (Number.isInteger(fd) && fd > 2) {
      const socket = new Socket({ fd, readable: true, writable: false });
      socket.unref();
      fromEnvironment = { pid: process.ppid, exits: new ReaperExits(socket) };
    }
  }
  return fromEnvironment ?? undefined;
}
