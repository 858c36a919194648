import { appendFileSync } from 'node:fs';

/** Structured log of the kubelet; tokens and Secret data never go into fields. */
export interface KubeletLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** JSON lines appended to `file`. */
export function fileLog(file: string, component: string, verbose = false): KubeletLog {
  const emit = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    try {
      appendFileSync(file, `${JSON.stringify({ time: new Date().toISOString(), level, component, message, ...fields })}\n`);
    } catch {
      // the node directory is gone (sandbox torn down): nothing left to log to
    }
  };
  return { debug: verbose ? emit('debug') : () => {}, info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
