import type { KubeConfig } from '@kubernetes/client-node';
import { RouteAgentResource, type RouteAgent, type RouteAgentStatus } from '../../../api/index.js';
import { apiErrorMessage, apiStatus } from '../../../kube/apply.js';
import { resourceClient, type ResourceClient } from '../../../kube/resource-client.js';

/** Where this node's RouteAgent status goes. */
export interface RouteAgentStatusWriter {
  write(status: RouteAgentStatus): Promise<void>;
  /** Deletes the RouteAgent object; absent is fine. */
  remove(): Promise<void>;
}

/** Writes the RouteAgent object named after the node, creating it on first use. */
export class KubeRouteAgentStatusWriter implements RouteAgentStatusWriter {
  private readonly client: ResourceClient<RouteAgent>;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.client = resourceClient(kc, RouteAgentResource, { namespace });
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
    await this.client.patchStatus(this.name, status);
  }

  private async create(): Promise<void> {
    const { kind } = RouteAgentResource;
    try {
      await this.client.create({ apiVersion: 'submariner.io/v1', kind, metadata: { name: this.name, namespace: this.namespace } });
    } catch (err) {
      if (apiStatus(err) !== 409) throw this.wrap('create', err);
    }
  }

  async remove(): Promise<void> {
    try {
      await this.client.delete(this.name);
    } catch (err) {
      throw this.wrap('delete', err);
    }
  }

  private wrap(what: string, err: unknown): Error {
    return new Error(`cannot ${what} RouteAgent ${this.namespace}/${this.name}: ${apiErrorMessage(err)}`, { cause: err });
  }
}
