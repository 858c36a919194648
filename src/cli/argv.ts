/**
 * subctl (Go pflag) takes boolean flags as `--flag=true` and `--flag=false`; oclif takes `--flag` and `--no-flag`.
 * Rewrites the former into the latter, up to a `--`, so both spellings work. Pure.
 */
export function pflagBooleans(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  const head = end < 0 ? args : args.slice(0, end);
  const rest = end < 0 ? [] : args.slice(end);
  return [
    ...head.map((a) => {
      const m = /^--([a-z][a-z0-9-]*)=(true|false)$/i.exec(a);
      if (m === null) return a;
      const [, name = '', value = ''] = m;
      return value.toLowerCase() === 'true' ? `--${name}` : `--no-${name}`;
    }),
    ...rest,
  ];
}
