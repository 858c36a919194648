import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRunner } from '../../net/command.js';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
  serviceAccountKey: string;
  tokensFile: string;
  adminToken: string;
}

export interface PkiSpec {
  dir: string;
  /** IPs the apiserver is reached at: loopback, the advertise address, the `kubernetes` Service IP. */
  ips: string[];
}

/** Generates a cluster's CA, serving and client certificates, service-account key and admin token with openssl. */
export async function generatePki(runner: CommandRunner, spec: PkiSpec): Promise<Pki> {
  const f = (name: string): string => join(spec.dir, name);
  const openssl = async (args: string[]): Promise<void> => {
    await runner.run('openssl', args, { timeoutMs: 30_000 });
  };
  const days = '3650';
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', days, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-subj', '/CN=kubectl-submariner-sandbox-ca']);

  const dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const san = [...new Set(spec.ips)].map((ip) => `IP:${ip}`).concat(dns.map((d) => `DNS:${d}`)).join(',');
  writeFileSync(f('apiserver.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('apiserver.key'), '-out', f('apiserver.csr'), '-subj', '/CN=kube-apiserver']);
  await openssl(['x509', '-req', '-in', f('apiserver.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', days, '-out', f('apiserver.crt'), '-extfile', f('apiserver.ext')]);

  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('kubelet-client.key'), '-out', f('kubelet-client.csr'), '-subj', '/O=system:masters/CN=kube-apiserver-kubelet-client']);
  await openssl(['x509', '-req', '-in', f('kubelet-client.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', days, '-out', f('kubelet-client.crt'), '-extfile', f('client.ext')]);

  await openssl(['genrsa', '-out', f('sa.key'), '2048']);
  const adminToken = randomBytes(24).toString('hex');
  writeFileSync(f('tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
  return {
    dir: spec.dir,
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    apiserverCert: f('apiserver.crt'),
    apiserverKey: f('apiserver.key'),
    kubeletClientCert: f('kubelet-client.crt'),
    kubeletClientKey: f('kubelet-client.key'),
    serviceAccountKey: f('sa.key'),
    tokensFile: f('tokens.csv'),
    adminToken,
  };
}
