import { Agent } from 'node:https';
import {
  createConfiguration,
  KubernetesObjectApi,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';

/** Idle connections are closed after this long, before the API server would drop them under a request. */
const idleTimeoutMs = 30_000;

/**
 * API clients that keep their connections to the API server open between requests. client-node gives every request
 * a new agent, so each one opens a connection and does a TLS handshake; under load that costs more than the request.
 * The credentials are still applied to every request (tokens that rotate keep working). A kubeconfig's clients share
 * one keep-alive agent while its TLS settings stay the same; when they change (a rotated client certificate), a new
 * agent takes over and the old one's connections close once idle. A proxy agent (a cluster's proxy-url) is kept as client-node made it.
 */
export function keepAliveClient<T>(kc: KubeConfig, apiType: new (config: Configuration) => T): T {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster: set its current-context');
  const client = new apiType(createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: keepAliveAuth(kc) } }));
  // What KubernetesObjectApi.makeApiClient does: objects without a namespace go to the context's namespace.
  if (client instanceof KubernetesObjectApi) (client as unknown as { setDefaultNamespace(kc: KubeConfig): string }).setDefaultNamespace(kc);
  return client;
}

const agents = new WeakMap<KubeConfig, { tls: string; agent: Agent }>();

function keepAliveAuth(kc: KubeConfig): SecurityAuthentication {
  return {
    getName: () => 'kubeconfig with keep-alive connections',
    applySecurityAuthentication: async (context: RequestContext) => {
      await kc.applySecurityAuthentication(context);
      const fresh = context.getAgent();
      if (fresh?.constructor !== Agent) return;
      const o = fresh.options;
      const tls = JSON.stringify([o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername].map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v)));
      let kept = agents.get(kc);
      if (kept?.tls !== tls) {
        // The agent in use before, if any, is left to its requests; its idle connections close after the timeout.
        kept = { tls, agent: new Agent({ ...o, keepAlive: true, timeout: idleTimeoutMs }) };
        agents.set(kc, kept);
      }
      context.setAgent(kept.agent);
    },
  };
}
