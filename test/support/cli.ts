import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (npm run build): tests run it as users do, as a separate process. */
export const cliPath = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
export const binDir = fileURLToPath(new URL('../../dist/bin', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, input?: string, timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], { env, encoding: 'utf8', input, timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
