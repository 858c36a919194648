import type { ClusterView, EndpointInfo } from '../model.js';
import type { RouteAgentEvent } from '../view.js';

/** Read access to the current view, shared by every handler. */
export interface StateReader {
  view(): ClusterView;
}

/** What a handler asks of the controller after handling a batch of events. */
export interface HandleResult {
  /** Run again after this long (e.g. the node is not ready yet); the shortest request wins. */
  retryAfterMs?: number | undefined;
}

/**
 * One concern of the route agent on this node. The registry calls `handle` with every batch of
 * events (possibly empty, on a periodic re-sync); HandlerBase dispatches each event to its callback.
 */
export interface Handler {
  name(): string;
  /** The network plugins this handler serves; empty for every plugin. */
  networkPlugins(): readonly string[];
  init(): Promise<void>;
  setState(state: StateReader): void;
  handle(events: readonly RouteAgentEvent[]): Promise<HandleResult | void>;
  transitionToGateway(): Promise<void>;
  transitionToNonGateway(): Promise<void>;
  localEndpointCreated(endpoint: EndpointInfo): Promise<void>;
  localEndpointUpdated(endpoint: EndpointInfo): Promise<void>;
  localEndpointRemoved(endpoint: EndpointInfo): Promise<void>;
  remoteEndpointCreated(endpoint: EndpointInfo): Promise<void>;
  remoteEndpointUpdated(endpoint: EndpointInfo): Promise<void>;
  remoteEndpointRemoved(endpoint: EndpointInfo): Promise<void>;
  nodesChanged(): Promise<void>;
  /** Stop background work; the node's state stays in place. */
  stop(): Promise<void>;
  /** Remove everything this handler put on the node. */
  uninstall(): Promise<void>;
}

/** No-op callbacks; `handle` dispatches events to them in order. */
export abstract class HandlerBase implements Handler {
  protected state: StateReader | undefined;

  abstract name(): string;

  networkPlugins(): readonly string[] {
    return [];
  }

  async init(): Promise<void> {}

  setState(state: StateReader): void {
    this.state = state;
  }

  /** The current view; only valid once the registry has set the state. */
  protected view(): ClusterView {
    if (!this.state) throw new Error(`handler ${this.name()} has no state: add it to a registry first`);
    return this.state.view();
  }

  async handle(events: readonly RouteAgentEvent[]): Promise<HandleResult | void> {
    for (const e of events) {
      switch (e.type) {
        case 'transitionToGateway': await this.transitionToGateway(); break;
        case 'transitionToNonGateway': await this.transitionToNonGateway(); break;
        case 'localEndpointCreated': await this.localEndpointCreated(e.endpoint); break;
        case 'localEndpointUpdated': await this.localEndpointUpdated(e.endpoint); break;
        case 'localEndpointRemoved': await this.localEndpointRemoved(e.endpoint); break;
        case 'remoteEndpointCreated': await this.remoteEndpointCreated(e.endpoint); break;
        case 'remoteEndpointUpdated': await this.remoteEndpointUpdated(e.endpoint); break;
        case 'remoteEndpointRemoved': await this.remoteEndpointRemoved(e.endpoint); break;
        case 'nodesChanged': await this.nodesChanged(); break;
      }
    }
  }

  async transitionToGateway(): Promise<void> {}
  async transitionToNonGateway(): Promise<void> {}
  async localEndpointCreated(_endpoint: EndpointInfo): Promise<void> {}
  async localEndpointUpdated(_endpoint: EndpointInfo): Promise<void> {}
  async localEndpointRemoved(_endpoint: EndpointInfo): Promise<void> {}
  async remoteEndpointCreated(_endpoint: EndpointInfo): Promise<void> {}
  async remoteEndpointUpdated(_endpoint: EndpointInfo): Promise<void> {}
  async remoteEndpointRemoved(_endpoint: EndpointInfo): Promise<void> {}
  async nodesChanged(): Promise<void> {}
  async stop(): Promise<void> {}
  async uninstall(): Promise<void> {}
}
