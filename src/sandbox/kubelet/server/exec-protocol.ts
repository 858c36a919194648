// The Kubernetes remote-command WebSocket protocol (channel.k8s.io v4/v5), as the kubelet serves exec.

export const execProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The subprotocol to answer with: the newest one the client offers, or undefined. */
export function chooseProtocol(offered: Iterable<string>): string | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return execProtocols.find((p) => set.has(p));
}

/** Parses a Sec-WebSocket-Protocol header value. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text.split(',').map((p) => p.trim()).filter(Boolean);
}

export function frame(channel: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

export function parseFrame(msg: Buffer): { channel: number; data: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  return { channel: msg[0] ?? 0, data: msg.subarray(1) };
}

export interface ExecRequest {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const truthy = (v: string | null): boolean => v !== null && ['1', 'true', ''].includes(v.toLowerCase());

/**
 * The exec options of a kubelet URL: `command` (repeated), `input`/`output`/`error`/`tty` as the apiserver
 * sends them (`stdin`/`stdout`/`stderr` accepted too).
 */
export function parseExecQuery(q: URLSearchParams): ExecRequest {
  const flag = (a: string, b?: string): boolean => truthy(q.get(a)) || (b !== undefined && truthy(q.get(b)));
  return {
    command: q.getAll('command'),
    stdin: flag('input', 'stdin'),
    stdout: flag('output', 'stdout'),
    stderr: flag('error', 'stderr'),
    tty: flag('tty'),
  };
}

/** The v1 Status written on the error channel when the command ends. */
export function exitStatus(code: number): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** A Status for an exec that could not run at all. */
export function errorStatus(message: string): object {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError' };
}

/** The resize message of channel 4: `{"Width":80,"Height":24}`. */
export function parseResize(data: Buffer): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(data.toString()) as { Width?: number; Height?: number };
    return typeof v.Width === 'number' && typeof v.Height === 'number' ? { width: v.Width, height: v.Height } : undefined;
  } catch {
    return undefined;
  }
}
