import { spawn } from 'node:child_process';

/** How one command runs. Every command has a timeout; none goes through a shell. */
export interface RunOptions {
  /** Kill the process after this many milliseconds (default 10 s). */
  timeoutMs?: number | undefined;
  /** Written to the process's stdin, which is then closed. */
  input?: string | undefined;
  /** Run inside this named network namespace (`ip netns exec <netns> ...`). */
  netns?: string | undefined;
  /** Return a non-zero exit as a result instead of throwing a CommandError. */
  allowFailure?: boolean | undefined;
  /** The arguments may carry secrets: errors name the program only. */
  redact?: boolean | undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The one seam through which the project starts processes. */
export interface CommandRunner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** A command that exited non-zero, timed out or could not start. */
export class CommandError extends Error {
  /** The argv that ran, or just the program name when redacted. */
  readonly argv: readonly string[];
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;

  constructor(
    argv: readonly string[],
    result: { code: number | null; stdout?: string; stderr?: string },
    details: { redact?: boolean | undefined; timedOut?: boolean; timeoutMs?: number; reason?: string } = {},
    options?: ErrorOptions,
  ) {
    const shown = details.redact ? [argv[0] ?? '?', '<arguments redacted>'] : [...argv];
    const stderr = result.stderr ?? '';
    const what = details.timedOut
      ? `timed out after ${details.timeoutMs ?? '?'} ms and was killed`
      : (details.reason ?? `exited with code ${result.code ?? 'unknown'}`);
    const tail = stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
    super(`command \`${shown.join(' ')}\` ${what}${tail}`, options);
    this.name = 'CommandError';
    this.argv = shown;
    this.code = result.code;
    this.stdout = result.stdout ?? '';
    this.stderr = stderr;
    this.timedOut = details.timedOut ?? false;
  }
}

const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

/** Checks a network namespace name before it reaches any argv. */
export function checkNetnsName(name: string): string {
  if (!NETNS_NAME.test(name) || name === '.' || name === '..') {
    throw new RangeError(
      `invalid network namespace name "${name}": use letters, digits, "_", "." and "-" (not starting with "-" or ".")`,
    );
  }
  return name;
}

/** The argv that runs `file args` inside `netns` (or as is without one). */
export function commandArgv(file: string, args: readonly string[], netns?: string): string[] {
  if (netns === undefined) return [file, ...args];
  return ['ip', 'netns', 'exec', checkNetnsName(netns), file, ...args];
}

/** Turns a finished run into the caller's answer: the result, or a CommandError for a non-zero exit. */
export function checkResult(argv: readonly string[], result: RunResult, options: RunOptions = {}): RunResult {
  if (result.code !== 0 && !options.allowFailure) throw new CommandError(argv, result, { redact: options.redact });
  return result;
}

/** Runs real processes with node:child_process (spawn, no shell). */
export class ExecRunner implements CommandRunner {
  constructor(private readonly env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' }) {}

  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    if (file === '') throw new RangeError('cannot run a command with an empty program name');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new RangeError(`invalid timeout ${timeoutMs} ms: use a positive number of milliseconds`);
    const argv = commandArgv(file, args, options.netns);
    const result = await spawnOnce(argv, options, timeoutMs, this.env);
    return checkResult(argv, result, options);
  }
}

function spawnOnce(argv: string[], options: RunOptions, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [program, ...rest] = argv as [string, ...string[]];
    const child = spawn(program, rest, { stdio: ['pipe', 'pipe', 'pipe'], env, shell: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: CommandError | undefined;
    const fail = (e: CommandError): void => {
      failure ??= e;
      child.kill('SIGKILL');
    };
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) {
        fail(new CommandError(argv, { code: null }, { redact: options.redact, reason: `wrote more than ${MAX_OUTPUT_BYTES} bytes of output and was killed` }));
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const timer = setTimeout(() => {
      fail(new CommandError(argv, { code: null, stderr: Buffer.concat(err).toString() }, { redact: options.redact, timedOut: true, timeoutMs }));
    }, timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason = e.code === 'ENOENT'
        ? `could not start: "${program}" was not found on PATH (install it or fix PATH)`
        : `could not start: ${e.message}`;
      reject(new CommandError(argv, { code: null }, { redact: options.redact, reason }, { cause: e }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    // A process may exit before reading its input; that shows up as its exit code, not as EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export interface RetryOptions {
  /** Attempts in total, at least 1. */
  tries: number;
  /** Pause between attempts. */
  delayMs: number;
  /** Return false to give up at once on an error that retrying cannot fix. */
  retryIf?: (err: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Calls `fn` until it resolves or the tries run out; rethrows the last error. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  if (!Number.isInteger(options.tries) || options.tries < 1) {
    throw new RangeError(`invalid retry count ${options.tries}: use a whole number of tries, at least 1`);
  }
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.tries || (options.retryIf && !options.retryIf(err))) throw err;
      await sleep(options.delayMs);
    }
  }
}
