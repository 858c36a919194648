import { KubeConfig } from '@kubernetes/client-node';
import { brokerEnv } from '../api/agent-env.js';

/** The broker connection an agent reads from its environment (brokerEnv, as the renderer sets it). */
export function brokerKubeConfigFromEnv(env: NodeJS.ProcessEnv): { kc: KubeConfig; namespace: string } {
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') throw new Error(`${name} is not set: the agent needs the broker connection the renderer provides`);
    return v;
  };
  const server = need(brokerEnv.apiServer);
  const namespace = need(brokerEnv.remoteNamespace);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'broker',
        server: /^https:\/\//.test(server) ? server : `https://${server}`,
        caData: Buffer.from(need(brokerEnv.ca)).toString('base64'),
        skipTLSVerify: env[brokerEnv.insecure] === 'true',
      },
    ],
    users: [{ name: 'member', token: need(brokerEnv.apiServerToken) }],
    contexts: [{ name: 'broker', cluster: 'broker', user: 'member', namespace }],
    currentContext: 'broker',
  });
  return { kc, namespace };
}
