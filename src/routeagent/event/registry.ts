import { errorText, type Logger } from '../../base/log.js';
import type { RouteAgentEvent } from '../view.js';
import type { HandleResult, Handler, StateReader } from './handler.js';

/**
 * The handlers serving this node's network plugin, in order: each is initialised when added, hears
 * every batch of events, and stop / uninstall failures are gathered into one AggregateError.
 */
export class Registry {
  private readonly handlers: Handler[] = [];

  constructor(
    private readonly networkPlugin: string,
    private readonly state: StateReader,
    private readonly log: Logger,
  ) {}

  /** Adds the handlers that serve the network plugin (initialising each); returns the names added. */
  async add(...handlers: Handler[]): Promise<string[]> {
    const added: string[] = [];
    for (const h of handlers) {
      const plugins = h.networkPlugins();
      if (plugins.length > 0 && !plugins.includes(this.networkPlugin)) {
        this.log.info('handler does not serve this network plugin', { handler: h.name(), networkPlugin: this.networkPlugin });
        continue;
      }
      if (this.handlers.some((x) => x.name() === h.name())) throw new Error(`a handler named ${h.name()} is already registered`);
      h.setState(this.state);
      await h.init();
      this.handlers.push(h);
      added.push(h.name());
    }
    return added;
  }

  names(): string[] {
    return this.handlers.map((h) => h.name());
  }

  /** Runs every handler on the batch, even after one fails; failures are thrown together at the end. */
  async dispatch(events: readonly RouteAgentEvent[]): Promise<HandleResult> {
    let retryAfterMs: number | undefined;
    const failures: Error[] = [];
    for (const h of this.handlers) {
      try {
        const r = await h.handle(events);
        if (r?.retryAfterMs !== undefined) retryAfterMs = Math.min(retryAfterMs ?? Infinity, r.retryAfterMs);
      } catch (err) {
        failures.push(new Error(`handler ${h.name()}: ${errorText(err)}`, { cause: err }));
      }
    }
    throwAll(failures, 'handling events');
    return { retryAfterMs };
  }

  async stop(): Promise<void> {
    await this.each('stop', (h) => h.stop());
  }

  /** Uninstalls in reverse order, like tearing down a stack. */
  async uninstall(): Promise<void> {
    await this.each('uninstall', (h) => h.uninstall(), true);
  }

  private async each(what: string, fn: (h: Handler) => Promise<void>, reverse = false): Promise<void> {
    const failures: Error[] = [];
    for (const h of reverse ? [...this.handlers].reverse() : this.handlers) {
      try {
        await fn(h);
      } catch (err) {
        failures.push(new Error(`handler ${h.name()}: ${errorText(err)}`, { cause: err }));
      }
    }
    throwAll(failures, what);
  }
}

function throwAll(failures: Error[], what: string): void {
  if (failures.length === 0) return;
  throw new AggregateError(failures, `${what} failed: ${failures.map((f) => f.message).join('; ')}`);
}
