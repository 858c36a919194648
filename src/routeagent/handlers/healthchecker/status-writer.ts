import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { RouteAgentResource, type RouteAgentStatus } from '../../../api/generated.js';
import { apiErrorMessage, apiStatus, mergePatch } from '../../../kube/apply.js';

/** Where this node's RouteAgent status goes. */
export interface RouteAgentStatusWriter {
  write(status: RouteAgentStatus): Promise<void>;
  /** Deletes the RouteAgent object; absent is fine. */
  remove(): Promise<void>;
}

/** Writes the RouteAgent object named after the node, creating it on first use. */
export class KubeRouteAgentStatusWriter implements RouteAgentStatusWriter {
  private readonly api: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  private get ref() {
    const { group, version, plural } = RouteAgentResource;
    return { group, version, plural, namespace: this.namespace, name: this.name };
  }

  async write(status: RouteAgentStatus): Promise<void> {
    try {
      await this.patchStatus(status);
    } catch (err) {
      if (apiStatus(err) !== 404) throw this.wrap('update the status of', err);
      await this.create();
      await this.patchStatus(status).catch((e: unknown) => {
        throw this.wrap('update the status of', e);
      });
    }
  }

  private async patchStatus(status: RouteAgentStatus): Promise<void> {
    await this.api.patchNamespacedCustomObjectStatus({ ...this.ref, body: { status } }, mergePatch);
  }

  private async create(): Promise<void> {
    const { group, version, plural, kind } = RouteAgentResource;
    const body = { apiVersion: `${group}/${version}`, kind, metadata: { name: this.name, namespace: this.namespace } };
    try {
      await this.api.createNamespacedCustomObject({ group, version, plural, namespace: this.namespace, body });
    } catch (err) {
      if (apiStatus(err) !== 409) throw this.wrap('create', err);
    }
  }

  async remove(): Promise<void> {
    try {
      await this.api.deleteNamespacedCustomObject(this.ref);
    } catch (err) {
      if (apiStatus(err) !== 404) throw this.wrap('delete', err);
    }
  }

  private wrap(what: string, err: unknown): Error {
    return new Error(`cannot ${what} RouteAgent ${this.namespace}/${this.name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}
