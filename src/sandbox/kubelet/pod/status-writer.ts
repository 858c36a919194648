export interface StatusWriterOptions<B> {
  /** The status to write now. */
  snapshot(): B;
  write(body: B): Promise<void>;
  /** After `body` landed. */
  landed?(body: B): void;
  failed?(err: unknown): void;
  /**
   * Changes within this time go out in one write (default 0: those of one turn of the event loop). While a write is
   * in flight, changes wait for it and then go out together.
   */
  debounceMs?: number;
  /** Pause before a failed write is tried again (default 3 s). */
  retryMs?: number;
}

/**
 * Writes a pod's status: one write at a time, always of the latest state, and a failed write (the apiserver
 * answering 429 while its storage re-initialises, a timeout) is tried again until the latest state has landed.
 * A write that lands late can therefore never leave an older state behind.
 */
export class StatusWriter<B> {
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private dirty = false;
  private closed = false;
  private last = '';

  constructor(private readonly o: StatusWriterOptions<B>) {}

  /** Something changed: write the status soon. */
  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.writing || this.timer) return;
    this.schedule(this.o.debounceMs ?? 0);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  private async flush(): Promise<void> {
    if (this.closed) return;
    this.writing = true;
    this.dirty = false;
    const body = this.o.snapshot();
    const text = JSON.stringify(body);
    try {
      if (text !== this.last) {
        await this.o.write(body);
        this.last = text;
        this.o.landed?.(body);
      }
    } catch (err) {
      this.writing = false;
      this.o.failed?.(err);
      if (!this.closed) {
        this.dirty = true;
        this.schedule(this.o.retryMs ?? 3000);
      }
      return;
    }
    this.writing = false;
    if (this.dirty) this.changed();
  }

  /** True while a change has not landed yet. */
  get pending(): boolean {
    return this.dirty || this.writing || this.timer !== undefined;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
