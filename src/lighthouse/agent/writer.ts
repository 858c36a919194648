import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { registerApiSerializers, type ResourceDescriptor } from '../../api/index.js';
import { apiErrorMessage, apiStatus, describe } from '../../kube/apply.js';
import { keepAliveClient } from '../../kube/keep-alive.js';
import { resourceClient } from '../../kube/resource-client.js';
import type { SyncOperation } from './metrics.js';

/** The field manager of everything the Lighthouse agent writes. */
export const agentFieldManager = 'lighthouse-agent';

/** Writes to one cluster: server-side apply, delete, status merge patches. Errors name the object and keep the API's message. */
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

  async apply<T extends KubernetesObject>(obj: T): Promise<T> {
    try {
      const applied = await this.objects.patch(obj, undefined, undefined, agentFieldManager, true, PatchStrategy.ServerSideApply);
      this.observe?.(applied.metadata?.generation === 1 ? 'create' : 'update', obj);
      return applied;
    } catch (err) {
      throw this.failure('apply', obj, err);
    }
  }

  /** Deletes an object; one already gone counts as deleted. */
  async delete(obj: KubernetesObject): Promise<void> {
    const { apiVersion, kind } = obj;
    const { name, namespace } = obj.metadata ?? {};
    try {
      await this.objects.delete({ apiVersion, kind, metadata: { name, namespace } });
      this.observe?.('delete', obj);
    } catch (err) {
      if (apiStatus(err) !== 404) throw this.failure('delete', { apiVersion, kind, metadata: { name, namespace } }, err);
    }
  }

  /** Merge-patches the status of a custom object; an object already gone is left alone. */
  async patchStatus(resource: ResourceDescriptor, namespace: string, name: string, status: object): Promise<void> {
    try {
      await resourceClient(this.kc, resource).patchStatus(name, status, namespace);
    } catch (err) {
      if (apiStatus(err) === 404) return;
      throw this.failure('update the status of', { kind: resource.kind, metadata: { name, namespace } }, err);
    }
  }

  private failure(verb: string, obj: KubernetesObject, err: unknown): Error {
    return new Error(`cannot ${verb} ${describe(obj)} on ${this.where}: ${apiErrorMessage(err)}`, { cause: err });
  }
}
