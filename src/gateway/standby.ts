import type { Endpoint, EndpointSpec } from '../api/generated.js';
import type { ObjectCache } from './custom-objects.js';
import { validateRemoteEndpoint } from './endpoint-validation.js';

/** The part of NAT discovery a standby gateway drives. */
export interface StandbyNat {
  addEndpoint(name: string, spec: EndpointSpec): void;
  removeEndpoint(name: string): void;
  refresh(name: string): void;
}

export interface StandbyProbeOptions {
  /** The Endpoints in the Submariner namespace (ours and the copies of other clusters'). */
  endpoints: ObjectCache<Endpoint>;
  nat: StandbyNat;
  localClusterId: string;
  localDriver: string;
  knownDrivers: readonly string[];
  /** How often the remote gateways are asked again, so that what they learned of this one stays fresh. */
  refreshMs?: number;
}

/** Well inside the time a remote gateway keeps what it learned from our requests (LEARNED_TTL_MS). */
export const STANDBY_REFRESH_MS = 2 * 60_000;

/**
 * Keeps a passive gateway ready to take over: it runs NAT discovery against every remote cluster's
 * Endpoint, so that on taking over its cables need no discovery, and its requests let the remote
 * gateways discover it back, so that they connect to its Endpoint as soon as it is published. Stopping
 * keeps the results for the cable engine; they are dropped with their Endpoints.
 */
export class StandbyProbe {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly probed = new Set<string>();

  constructor(private readonly o: StandbyProbeOptions) {
    o.endpoints.onChange((ep) => {
      if (this.running) this.look(ep.metadata?.name ?? '');
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const ep of this.o.endpoints.list()) this.look(ep.metadata?.name ?? '');
    this.timer = setInterval(() => this.probed.forEach((name) => this.o.nat.refresh(name)), this.o.refreshMs ?? STANDBY_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    this.running = false;
    clearInterval(this.timer);
    this.probed.clear();
  }

  private look(name: string): void {
    const ep = this.o.endpoints.get(name);
    const usable = ep?.spec && ep.spec.cluster_id !== this.o.localClusterId && validateRemoteEndpoint(ep.spec, this.o.localDriver, this.o.knownDrivers) === undefined;
    if (ep && usable) {
      this.probed.add(name);
      this.o.nat.addEndpoint(name, ep.spec);
    } else if (this.probed.delete(name)) {
      this.o.nat.removeEndpoint(name);
    }
  }
}
