import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { registerApiSerializers, type ResourceDescriptor } from '../../api/index.js';
import { apiErrorMessage, apiStatus, describe } from '../../kube/apply.js';
import { keepAliveClient } from '../../kube/keep-alive.js';
import { resourceClient } from '../../kube/resource-client.js';
import type { SyncOperation } from './metrics.js';

/** The field manager of everything the Lighthouse agent writes. */
export const agentFieldManager = 'lighthouse-agent';

/** Writes to one cluster: create or replace, delete, status merge patches. Errors name the object and keep the API's message. */
export class KubeWriter {
  private readonly objects: KubernetesObjectApi;

  constructor(
    private readonly kc: KubeConfig,
    private readonly where: string,
    /** Told of every object written or deleted. */
    private readonly observe?: (operation: SyncOperation, obj: KubernetesObject) => void,
  ) {
    registerApiSerializers();
    this.objects = keepAliveClient(kc, KubernetesObjectApi);
  }

  /**
   * Writes `obj` as it should be: created when `base` (the latest version known here) is undefined, else put in
   * place of it. A plain create or update costs the API server about half the CPU of a server-side apply, and the
   * agent owns these objects whole. One that exists though unknown here, or changed since `base`, is read and
   * replaced once.
   */
  async write<T extends KubernetesObject>(obj: T, base: KubernetesObject | undefined): Promise<T> {
    try {
      let written: T;
      let operation: SyncOperation = 'update';
      try {
        if (base === undefined) {
          written = await this.objects.create(obj, undefined, undefined, agentFieldManager);
          operation = 'create';
        } else {
          written = await this.replace(obj, base);
        }
      } catch (err) {
        const status = apiStatus(err);
        if (status === 404 && base !== undefined) {
          // Gone since `base` (deleted, and the watch has not said so yet): make it anew.
          written = await this.objects.create(obj, undefined, undefined, agentFieldManager);
          operation = 'create';
        } else if (status === 409) {
          written = await this.replace(obj, await this.objects.read(identity(obj)));
        } else {
          throw err;
        }
      }
      this.observe?.(operation, obj);
      return written;
    } catch (err) {
      throw this.failure('write', obj, err);
    }
  }

  private replace<T extends KubernetesObject>(obj: T, base: KubernetesObject): Promise<T> {
    const body = { ...obj, metadata: { ...obj.metadata, resourceVersion: base.metadata?.resourceVersion } };
    return this.objects.replace(body, undefined, undefined, agentFieldManager);
  }

  /** Deletes an object; one already gone counts as deleted. */
  async delete(obj: KubernetesObject): Promise<void> {
    try {
      await this.objects.delete(identity(obj));
      this.observe?.('delete', obj);
    } catch (err) {
      if (apiStatus(err) !== 404) throw this.failure('delete', identity(obj), err);
    }
  }

  /** Merge-patches the status of a custom object and returns the object; one already gone is left alone. */
  async patchStatus<T extends KubernetesObject>(resource: ResourceDescriptor, namespace: string, name: string, status: object): Promise<T | undefined> {
    try {
      return await resourceClient<ResourceDescriptor, T>(this.kc, resource).patchStatus(name, status, namespace);
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw this.failure('update the status of', { kind: resource.kind, metadata: { name, namespace } }, err);
    }
  }

  private failure(verb: string, obj: KubernetesObject, err: unknown): Error {
    return new Error(`cannot ${verb} ${describe(obj)} on ${this.where}: ${apiErrorMessage(err)}`, { cause: err });
  }
}

/** What names an object to the API: its type, name and namespace. */
function identity(obj: KubernetesObject): KubernetesObject & { metadata: { name: string } } {
  const { apiVersion, kind } = obj;
  const { name = '', namespace } = obj.metadata ?? {};
  return { apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }) } };
}
