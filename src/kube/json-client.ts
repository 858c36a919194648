import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { keepAliveAgent, type KeepAliveOptions } from './keep-alive.js';

export interface JsonRequest {
  query?: Record<string, string | boolean | undefined>;
  body?: unknown;
  /** Of the body; JSON by default. */
  contentType?: string;
}

/**
 * Requests to one API server with JSON in and out, over the keep-alive connections of ./keep-alive.js, taking the
 * kubeconfig's credentials and TLS settings on every request (a rotated token or certificate is picked up). It skips
 * what client-node's generated clients do per request (a fetch layer, middleware, model classes), which is most of an
 * agent's CPU when it writes at pace. Failures are client-node's ApiException, so `apiStatus` and `apiErrorMessage`
 * read them alike.
 */
export class JsonClient {
  private readonly server: string;

  constructor(
    private readonly kc: KubeConfig,
    private readonly o: KeepAliveOptions = {},
  ) {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster: set its current-context');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  async send<T>(method: string, path: string, r: JsonRequest = {}): Promise<T> {
    const body = r.body === undefined ? undefined : JSON.stringify(r.body);
    const headers: Record<string, string | number> = { Accept: 'application/json' };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': r.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) });
    const opts: RequestOptions = { method, headers, ...clusterTls(this.kc) };
    await this.kc.applyToHTTPSOptions(opts);
    opts.agent = keepAliveAgent(opts.agent) ?? opts.agent;
    if (this.o.requestTimeoutMs !== undefined) opts.signal = AbortSignal.timeout(this.o.requestTimeoutMs);
    const { status, text, responseHeaders } = await exchange(this.server + path + queryString(r.query), opts, body);
    if (status >= 200 && status <= 299) return (text === '' ? undefined : JSON.parse(text)) as T;
    throw new ApiException<string>(status, `${method} ${path}`, text, flatten(responseHeaders));
  }
}

/** The cluster's TLS settings, which client-node applies only for a context with a user. */
function clusterTls(kc: KubeConfig): Pick<RequestOptions, 'rejectUnauthorized' | 'servername'> {
  const cluster = kc.getCurrentCluster();
  return { ...(cluster?.skipTLSVerify ? { rejectUnauthorized: false } : {}), ...(cluster?.tlsServerName ? { servername: cluster.tlsServerName } : {}) };
}

function exchange(url: string, opts: RequestOptions, body: string | undefined): Promise<{ status: number; text: string; responseHeaders: IncomingHttpHeaders }> {
  const send = url.startsWith('http:') ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), responseHeaders: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function queryString(query: JsonRequest['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
