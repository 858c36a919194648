import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRunner } from '../../../net/command.js';

/** The kubelet's self-signed serving certificate in the node directory, made once with openssl. */
export async function servingCert(runner: CommandRunner, dir: string, nodeName: string, ip: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, 'kubelet.crt');
  const keyFile = join(dir, 'kubelet.key');
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile };
  await runner.run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650',
    '-keyout', keyFile, '-out', certFile,
    '-subj', `/CN=${nodeName}`,
    '-addext', `subjectAltName=IP:${ip},DNS:${nodeName}`,
  ], { timeoutMs: 30_000 });
  return { certFile, keyFile };
}
