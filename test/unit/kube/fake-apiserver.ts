import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

interface Event {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubernetesObject;
  rv: number;
}

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: unknown;
}

/**
 * An API server over plain HTTP holding the objects of the paths it is asked about in memory: list, watch (with
 * resource versions, label selectors and expiry as 410 Gone), get, create, replace, merge patch, apply and delete,
 * status subresources, and failures injected per method.
 */
export class FakeApiServer {
  private readonly server: Server;
  /** Objects by collection path (`/apis/g/v[/namespaces/ns]/plural`) and name. */
  private readonly objects = new Map<string, Map<string, KubernetesObject>>();
  private readonly events: (Event & { collection: string })[] = [];
  private readonly watchers = new Set<{ collection: string; res: ServerResponse; selector: string | null }>();
  private rv = 0;
  /** Events at or below this resource version are gone: a watch from there gets 410. */
  private compacted = 0;
  private readonly failures: { method: string; status: number }[] = [];
  readonly requests: Request[] = [];

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<KubeConfig> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'token' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u', namespace: 'from-context' }],
      currentContext: 'c',
    });
    return kc;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Makes the next `method` request (`WATCH` for a watch) answer `status`. */
  failNext(method: string, status: number): void {
    this.failures.push({ method, status });
  }

  /** Stores an object as a controller would, with a new resource version. */
  put<T extends KubernetesObject>(collection: string, obj: T): T {
    const objects = this.collection(collection);
    const name = obj.metadata?.name ?? '';
    const type = objects.has(name) ? 'MODIFIED' : 'ADDED';
    const stored = { ...structuredClone(obj), metadata: { ...structuredClone(obj.metadata), resourceVersion: String(++this.rv) } };
    objects.set(name, stored);
    this.emit(collection, { type, object: stored, rv: this.rv });
    return stored;
  }

  remove(collection: string, name: string): boolean {
    const objects = this.collection(collection);
    const obj = objects.get(name);
    if (!obj) return false;
    objects.delete(name);
    this.emit(collection, { type: 'DELETED', object: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } }, rv: this.rv });
    return true;
  }

  /** Forgets the events so far: open watches end with 410 Gone, as when etcd compacts. */
  expire(): void {
    this.compacted = this.rv;
    for (const w of [...this.watchers]) {
      w.res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old resource version' } }) + '\n');
      this.watchers.delete(w);
    }
  }

  /** Ends the open watches without an error, as the API server does when a watch times out. */
  endWatches(): void {
    for (const w of [...this.watchers]) {
      w.res.end();
      this.watchers.delete(w);
    }
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  private collection(path: string): Map<string, KubernetesObject> {
    let objects = this.objects.get(path);
    if (!objects) this.objects.set(path, (objects = new Map<string, KubernetesObject>()));
    return objects;
  }

  private emit(collection: string, event: Event): void {
    this.events.push({ ...event, collection });
    for (const w of this.watchers) {
      if (covers(w.collection, collection) && matches(w.selector, event.object)) w.res.write(JSON.stringify({ type: event.type, object: event.object }) + '\n');
    }
  }

  /** The objects under a path: a collection, or every namespace's collections of a kind when the path has none. */
  private listed(path: string, selector: string | null): KubernetesObject[] {
    return [...this.objects.entries()].filter(([c]) => covers(path, c)).flatMap(([, objects]) => [...objects.values()].filter((o) => matches(selector, o)));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const watching = url.searchParams.get('watch') === 'true';
    const method = watching ? 'WATCH' : (req.method ?? 'GET');
    this.requests.push({ method, path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'], body: text ? JSON.parse(text) : undefined });
    const failure = this.failures.findIndex((f) => f.method === method);
    if (failure >= 0) {
      const code = this.failures.splice(failure, 1)[0]?.status ?? 500;
      return send(res, code, { kind: 'Status', apiVersion: 'v1', code, message: `injected ${code}` });
    }
    const selector = url.searchParams.get('labelSelector');
    const { collection, name, status } = parsePath(url.pathname);
    if (watching) return this.watch(res, collection, selector, Number(url.searchParams.get('resourceVersion') ?? '0'));
    const objects = this.collection(collection);
    const have = name === undefined ? undefined : objects.get(name);
    const body = (text ? JSON.parse(text) : undefined) as KubernetesObject | undefined;
    switch (req.method) {
      case 'GET':
        if (name === undefined) {
          const kind = collection.split('/').pop() ?? '';
          return send(res, 200, { apiVersion: 'v1', kind: `${kind}List`, metadata: { resourceVersion: String(this.rv) }, items: this.listed(collection, selector) });
        }
        return have ? send(res, 200, have) : notFound(res, name);
      case 'POST': {
        const created = body?.metadata?.name ?? '';
        if (objects.has(created)) return send(res, 409, { kind: 'Status', apiVersion: 'v1', code: 409, message: `${created} already exists` });
        return send(res, 201, this.put(collection, body as KubernetesObject));
      }
      case 'PUT': {
        if (!have || name === undefined) return notFound(res, name ?? '');
        if (body?.metadata?.resourceVersion && body.metadata.resourceVersion !== have.metadata?.resourceVersion) {
          return send(res, 409, { kind: 'Status', apiVersion: 'v1', code: 409, message: `${name} was modified` });
        }
        const next = status ? { ...have, status: (body as { status?: unknown }).status } : { ...body, status: (have as { status?: unknown }).status };
        return send(res, 200, this.put(collection, next));
      }
      case 'PATCH': {
        if (name === undefined) return notFound(res, '');
        if (req.headers['content-type'] === 'application/apply-patch+yaml') return send(res, 200, this.put(collection, merge(have ?? {}, body) as KubernetesObject));
        if (!have) return notFound(res, name);
        return send(res, 200, this.put(collection, merge(have, body) as KubernetesObject));
      }
      case 'DELETE':
        if (name === undefined || !have) return notFound(res, name ?? '');
        this.remove(collection, name);
        return send(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
    }
    send(res, 405, { kind: 'Status', apiVersion: 'v1', code: 405 });
  }

  private watch(res: ServerResponse, collection: string, selector: string | null, from: number): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    if (from < this.compacted) {
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired' } }) + '\n');
      return;
    }
    for (const e of this.events) {
      if (e.rv > from && covers(collection, e.collection) && matches(selector, e.object)) res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    }
    const watcher = { collection, res, selector };
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
  }
}

/** Whether a request path covers a collection: the same one, or the kind across namespaces. */
function covers(path: string, collection: string): boolean {
  if (path === collection) return true;
  const kind = path.split('/').pop();
  const prefix = path.slice(0, path.length - (kind?.length ?? 0));
  return collection.startsWith(`${prefix}namespaces/`) && collection.endsWith(`/${kind}`);
}

function parsePath(path: string): { collection: string; name?: string; status: boolean } {
  const parts = path.split('/').filter(Boolean);
  const status = parts.at(-1) === 'status';
  if (status) parts.pop();
  // /api/v1[/namespaces/ns]/plural[/name] or /apis/g/v[/namespaces/ns]/plural[/name]
  const base = parts[0] === 'api' ? 2 : 3;
  const namespaced = parts[base] === 'namespaces' && parts.length > base + 2;
  const collectionLength = base + (namespaced ? 3 : 1);
  return { collection: '/' + parts.slice(0, collectionLength).join('/'), name: parts[collectionLength], status };
}

function matches(selector: string | null, obj: KubernetesObject): boolean {
  if (!selector) return true;
  const labels = obj.metadata?.labels ?? {};
  return selector.split(',').every((term) => {
    const [key = '', value] = term.split('=');
    return value === undefined ? key in labels : labels[key] === value;
  });
}

function merge(into: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...(into && typeof into === 'object' ? (into as Record<string, unknown>) : {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function notFound(res: ServerResponse, name: string): void {
  send(res, 404, { kind: 'Status', apiVersion: 'v1', code: 404, reason: 'NotFound', message: `${name} not found` });
}
