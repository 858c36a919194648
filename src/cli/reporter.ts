import type { Reporter } from '../base/reporter.js';
import { colorEnabled, paint } from './color.js';

export class StderrReporter implements Reporter {
  private readonly color: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.color = colorEnabled(out);
  }

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.out.write(` ⌛ ${name}\n`);
    try {
      const result = await fn();
      this.out.write(` ${paint('✓', 'green', this.color)} ${name}\n`);
      return result;
    } catch (err) {
      this.out.write(` ${paint('✗', 'red', this.color)} ${name}\n`);
      throw err;
    }
  }

  warning(message: string): void {
    this.out.write(` ${paint('⚠', 'yellow', this.color)} ${message}\n`);
  }

  info(message: string): void {
    this.out.write(`   ${message}\n`);
  }
}
