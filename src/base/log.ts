/** JSON lines on stdout, one object per event, as a pod's log collector expects. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(component: string, verbose: boolean, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const emit = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, component, message, ...fields })}\n`);
  };
  return { debug: verbose ? emit('debug') : () => {}, info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
