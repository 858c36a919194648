import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/** A non-2xx answer of the apiserver, with its Status reason and message. */
export class KubeApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    apiMessage: string,
  ) {
    super(`${method} ${path}: ${status} ${reason}${apiMessage ? `: ${apiMessage}` : ''}`);
    this.name = 'KubeApiError';
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.status === 409;
export const isGone = (err: unknown): boolean => err instanceof KubeApiError && err.status === 410;
const isConnectionReset = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET';

export type PatchType = 'merge' | 'strategic';

const patchContentType: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** The REST calls the kubelet makes, by path. */
export interface KubeApi {
  /** The object, or undefined on 404. */
  get<T>(path: string): Promise<T | undefined>;
  post<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown, type?: PatchType): Promise<T>;
  /** Deletes; a 404 is not an error. */
  delete(path: string, body?: unknown): Promise<void>;
  /** Streams watch events until the server ends the watch or `signal` aborts. */
  watch<T>(path: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
}

/** KubeApi over node:https with the credentials of a KubeConfig (token or client certificate, CA). */
export class HttpsKubeApi implements KubeApi {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  private base: Promise<{ url: URL; options: RequestOptions }> | undefined;

  constructor(private readonly kc: KubeConfig) {}

  private connection(): Promise<{ url: URL; options: RequestOptions }> {
    this.base ??= (async () => {
      const cluster = this.kc.getCurrentCluster();
      if (!cluster) throw new Error('the kubelet kubeconfig has no current cluster: set current-context');
      const options: RequestOptions = {};
      await this.kc.applyToHTTPSOptions(options);
      return { url: new URL(cluster.server), options };
    })();
    return this.base;
  }

  private async open(method: string, path: string, body: unknown, contentType: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const { url, options } = await this.connection();
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...options,
          agent: this.agent,
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          method,
          path: `${url.pathname.replace(/\/$/, '')}${path}`,
          headers: {
            ...options.headers,
            accept: 'application/json',
            ...(data === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(data) }),
          },
          signal,
        },
        resolve,
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const res = await this.open(method, path, body, contentType, AbortSignal.timeout(30_000)).catch((err: unknown) => {
      // A kept-alive connection the apiserver closed as the request went out ("socket hang up"): a request that
      // is safe to repeat (all but POST) goes again, once, on a new connection.
      if (method === 'POST' || !isConnectionReset(err)) throw err;
      return this.open(method, path, body, contentType, AbortSignal.timeout(30_000));
    });
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiError(method, path, status, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async get<T>(path: string): Promise<T | undefined> {
    try {
      return await this.call<T>('GET', path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  patch<T>(path: string, body: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.call<T>('PATCH', path, body, patchContentType[type]);
  }

  async delete(path: string, body?: unknown): Promise<void> {
    try {
      await this.call('DELETE', path, body);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async watch<T>(path: string, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const res = await this.open('GET', path, undefined, '', signal);
    const status = res.statusCode ?? 0;
    if (status !== 200) throw apiError('GET', path, status, await readBody(res));
    res.setEncoding('utf8');
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          try {
            onEvent(JSON.parse(line) as WatchEvent<T>);
          } catch (err) {
            res.destroy();
            reject(err instanceof Error ? err : new Error(String(err)));
            return;
          }
        }
      });
      res.on('end', resolve);
      res.on('close', resolve);
      res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function apiError(method: string, path: string, status: number, text: string): KubeApiError {
  let reason = '';
  let message = text.slice(0, 500);
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? '';
    message = s.message ?? message;
  } catch {
    // not a Status object
  }
  return new KubeApiError(method, path, status, reason, message);
}
