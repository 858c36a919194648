import { ExecRunner, type CommandRunner, type RunOptions } from '../../src/net/command.js';

/** The real runner, remembering which programs ran, and with which arguments. */
export class RecordingRunner implements CommandRunner {
  readonly programs: string[] = [];
  /** `file args...` of each run. */
  readonly lines: string[] = [];
  private readonly exec = new ExecRunner();
  run(file: string, args: readonly string[], options?: RunOptions) {
    this.programs.push(file);
    this.lines.push([file, ...args].join(' '));
    return this.exec.run(file, args, options);
  }
}
