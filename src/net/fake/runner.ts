import { checkResult, commandArgv, type CommandRunner, type RunOptions, type RunResult } from '../command.js';

/** One command the code under test ran. */
export interface RecordedCall {
  file: string;
  args: string[];
  netns: string | undefined;
  input: string | undefined;
  timeoutMs: number | undefined;
  /** The argv a real runner would exec (with the `ip netns exec` prefix). */
  argv: string[];
  /** `file args...` joined by spaces, without the netns prefix: what matchers see. */
  line: string;
}

/** A string matches a call whose line equals it or starts with it followed by a space. */
export type CallMatcher = string | RegExp | ((call: RecordedCall) => boolean);

export type Reply = Partial<RunResult>;
export type Responder = Reply | ((call: RecordedCall) => Reply | Promise<Reply>);

export function matches(m: CallMatcher, call: RecordedCall): boolean {
  if (typeof m === 'string') return call.line === m || call.line.startsWith(`${m} `);
  if (m instanceof RegExp) return m.test(call.line);
  return m(call);
}

/**
 * A CommandRunner that records every call and answers from scripted replies: the newest matching
 * `on` reply wins; `failOn` switches are checked first. A call nothing answers throws, naming it.
 */
export class FakeRunner implements CommandRunner {
  readonly calls: RecordedCall[] = [];
  private readonly replies: { matcher: CallMatcher; reply: Responder }[] = [];
  private readonly failures: { matcher: CallMatcher; reply: Reply; once: boolean }[] = [];

  on(matcher: CallMatcher, reply: Responder): this {
    this.replies.unshift({ matcher, reply });
    return this;
  }

  /** Makes matching calls exit non-zero (code 1 and the given stderr by default), once or always. */
  failOn(matcher: CallMatcher, reply: Reply = {}, options: { once?: boolean } = {}): this {
    this.failures.push({ matcher, reply: { code: 1, stderr: 'injected failure', ...reply }, once: options.once ?? false });
    return this;
  }

  /** The recorded calls that match. */
  callsTo(matcher: CallMatcher): RecordedCall[] {
    return this.calls.filter((c) => matches(matcher, c));
  }

  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const argv = commandArgv(file, args, options.netns);
    const call: RecordedCall = {
      file,
      args: [...args],
      netns: options.netns,
      input: options.input,
      timeoutMs: options.timeoutMs,
      argv,
      line: [file, ...args].join(' '),
    };
    this.calls.push(call);
    const failure = this.failures.findIndex((f) => matches(f.matcher, call));
    let reply: Reply;
    if (failure >= 0) {
      const f = this.failures[failure]!;
      if (f.once) this.failures.splice(failure, 1);
      reply = f.reply;
    } else {
      const found = this.replies.find((r) => matches(r.matcher, call));
      if (!found) throw new Error(`FakeRunner: no reply scripted for \`${call.line}\`${call.netns ? ` in netns ${call.netns}` : ''}`);
      reply = typeof found.reply === 'function' ? await found.reply(call) : found.reply;
    }
    return checkResult(argv, { code: reply.code ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '' }, options);
  }
}
