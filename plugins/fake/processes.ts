import { CommandError, commandArgv } from '../../src/net/command.js';
import type { ChildHandle, ExitStatus, ProcessStarter, StartOptions } from '../process.js';

/** One process the code under test started. */
export class FakeProcess implements ChildHandle {
  running = true;
  readonly exited: Promise<ExitStatus>;
  private finish!: (s: ExitStatus) => void;

  constructor(
    readonly pid: number,
    readonly file: string,
    readonly args: readonly string[],
    readonly options: StartOptions,
  ) {
    this.exited = new Promise((r) => (this.finish = r));
  }

  /** `file args...` joined by spaces. */
  get line(): string {
    return [this.file, ...this.args].join(' ');
  }

  /** The process writes a line (to stdout or stderr). */
  say(line: string): void {
    this.options.onOutput?.(line);
  }

  /** Makes the process exit (a crash when code is not 0). */
  exit(code: number | null = 0, signal: string | null = null): void {
    if (!this.running) return;
    this.running = false;
    this.finish({ code, signal });
  }

  async stop(): Promise<void> {
    this.exit(null, 'SIGTERM');
  }
}

type Matcher = string | ((p: FakeProcess) => boolean);
const matches = (m: Matcher, p: FakeProcess): boolean => (typeof m === 'string' ? p.file === m || p.line.startsWith(`${m} `) : m(p));

/** A ProcessStarter that keeps the processes it "started"; hooks play what the daemon does on start. */
export class FakeProcesses implements ProcessStarter {
  readonly started: FakeProcess[] = [];
  private readonly hooks: { matcher: Matcher; fn: (p: FakeProcess) => void | Promise<void> }[] = [];
  private readonly missing = new Set<string>();
  private nextPid = 1000;

  /** Runs `fn` when a matching process starts (create the device, the control socket, ...). */
  onStart(matcher: Matcher, fn: (p: FakeProcess) => void | Promise<void>): this {
    this.hooks.push({ matcher, fn });
    return this;
  }

  /** Starting `file` fails as if it were not installed. */
  notInstalled(file: string): this {
    this.missing.add(file);
    return this;
  }

  running(matcher?: Matcher): FakeProcess[] {
    return this.started.filter((p) => p.running && (matcher === undefined || matches(matcher, p)));
  }

  async start(file: string, args: readonly string[], options: StartOptions = {}): Promise<ChildHandle> {
    if (this.missing.has(file)) {
      throw new CommandError(commandArgv(file, args, options.netns), { code: null }, { reason: `could not start: "${file}" was not found on PATH (install it or fix PATH)` });
    }
    const p = new FakeProcess(this.nextPid++, file, [...args], options);
    this.started.push(p);
    for (const h of this.hooks) if (matches(h.matcher, p)) await h.fn(p);
    return p;
  }
}
