// Waiting, and reading what the toolbox commands print: curl's status line, dig's answers, the HTTP server's access log.

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

const interrupted = (): InterruptedError => new InterruptedError();

export interface WaitOptions {
  intervalMs?: number;
  signal?: AbortSignal | undefined;
  /** Errors of the probe that end the wait at once (others count as "not yet"). */
  failFast?: (err: unknown) => boolean;
}

/** Polls `probe` until it returns a value; on timeout the error says what was awaited and what was last seen. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<{ value?: T | undefined; seen: unknown }>, o: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (o.signal?.aborted) throw interrupted();
    let seen: unknown;
    try {
      const r = await probe();
      if (r.value !== undefined) return r.value;
      seen = r.seen;
    } catch (err) {
      if (o.failFast?.(err) === true) throw err;
      seen = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not met within ${Math.round(timeoutMs / 1000)}s; last seen: ${typeof seen === 'string' ? seen : JSON.stringify(seen)}`);
    }
    await sleep(o.intervalMs ?? 1000, o.signal);
  }
}

/** A GET that prints only the HTTP status code (000 when no answer came). */
export function curlStatusCommand(url: string, timeoutSeconds: number): string[] {
  return ['curl', '-s', '-o', '/dev/null', '--max-time', String(timeoutSeconds), '-w', '%{http_code}', url];
}

/** The status code `curlStatusCommand` printed, or undefined. */
export function parseHttpCode(stdout: string): number | undefined {
  const m = /(\d{3})\s*$/.exec(stdout);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** One A lookup, printing the header comments (for the status) and the answer section. */
export function digCommand(name: string): string[] {
  return ['dig', '+time=2', '+tries=1', '+noall', '+comments', '+answer', name, 'A'];
}

export interface DigAnswer {
  /** NOERROR, NXDOMAIN, SERVFAIL...; undefined when dig got no reply. */
  status: string | undefined;
  addresses: string[];
}

/** The status and A records of `dig +noall +comments +answer` output. */
export function parseDig(stdout: string): DigAnswer {
  const status = /->>HEADER<<- opcode: \S+, status: ([A-Z]+)/.exec(stdout)?.[1];
  const addresses: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(';') || line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    if (f[3] === 'A' && f[4] !== undefined) addresses.push(f[4]);
  }
  return { status, addresses };
}

/** The client address of every line of an nginx-style access log (`<client> - - [time] "GET / ..." ...`). */
export function accessLogClients(log: string): string[] {
  return log
    .split('\n')
    .map((l) => /^(\d{1,3}(?:\.\d{1,3}){3}) \S+ \S+ \[/.exec(l)?.[1])
    .filter((ip): ip is string => ip !== undefined);
}
