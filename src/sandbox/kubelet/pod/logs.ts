import { EventEmitter } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';

// Container logs are kept in the CRI format: `<RFC3339Nano time> <stdout|stderr> <F|P> <text>`, one line each.

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  time: string;
  stream: LogStream;
  /** The line continues in the next entry (it was longer than one write). */
  partial: boolean;
  text: string;
}

/** `2026-11-27T08:00:00.123000000Z`. */
export function nanoTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function formatLogLine(e: LogEntry): string {
  return `${e.time} ${e.stream} ${e.partial ? 'P' : 'F'} ${e.text}\n`;
}

export function parseLogLine(line: string): LogEntry | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(line);
  if (!m) return undefined;
  return { time: m[1] ?? '', stream: m[2] as LogStream, partial: m[3] === 'P', text: m[4] ?? '' };
}

export interface LogQuery {
  tailLines?: number | undefined;
  /** Only entries at or after this time. */
  since?: Date | undefined;
  timestamps?: boolean | undefined;
  limitBytes?: number | undefined;
}

/** What `kubectl logs` prints for one entry. */
export function renderEntry(e: LogEntry, timestamps: boolean): string {
  return `${timestamps ? `${e.time} ` : ''}${e.text}${e.partial ? '' : '\n'}`;
}

export function parseLogFile(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    const e = line === '' ? undefined : parseLogLine(line);
    if (e) out.push(e);
  }
  return out;
}

/** The entries a query selects: since, then the last tailLines. */
export function selectEntries(entries: readonly LogEntry[], q: LogQuery): LogEntry[] {
  let out = q.since ? entries.filter((e) => Date.parse(e.time) >= (q.since?.getTime() ?? 0)) : [...entries];
  if (q.tailLines !== undefined && q.tailLines >= 0) out = q.tailLines === 0 ? [] : out.slice(-q.tailLines);
  return out;
}

/** The text of the selected entries, cut at limitBytes. */
export function renderLogs(entries: readonly LogEntry[], q: LogQuery): string {
  const text = selectEntries(entries, q).map((e) => renderEntry(e, q.timestamps === true)).join('');
  if (q.limitBytes === undefined) return text;
  return Buffer.from(text).subarray(0, q.limitBytes).toString();
}

/** The current log of a container (rotated part first). */
export function readLog(file: string): LogEntry[] {
  const parts = [`${file}.1`, file].filter(existsSync);
  return parts.flatMap((p) => parseLogFile(readFileSync(p, 'utf8')));
}

const maxLineBytes = 16 * 1024;

/**
 * Writes a container's stdout and stderr to its log file, line by line with timestamps, rotating at
 * `maxBytes`; emits `entry` for each line written and `end` when closed (followers stop there).
 */
export class ContainerLog extends EventEmitter<{ entry: [LogEntry]; end: [] }> {
  private fd: number;
  private size: number;
  private readonly pending: Record<LogStream, string> = { stdout: '', stderr: '' };
  private open = 2;
  closed = false;

  constructor(
    readonly file: string,
    private readonly maxBytes = 10 * 1024 * 1024,
  ) {
    super();
    this.fd = openSync(file, 'a');
    this.size = statSync(file).size;
  }

  /** Copies a process output stream into the log; the log closes when both streams have ended. */
  attach(stream: Readable, kind: LogStream): void {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.write(kind, chunk));
    stream.on('close', () => {
      this.flush(kind);
      if (--this.open === 0) this.close();
    });
  }

  write(kind: LogStream, chunk: string): void {
    if (this.closed) return;
    let text = this.pending[kind] + chunk;
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      this.entry(kind, text.slice(0, nl), false);
      text = text.slice(nl + 1);
    }
    while (text.length > maxLineBytes) {
      this.entry(kind, text.slice(0, maxLineBytes), true);
      text = text.slice(maxLineBytes);
    }
    this.pending[kind] = text;
  }

  private flush(kind: LogStream): void {
    if (this.pending[kind] !== '') this.entry(kind, this.pending[kind], false);
    this.pending[kind] = '';
  }

  private entry(stream: LogStream, text: string, partial: boolean): void {
    const e: LogEntry = { time: nanoTime(new Date()), stream, partial, text: text.replace(/\r$/, '') };
    const line = formatLogLine(e);
    if (this.size + line.length > this.maxBytes) this.rotate();
    this.size += writeSync(this.fd, line);
    this.emit('entry', e);
  }

  private rotate(): void {
    closeSync(this.fd);
    renameSync(this.file, `${this.file}.1`);
    this.fd = openSync(this.file, 'a');
    this.size = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush('stdout');
    this.flush('stderr');
    this.closed = true;
    closeSync(this.fd);
    this.emit('end');
  }
}
