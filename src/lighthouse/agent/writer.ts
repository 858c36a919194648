import { PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { apiVersionOf, EndpointSliceResource, ServiceImportResource, type ResourceDescriptor } from '../../api/index.js';
import { apiErrorMessage, apiStatus, describe } from '../../kube/apply.js';
import { JsonClient } from '../../kube/json-client.js';
import { resourcePath } from '../../kube/resource-client.js';
import type { SyncOperation } from './metrics.js';

/** The field manager of everything the Lighthouse agent writes. */
export const agentFieldManager = 'lighthouse-agent';

/** The kinds the agent writes whole. */
const writtenKinds: readonly ResourceDescriptor[] = [EndpointSliceResource, ServiceImportResource];

/**
 * Writes to one cluster: create or replace, delete, status merge patches. Errors name the object and keep the API's
 * message. Objects go out and come back as plain JSON (no client-node models): the agent compares them by their
 * applied hash only.
 */
export class KubeWriter {
  private readonly api: JsonClient;

  constructor(
    kc: KubeConfig,
    private readonly where: string,
    /** Told of every object written or deleted. */
    private readonly observe?: (operation: SyncOperation, obj: KubernetesObject) => void,
  ) {
    this.api = new JsonClient(kc);
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
          written = await this.create(obj);
          operation = 'create';
        } else {
          written = await this.replace(obj, base);
        }
      } catch (err) {
        const status = apiStatus(err);
        if (status === 404 && base !== undefined) {
          // Gone since `base` (deleted, and the watch has not said so yet): make it anew.
          written = await this.create(obj);
          operation = 'create';
        } else if (status === 409) {
          written = await this.replace(obj, await this.api.send<KubernetesObject>('GET', pathOf(obj, true)));
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

  private create<T extends KubernetesObject>(obj: T): Promise<T> {
    return this.api.send<T>('POST', pathOf(obj, false), { body: obj, query: { fieldManager: agentFieldManager } });
  }

  private replace<T extends KubernetesObject>(obj: T, base: KubernetesObject): Promise<T> {
    const body = { ...obj, metadata: { ...obj.metadata, resourceVersion: base.metadata?.resourceVersion } };
    return this.api.send<T>('PUT', pathOf(obj, true), { body, query: { fieldManager: agentFieldManager } });
  }

  /** Deletes an object; one already gone counts as deleted. */
  async delete(obj: KubernetesObject): Promise<void> {
    try {
      await this.api.send('DELETE', pathOf(obj, true));
      this.observe?.('delete', obj);
    } catch (err) {
      if (apiStatus(err) !== 404) throw this.failure('delete', identity(obj), err);
    }
  }

  /** Merge-patches the status of a custom object and returns the object; one already gone is left alone. */
  async patchStatus<T extends KubernetesObject>(resource: ResourceDescriptor, namespace: string, name: string, status: object): Promise<T | undefined> {
    try {
      const path = `${resourcePath(resource, namespace, name)}/status`;
      return await this.api.send<T>('PATCH', path, { body: { status }, contentType: PatchStrategy.MergePatch });
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

/** The API path of an object's kind in its namespace, and of the object itself when `named`. */
function pathOf(obj: KubernetesObject, named: boolean): string {
  const resource = writtenKinds.find((r) => apiVersionOf(r) === obj.apiVersion && r.kind === obj.kind);
  if (resource === undefined) throw new Error(`the Lighthouse agent does not write ${obj.apiVersion ?? '?'} ${obj.kind ?? '?'} objects (${describe(obj)})`);
  const namespace = obj.metadata?.namespace;
  if (namespace === undefined || namespace === '') throw new Error(`${describe(obj)} has no namespace`);
  return resourcePath(resource, namespace, named ? (obj.metadata?.name ?? '') : undefined);
}
