/** Colour only on a TTY, never with NO_COLOR or TERM=dumb (https://no-color.org). */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const codes = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
export type Color = keyof typeof codes;

export function paint(text: string, color: Color, enabled: boolean): string {
  return enabled ? `\u001b[${codes[color]}m${text}\u001b[0m` : text;
}
