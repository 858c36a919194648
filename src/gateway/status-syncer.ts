import type { Gateway, GatewayStatus } from '../api/generated.js';
import { GatewayResource, apiVersionOf } from '../api/index.js';
import { annotations } from '../api/names.js';
import { apiStatus } from '../kube/apply.js';
import { errorText, type Logger } from '../base/log.js';
import type { ObjectClient } from './custom-objects.js';

export interface StatusSyncerOptions {
  gateways: ObjectClient<Gateway>;
  /** The Gateway object's name: the node name. */
  name: string;
  status: () => Promise<GatewayStatus>;
  isActive: () => boolean;
  log: Logger;
  intervalMs?: number;
  /** The active gateway deletes other Gateways not updated for this long. */
  staleAfterMs?: number;
  now?: () => number;
  /** Shown the Gateway object as read before each write (GlobalNet annotates it with the gateway's global IP). */
  observe?: (gateway: Gateway) => void;
  /** Told how many Gateways the cluster has each time the active gateway lists them. */
  countGateways?: (count: number) => void;
}

export const STATUS_INTERVAL_MS = 5000;
export const STALE_GATEWAY_MS = 15_000;

/** When the Gateway's node last wrote it (its update-timestamp annotation), in ms since the epoch; 0 when never. */
export const gatewayUpdatedAt = (gw: Gateway): number => Number(gw.metadata?.annotations?.[annotations.updateTimestamp] ?? 0) * 1000;

/**
 * Writes this node's Gateway object every few seconds (HA status, local Endpoint, connections with
 * latency, the update-timestamp annotation); status goes through the status subresource. The active
 * gateway also deletes Gateways whose node stopped updating them.
 */
export class GatewayStatusSyncer {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private pending = false;

  constructor(private readonly o: StatusSyncerOptions) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Writes the Gateway once; a write that lost a race with another writer is retried on the fresh object. */
  async sync(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.write();
        break;
      } catch (err) {
        if (apiStatus(err) !== 409 || attempt >= 3) throw err;
      }
    }
    if (this.o.isActive()) await this.deleteStale();
  }

  private async write(): Promise<void> {
    const { gateways, name } = this.o;
    const status = await this.o.status();
    const stamp = String(Math.floor(this.now() / 1000));
    let obj = await gateways.get(name);
    if (!obj) {
      obj = await gateways.create({
        apiVersion: apiVersionOf(GatewayResource),
        kind: GatewayResource.kind,
        metadata: { name, annotations: { [annotations.updateTimestamp]: stamp } },
      });
    } else {
      this.o.observe?.(obj);
      obj = await gateways.replace({ ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [annotations.updateTimestamp]: stamp } } });
    }
    await gateways.replaceStatus({ ...obj, status });
  }

  private async deleteStale(): Promise<void> {
    const limit = this.now() - (this.o.staleAfterMs ?? STALE_GATEWAY_MS);
    const all = await this.o.gateways.list();
    let count = all.length;
    for (const gw of all) {
      const gwName = gw.metadata?.name ?? '';
      if (gwName === this.o.name) continue;
      if (gatewayUpdatedAt(gw) < limit) {
        this.o.log.info('deleting the Gateway of a node that stopped updating it', { gateway: gwName });
        await this.o.gateways.delete(gwName);
        count--;
      }
    }
    this.o.countGateways?.(count);
  }

  /** One sync after those already queued (never two at once); logs instead of throwing. */
  syncSafely(): Promise<void> {
    this.chain = this.chain.then(async () => {
      try {
        await this.sync();
      } catch (err) {
        this.o.log.warn('cannot write the Gateway status', { gateway: this.o.name, error: errorText(err) });
      }
    });
    return this.chain;
  }

  start(): void {
    if (this.timer) return;
    void this.syncSafely();
    this.timer = setInterval(() => {
      if (!this.pending) {
        this.pending = true;
        void this.syncSafely().finally(() => (this.pending = false));
      }
    }, this.o.intervalMs ?? STATUS_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.chain;
  }
}
