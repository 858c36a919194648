import type { RemoteEndpoint, RouteAgentStatus } from '../../../api/generated.js';
import { errorText, type Logger } from '../../../base/log.js';
import { HandlerBase, type HandleResult } from '../../event/handler.js';
import type { EndpointInfo } from '../../model.js';
import type { RouteAgentEvent } from '../../view.js';
import type { Ping } from '../../../net/ping/echo.js';
import { Pinger } from '../../../net/ping/pinger.js';
import type { RouteAgentStatusWriter } from './status-writer.js';

export interface HealthCheckerDeps {
  enabled: boolean;
  intervalMs: number;
  maxPacketLossCount: number;
  version: string;
  ping: Ping;
  writer: RouteAgentStatusWriter;
  log: Logger;
  schedule?: (fn: () => void, ms: number) => () => void;
}

export const messages = {
  gateway: 'Health check is not performed on gateway nodes',
  disabled: 'Health check is disabled',
  noHealthCheckIp: 'The remote endpoint has no health check IP',
} as const;

/**
 * Reports how this node reaches each remote cluster in the RouteAgent object named after the node:
 * non-gateway nodes ping every remote endpoint's health-check IP, gateway nodes report `none`.
 */
export class HealthCheckerHandler extends HandlerBase {
  private readonly pingers = new Map<string, Pinger>();
  private written: string | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: HealthCheckerDeps) {
    super();
  }

  name(): string {
    return 'healthchecker';
  }

  /** A batch without events is the periodic re-sync: the status is written again even if unchanged (it may have been deleted). */
  override async handle(events: readonly RouteAgentEvent[]): Promise<HandleResult> {
    this.syncPingers();
    if (events.length === 0) this.written = undefined;
    await this.writeStatus();
    return {};
  }

  /** One pinger per remote endpoint with a health-check IP, on non-gateway nodes only. */
  private syncPingers(): void {
    const view = this.view();
    const want = new Map<string, string>();
    if (this.deps.enabled && !view.isGateway && !this.stopped) {
      for (const e of view.remoteEndpoints) if (e.healthCheckIp) want.set(e.clusterId, e.healthCheckIp);
    }
    for (const [id, p] of this.pingers) {
      if (want.get(id) !== p.ip) {
        p.stop();
        this.pingers.delete(id);
      }
    }
    for (const [id, ip] of want) {
      if (this.pingers.has(id)) continue;
      const p = new Pinger({
        ip,
        ping: this.deps.ping,
        intervalMs: this.deps.intervalMs,
        maxPacketLoss: this.deps.maxPacketLossCount,
        onChange: () => void this.writeStatus().catch((err: unknown) => this.deps.log.warn('cannot write the RouteAgent status', { error: errorText(err) })),
        schedule: this.deps.schedule,
      });
      this.pingers.set(id, p);
      p.start();
    }
  }

  /** The RouteAgent status for the current view and ping results. */
  status(): RouteAgentStatus {
    const view = this.view();
    return {
      version: this.deps.version,
      remoteEndpoints: view.remoteEndpoints.map((e) => this.remote(e, view.isGateway)),
    };
  }

  private remote(e: EndpointInfo, isGateway: boolean): RemoteEndpoint {
    const none = (statusMessage: string): RemoteEndpoint => ({ status: 'none', statusMessage, spec: e.spec });
    if (isGateway) return none(messages.gateway);
    if (!this.deps.enabled) return none(messages.disabled);
    const p = this.pingers.get(e.clusterId);
    if (!p) return none(messages.noHealthCheckIp);
    switch (p.state()) {
      case 'error':
        return { status: 'error', statusMessage: `Failed to successfully ping the remote endpoint IP ${p.ip}`, spec: e.spec };
      case 'connecting':
        return { status: 'connecting', statusMessage: `Waiting for the first ping reply from ${p.ip}`, spec: e.spec };
      case 'connected': {
        const latency = p.latency();
        return { status: 'connected', statusMessage: '', spec: e.spec, ...(latency ? { latencyRTT: latency } : {}) };
      }
    }
  }

  /** Writes the status when it differs from the last one written; writes never overlap. */
  private writeStatus(): Promise<void> {
    const next = this.writing.then(async () => {
      if (this.stopped) return;
      const status = this.status();
      const text = JSON.stringify(status);
      if (text === this.written) return;
      await this.deps.writer.write(status);
      this.written = text;
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  override async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.pingers.values()) p.stop();
    this.pingers.clear();
    await this.writing;
  }

  override async uninstall(): Promise<void> {
    await this.stop();
    await this.deps.writer.remove();
  }
}
