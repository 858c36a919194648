import { KubernetesObjectApi, PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

import { fieldManager } from '../api/names.js';
import { registerApiSerializers } from '../api/serializers.js';
import { keepAliveClient } from './keep-alive.js';

/** Request option that sends a patch as a JSON merge patch. */
export const mergePatch = setHeaderOptions('Content-Type', 'application/merge-patch+json');

const objectClients = new WeakMap<KubeConfig, { context: string; client: KubernetesObjectApi }>();

/**
 * A kubeconfig's generic client, kept while its current context and server stay: it looks each apiVersion's resources up once
 * (a kind it does not know yet makes it look again), where a new client sends a discovery request before every write.
 */
function objectClient(kc: KubeConfig): KubernetesObjectApi {
  const context = `${kc.currentContext}|${kc.getCurrentCluster()?.server ?? ''}`;
  const kept = objectClients.get(kc);
  if (kept?.context === context) return kept.client;
  const client = keepAliveClient(kc, KubernetesObjectApi);
  objectClients.set(kc, { context, client });
  return client;
}

/** Server-side applies objects in order, as `kubectl apply --server-side --force-conflicts` does. */
export async function applyObjects<T extends KubernetesObject>(kc: KubeConfig, objects: readonly T[], manager = fieldManager): Promise<T[]> {
  registerApiSerializers();
  const client = objectClient(kc);
  const applied: T[] = [];
  for (const obj of objects) {
    try {
      applied.push(await retryBusy(() => client.patch(obj, undefined, undefined, manager, true, PatchStrategy.ServerSideApply)));
    } catch (err) {
      throw new Error(`cannot apply ${describe(obj)}: ${apiErrorMessage(err)}`, { cause: err });
    }
  }
  return applied;
}

/**
 * Creates objects that are most likely new, in order, and server-side applies those that exist already; the objects
 * end as applyObjects leaves them. A create costs the API server a fraction of an apply (no field ownership to
 * merge), which counts for a controller that writes the same few objects for a thousand clusters.
 */
export async function createOrApplyObjects<T extends KubernetesObject>(kc: KubeConfig, objects: readonly T[], manager = fieldManager): Promise<T[]> {
  registerApiSerializers();
  const client = objectClient(kc);
  const written: T[] = [];
  for (const obj of objects) {
    try {
      written.push(await retryBusy(() => client.create(obj, undefined, undefined, manager)));
    } catch (err) {
      if (apiStatus(err) !== 409) throw new Error(`cannot create ${describe(obj)}: ${apiErrorMessage(err)}`, { cause: err });
      written.push(...(await applyObjects(kc, [obj], manager)));
    }
  }
  return written;
}

export function describe(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind ?? 'object'} ${ns}${obj.metadata?.name ?? '?'}`;
}

/** The apiserver's own message from a client-node ApiException, else the error's message. */
export function apiErrorMessage(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  if (typeof e.body === 'string') {
    try {
      const status = JSON.parse(e.body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      return e.body;
    }
  }
  if (e.body && typeof e.body === 'object' && 'message' in e.body) return String(e.body.message);
  return e.message ?? String(err);
}

/** For `.catch`: a 404 (the object is not there) reads as undefined; any other failure is thrown again. */
export function undefinedIfNotFound(err: unknown): undefined {
  if (apiStatus(err) === 404) return undefined;
  throw err;
}

/** The HTTP status of a client-node ApiException, if it is one. */
export function apiStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Retries a request the apiserver answered with 429 (e.g. "storage is (re)initializing" right after a CRD
 * is created) or 503, after its Retry-After, as client-go does; other errors pass through.
 */
export async function retryBusy<T>(fn: () => Promise<T>, tries = 15): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const status = apiStatus(err);
      if ((status !== 429 && status !== 503) || attempt >= tries) throw err;
      const after = Number((err as { headers?: Record<string, string> }).headers?.['retry-after'] ?? '1');
      await new Promise((r) => setTimeout(r, Math.min(Math.max(after, 0.2), 5) * 1000));
    }
  }
}
