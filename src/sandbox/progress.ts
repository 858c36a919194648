import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface ProgressEvent {
  step: string;
  status: 'start' | 'done' | 'fail' | 'ready';
  message?: string;
  at: string;
}

/** Named steps, written one JSON line each so that another process (`sandbox up`) can follow them. */
export class ProgressLog {
  constructor(readonly file: string) {}

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.write({ step: name, status: 'start' });
    try {
      const result = await fn();
      this.write({ step: name, status: 'done' });
      return result;
    } catch (err) {
      this.write({ step: name, status: 'fail', message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  ready(): void {
    this.write({ step: 'ready', status: 'ready' });
  }

  write(e: Omit<ProgressEvent, 'at'>): void {
    appendFileSync(this.file, JSON.stringify({ ...e, at: new Date().toISOString() }) + '\n');
  }

  /** Events written so far. */
  read(): ProgressEvent[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ProgressEvent);
  }
}
