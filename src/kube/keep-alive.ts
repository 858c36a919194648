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

export interface KeepAliveOptions {
  /** Each request is abandoned (rejected with a TimeoutError) when it has no answer after this long. */
  requestTimeoutMs?: number;
}

/** Idle connections are closed after this long, before the API server would drop them under a request. */
const idleTimeoutMs = 30_000;

/**
 * API clients that keep their connections to the API server open between requests. client-node gives every request
 * a new agent, so each one opens a connection and does a TLS handshake; under load that costs more than the request.
 * The credentials are still applied to every request (tokens that rotate keep working). Clients whose TLS settings are
 * the same share one keep-alive agent, whichever kubeconfig they come from: a controller acting as many service
 * accounts of one API server (each a kubeconfig with its own bearer token) opens no connection per account. When a
 * kubeconfig's TLS settings change (a rotated client certificate), it moves to the agent of its new settings, and the
 * old one's connections close once idle. A proxy agent (a cluster's proxy-url) is kept as client-node made it.
 */
export function keepAliveClient<T>(kc: KubeConfig, apiType: new (config: Configuration) => T, o: KeepAliveOptions = {}): T {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster: set its current-context');
  const client = new apiType(createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: keepAliveAuth(kc, o) } }));
  // What KubernetesObjectApi.makeApiClient does: objects without a namespace go to the context's namespace.
  if (client instanceof KubernetesObjectApi) (client as unknown as { setDefaultNamespace(kc: KubeConfig): string }).setDefaultNamespace(kc);
  return client;
}

/** Keep-alive agents by TLS settings, the most recently used last; the oldest are dropped past `maxAgents`. */
const agents = new Map<string, Agent>();
const maxAgents = 32;

function sharedAgent(tls: string, options: Agent['options']): Agent {
  let agent = agents.get(tls);
  if (agent === undefined) agent = new Agent({ ...options, keepAlive: true, timeout: idleTimeoutMs });
  // A dropped agent is left to its requests; its idle connections close after the timeout.
  agents.delete(tls);
  agents.set(tls, agent);
  for (const oldest of agents.keys()) {
    if (agents.size <= maxAgents) break;
    agents.delete(oldest);
  }
  return agent;
}

function keepAliveAuth(kc: KubeConfig, opts: KeepAliveOptions): SecurityAuthentication {
  return {
    getName: () => 'kubeconfig with keep-alive connections',
    applySecurityAuthentication: async (context: RequestContext) => {
      await kc.applySecurityAuthentication(context);
      if (opts.requestTimeoutMs !== undefined) context.setSignal(AbortSignal.timeout(opts.requestTimeoutMs));
      const shared = keepAliveAgent(context.getAgent());
      if (shared !== undefined) context.setAgent(shared);
    },
  };
}

/**
 * The shared keep-alive agent for the TLS settings of `fresh`, the agent client-node made for one request; undefined
 * for any other agent (a proxy's), which is kept as it is.
 */
export function keepAliveAgent(fresh: unknown): Agent | undefined {
  if (!(fresh instanceof Agent) || fresh.constructor !== Agent) return undefined;
  const o = fresh.options;
  const tls = JSON.stringify([o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername].map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v)));
  return sharedAgent(tls, o);
}
