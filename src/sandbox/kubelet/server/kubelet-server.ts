import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { chooseProtocol, offeredProtocols, parseExecQuery } from './exec-protocol.js';
import { runExecSession, type ExecTarget } from './exec-session.js';
import { errorText, type KubeletLog } from '../log.js';
import { readLog, renderEntry, renderLogs, type ContainerLog, type LogEntry, type LogQuery } from '../pod/logs.js';

/** What the API needs of a pod on this node. */
export interface ServedPod {
  hasContainer(container: string): boolean;
  logFile(container: string): string;
  /** The live log of the running container, for follow. */
  liveLog(container: string): ContainerLog | undefined;
  execTarget(container: string): ExecTarget | string;
}

export interface KubeletServerSpec {
  certFile: string;
  keyFile: string;
  /** Client certificates must chain to this CA (the apiserver's kubelet client certificate does). */
  caData: string;
  find: (namespace: string, name: string) => ServedPod | undefined;
  log: KubeletLog;
}

const segment = /^\/(containerLogs|exec)\/([^/]+)\/([^/]+)\/([^/]+)\/?$/;

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${body}\n`);
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`invalid ${name} "${v}": use a whole number, 0 or more`);
  return n;
}

/** Log query parameters as the apiserver forwards them. */
export function logQuery(q: URLSearchParams, now = Date.now()): LogQuery & { follow: boolean; previous: boolean } {
  const since = intParam(q, 'sinceSeconds');
  const sinceTime = q.get('sinceTime');
  const flag = (n: string): boolean => ['1', 'true'].includes((q.get(n) ?? '').toLowerCase());
  return {
    follow: flag('follow'),
    previous: flag('previous'),
    timestamps: flag('timestamps'),
    tailLines: intParam(q, 'tailLines'),
    limitBytes: intParam(q, 'limitBytes'),
    since: since !== undefined ? new Date(now - since * 1000) : sinceTime ? new Date(sinceTime) : undefined,
  };
}

/**
 * The kubelet API (healthz, containerLogs, exec over WebSocket) over HTTPS on a unix socket; a forwarder
 * in the node's network namespace carries the apiserver's connections to it.
 */
export class KubeletServer {
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => chooseProtocol(p) ?? false });
  private socketPath: string | undefined;

  constructor(private readonly spec: KubeletServerSpec) {
    this.server = createServer(
      { cert: readFileSync(spec.certFile), key: readFileSync(spec.keyFile), ca: spec.caData, requestCert: true, rejectUnauthorized: false },
      (req, res) => this.handle(req, res),
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.server.on('tlsClientError', () => undefined);
  }

  async listen(socketPath: string): Promise<void> {
    if (Buffer.byteLength(socketPath) > 100) {
      throw new Error(`kubelet socket path ${socketPath} is longer than a unix socket allows (100 bytes): use a shorter sandbox state directory`);
    }
    rmSync(socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => resolve());
    });
    this.socketPath = socketPath;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.socketPath && existsSync(this.socketPath)) rmSync(this.socketPath, { force: true });
  }

  private authorized(req: IncomingMessage): boolean {
    return (req.socket as TLSSocket).authorized === true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (url.pathname === '/healthz') return text(res, 200, 'ok');
    if (!this.authorized(req)) return text(res, 401, 'Unauthorized: present a client certificate signed by the cluster CA');
    const m = segment.exec(url.pathname);
    if (!m) return text(res, 404, `404 page not found: ${url.pathname}`);
    const [, kind, ns = '', pod = '', container = ''] = m;
    if (kind === 'exec') return text(res, 400, 'exec needs a WebSocket upgrade (v5.channel.k8s.io or v4.channel.k8s.io)');
    try {
      this.logs(req, res, decodeURIComponent(ns), decodeURIComponent(pod), decodeURIComponent(container), url.searchParams);
    } catch (err) {
      text(res, 400, errorText(err));
    }
  }

  private logs(req: IncomingMessage, res: ServerResponse, ns: string, name: string, container: string, q: URLSearchParams): void {
    const pod = this.spec.find(ns, name);
    if (!pod) return text(res, 404, `pod ${ns}/${name} is not on this node`);
    if (!pod.hasContainer(container)) return text(res, 404, `container ${container} is not valid for pod ${name}`);
    const query = logQuery(q);
    const file = pod.logFile(container) + (query.previous ? '.prev' : '');
    if (query.previous && !existsSync(file)) return text(res, 400, `previous terminated container "${container}" in pod "${name}" not found`);
    if (!existsSync(file)) return text(res, 400, `container "${container}" in pod "${name}" is waiting to start`);
    const body = renderLogs(readLog(file), query);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    const live = query.follow && !query.previous ? pod.liveLog(container) : undefined;
    if (!live || live.closed) {
      res.end(body);
      return;
    }
    let budget = query.limitBytes ?? Infinity;
    const write = (chunk: string): void => {
      const bytes = Buffer.from(chunk);
      res.write(bytes.subarray(0, budget));
      budget -= Math.min(budget, bytes.length);
      if (budget <= 0) done();
    };
    const onEntry = (e: LogEntry): void => write(renderEntry(e, query.timestamps === true));
    const done = (): void => {
      live.off('entry', onEntry);
      live.off('end', done);
      res.end();
    };
    live.on('entry', onEntry);
    live.on('end', done);
    req.on('close', done);
    write(body);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, reason: string, message: string): void => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${message}\n`);
    };
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (!this.authorized(req)) return refuse(401, 'Unauthorized', 'present a client certificate signed by the cluster CA');
    const m = segment.exec(url.pathname);
    if (!m || m[1] !== 'exec') return refuse(404, 'Not Found', `no WebSocket endpoint at ${url.pathname}`);
    const protocol = chooseProtocol(offeredProtocols(req.headers['sec-websocket-protocol']));
    if (!protocol) return refuse(400, 'Bad Request', 'exec needs subprotocol v5.channel.k8s.io or v4.channel.k8s.io');
    const request = parseExecQuery(url.searchParams);
    if (request.command.length === 0) return refuse(400, 'Bad Request', 'exec needs at least one command parameter');
    const pod = this.spec.find(decodeURIComponent(m[2] ?? ''), decodeURIComponent(m[3] ?? ''));
    if (!pod) return refuse(404, 'Not Found', `pod ${m[2] ?? ''}/${m[3] ?? ''} is not on this node`);
    const target = pod.execTarget(decodeURIComponent(m[4] ?? ''));
    if (typeof target === 'string') return refuse(400, 'Bad Request', target);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        runExecSession(ws, protocol, target, request);
      } catch (err) {
        this.spec.log.warn('exec failed', { error: errorText(err) });
        ws.close(1011);
      }
    });
  }
}
