import { Agent } from 'node:https';
import {
  createConfiguration,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';

/**
 * API clients that keep their connections to the API server open between requests. client-node gives every request
 * a new agent, so each one opens a connection and does a TLS handshake; under load that costs more than the request.
 * The credentials are still applied to every request (tokens that rotate keep working); requests made with the same
 * TLS settings share one keep-alive agent.
 */
export function keepAliveClient<T>(kc: KubeConfig, apiType: new (config: Configuration) => T): T {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster: set its current-context');
  return new apiType(createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: keepAliveAuth(kc) } }));
}

const agents = new WeakMap<KubeConfig, Map<string, Agent>>();

function keepAliveAuth(kc: KubeConfig): SecurityAuthentication {
  return {
    getName: () => 'kubeconfig with keep-alive connections',
    applySecurityAuthentication: async (context: RequestContext) => {
      await kc.applySecurityAuthentication(context);
      const fresh = context.getAgent();
      if (!(fresh instanceof Agent)) return;
      const o = fresh.options;
      const key = JSON.stringify([o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername].map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v)));
      const byTls = agents.get(kc) ?? new Map<string, Agent>();
      agents.set(kc, byTls);
      let agent = byTls.get(key);
      if (agent === undefined) {
        agent = new Agent({ ...o, keepAlive: true });
        byTls.set(key, agent);
      }
      context.setAgent(agent);
    },
  };
}
