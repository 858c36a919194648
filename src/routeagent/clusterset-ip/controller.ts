import type { KubeConfig, V1EndpointSlice } from '@kubernetes/client-node';
import { EndpointSliceResource, ServiceImportResource, type ServiceImport } from '../../api/index.js';
import { labels, lighthouseManagedBy } from '../../api/names.js';
import { errorText, type Logger } from '../../base/log.js';
import { WorkQueue } from '../../kube/work-queue.js';
import { watchResource, type ResourceWatch } from '../../kube/watch/index.js';
import type { PacketFilter } from '../../net/packetfilter/model.js';
import { resyncMs } from '../constants.js';
import { csipOwner, planClustersetIpRules } from './plan.js';
import { vipServices, type VipService } from './services.js';

/** What the controller reads: the local cluster's ServiceImports and Lighthouse EndpointSlices. */
export interface VipSource {
  imports(): readonly ServiceImport[];
  slices(): readonly V1EndpointSlice[];
  synced(): boolean;
}

export interface ClustersetIpControllerOptions {
  clusterId: string;
  source: VipSource;
  packetFilter: PacketFilter;
  log: Logger;
  /** How long a burst of changes is gathered before programming (default 100 ms). */
  settleMs?: number;
  resyncMs?: number;
}

const SYNC = 'sync';

/**
 * Programs the clusterset IP chains of this node from the imports: level-triggered, every change (after a short
 * settle, so a burst of slices is one batch) and every re-sync plans every clusterset IP and applies the plan in one
 * iptables-restore per table, which does nothing when the node already holds it.
 */
export class ClustersetIpController {
  private readonly queue: WorkQueue;
  private timer: NodeJS.Timeout | undefined;
  private resync: NodeJS.Timeout | undefined;
  private stopped = false;
  private last = '';

  constructor(private readonly o: ClustersetIpControllerOptions) {
    this.queue = new WorkQueue(() => this.sync(), { name: 'clusterset-ip', log: o.log, concurrency: 1 });
  }

  /** Call on every watch event. */
  changed(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.queue.add(SYNC);
    }, this.o.settleMs ?? 100);
    this.timer.unref();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.resync);
    this.queue.stop();
  }

  /** Removes every clusterset IP chain and the jumps into them (uninstall). */
  static async uninstall(packetFilter: PacketFilter): Promise<void> {
    await packetFilter.remove(csipOwner);
  }

  private async sync(): Promise<void> {
    if (this.stopped || !this.o.source.synced()) return;
    clearTimeout(this.resync);
    const services = vipServices(this.o.source.imports(), this.o.source.slices(), this.o.clusterId);
    try {
      const { changed } = await this.o.packetFilter.apply(planClustersetIpRules(services));
      this.report(services, changed);
    } catch (err) {
      throw new Error(`cannot program the clusterset IP chains: ${errorText(err)}`, { cause: err });
    } finally {
      if (!this.stopped) {
        this.resync = setTimeout(() => this.queue.add(SYNC), this.o.resyncMs ?? resyncMs);
        this.resync.unref();
      }
    }
  }

  private report(services: readonly VipService[], changed: boolean): void {
    const backends = services.reduce((n, s) => n + s.ports.reduce((m, p) => m + p.backends.length, 0), 0);
    const summary = `${services.length}/${backends}`;
    if (changed || summary !== this.last) this.o.log.info('clusterset IPs programmed', { services: services.length, backends, changed });
    this.last = summary;
  }
}

export interface VipWatches extends VipSource {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Watches of every ServiceImport and every Lighthouse EndpointSlice of the cluster. */
export function watchVipSources(kc: KubeConfig, onChange: () => void, log: Logger): VipWatches {
  const imports: ResourceWatch<ServiceImport> = watchResource(kc, ServiceImportResource, { log, name: 'serviceimports' });
  const slices: ResourceWatch<V1EndpointSlice> = watchResource(kc, EndpointSliceResource, { log, name: 'lighthouse-endpointslices', labelSelector: `${labels.managedBy}=${lighthouseManagedBy}` });
  for (const w of [imports, slices] as ResourceWatch<never>[]) {
    w.onChange(() => onChange());
    w.onSynced(onChange);
  }
  return {
    imports: () => imports.list(),
    slices: () => slices.list(),
    synced: () => imports.synced && slices.synced,
    start: async () => {
      await Promise.all([imports.start(), slices.start()]);
    },
    stop: async () => {
      await Promise.all([imports.stop(), slices.stop()]);
    },
  };
}
