import { ExecRunner, type CommandRunner, type RunOptions } from '../../src/net/command.js';

/** The real runner, remembering which programs ran. */
export class RecordingRunner implements CommandRunner {
  readonly programs: string[] = [];
  private readonly exec = new ExecRunner();
  run(file: string, args: readonly string[], options?: RunOptions) {
    this.programs.push(file);
    return this.exec.run(file, args, options);
  }
}
