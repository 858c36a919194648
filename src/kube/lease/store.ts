import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { LeaseResource } from '../../api/core-resources.js';
import type { Logger } from '../../base/log.js';
import { apiStatus, undefinedIfNotFound } from '../apply.js';
import { keepAliveClient, type KeepAliveOptions } from '../keep-alive.js';
import { watchResource } from '../watch/index.js';
import { groups } from '../../api/names.js';

/** The leader-election fields of a coordination.k8s.io Lease. */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: Date | undefined;
  renewTime: Date | undefined;
  leaseTransitions: number;
}

export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
}

/** Someone else wrote the lease first (HTTP 409). */
export class LeaseConflictError extends Error {
  constructor(message = 'the lease changed concurrently') {
    super(message);
    this.name = 'LeaseConflictError';
  }
}

/** Where one lease is kept; writes are compare-and-swap on the resource version. */
export interface LeaseStore {
  get(): Promise<StoredLease | undefined>;
  create(record: LeaseRecord): Promise<StoredLease>;
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
  /** Calls `onChange` whenever the lease is written, until stopped: candidates need not wait a retry period to see it released. */
  watch?(onChange: () => void, log: Logger): LeaseWatch;
}

export interface LeaseWatch {
  stop(): Promise<void>;
}

/**
 * The time limit of one lease request: the lease's duration. A request that hangs (an API server that stopped
 * answering) then fails once the lease it renews has expired for the other candidates, and the elector retries or
 * steps down instead of waiting for the connection to break. A slow renewal that can still keep the lease is not cut
 * short; past its renew deadline, the elector's fence keeps the leader from acting meanwhile.
 */
export function leaseRequestTimeoutMs(t: { leaseDurationMs: number }): number {
  return t.leaseDurationMs;
}

/** A Lease object in a namespace of a cluster. */
export class KubeLeaseStore implements LeaseStore {
  private readonly api: CoordinationV1Api;

  /** `requestTimeoutMs` bounds each request (`leaseRequestTimeoutMs`). */
  constructor(private readonly kc: KubeConfig, private readonly namespace: string, private readonly name: string, o: KeepAliveOptions = {}) {
    this.api = keepAliveClient(kc, CoordinationV1Api, o);
  }

  watch(onChange: () => void, log: Logger): LeaseWatch {
    const w = watchResource(this.kc, LeaseResource, { log, namespace: this.namespace, fieldSelector: `metadata.name=${this.name}` });
    w.onChange(() => onChange());
    void w.start().catch(() => undefined);
    return { stop: () => w.stop() };
  }

  private static toStored(lease: V1Lease): StoredLease {
    const s = lease.spec ?? {};
    return {
      record: {
        holderIdentity: s.holderIdentity ?? '',
        leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
        acquireTime: s.acquireTime ? new Date(s.acquireTime) : undefined,
        renewTime: s.renewTime ? new Date(s.renewTime) : undefined,
        leaseTransitions: s.leaseTransitions ?? 0,
      },
      resourceVersion: lease.metadata?.resourceVersion ?? '',
    };
  }

  private body(record: LeaseRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: `${groups.coordination}/v1`,
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        // MicroTime: the API server wants six fractional digits, which V1MicroTime prints.
        ...(record.acquireTime ? { acquireTime: new V1MicroTime(record.acquireTime.getTime()) } : {}),
        ...(record.renewTime ? { renewTime: new V1MicroTime(record.renewTime.getTime()) } : {}),
        leaseTransitions: record.leaseTransitions,
      },
    };
  }

  async get(): Promise<StoredLease | undefined> {
    const lease = await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }).catch(undefinedIfNotFound);
    return lease && KubeLeaseStore.toStored(lease);
  }

  async create(record: LeaseRecord): Promise<StoredLease> {
    try {
      return KubeLeaseStore.toStored(await this.api.createNamespacedLease({ namespace: this.namespace, body: this.body(record) }));
    } catch (err) {
      if (apiStatus(err) === 409) throw new LeaseConflictError();
      throw err;
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    try {
      const body = this.body(record, resourceVersion);
      return KubeLeaseStore.toStored(await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body }));
    } catch (err) {
      if (apiStatus(err) === 409) throw new LeaseConflictError();
      throw err;
    }
  }
}
