/**
 * Progress of a multi-step command, on stderr (data goes to stdout): one line per named step, as subctl
 * prints them.
 */
export interface Reporter {
  /** Runs `fn` as a named step: prints it, then its outcome. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  warning(message: string): void;
  info(message: string): void;
}

/** Collects steps in memory: for library callers and tests. */
export class MemoryReporter implements Reporter {
  readonly steps: { name: string; ok: boolean }[] = [];
  readonly warnings: string[] = [];
  readonly infos: string[] = [];

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      const r = await fn();
      this.steps.push({ name, ok: true });
      return r;
    } catch (err) {
      this.steps.push({ name, ok: false });
      throw err;
    }
  }

  warning(message: string): void {
    this.warnings.push(message);
  }

  info(message: string): void {
    this.infos.push(message);
  }
}
