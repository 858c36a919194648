import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ViewState } from '../../../../src/routeagent/controller.js';
import { HandlerBase } from '../../../../src/routeagent/event/handler.js';
import { Registry } from '../../../../src/routeagent/event/registry.js';
import { KubeProxyHandler } from '../../../../src/routeagent/handlers/kubeproxy/handler.js';
import { config, fakeNode, memoryLog } from '../fixtures.js';

class Probe extends HandlerBase {
  readonly seen: string[] = [];
  constructor(
    private readonly id: string,
    private readonly plugins: string[] = [],
    private readonly fail: Partial<Record<'handle' | 'stop' | 'uninstall', string>> = {},
  ) {
    super();
  }
  name() {
    return this.id;
  }
  override networkPlugins() {
    return this.plugins;
  }
  override async init() {
    this.seen.push('init');
  }
  override async transitionToGateway() {
    if (this.fail.handle) throw new Error(this.fail.handle);
    this.seen.push('transitionToGateway');
  }
  override async nodesChanged() {
    this.seen.push('nodesChanged');
  }
  override async stop() {
    if (this.fail.stop) throw new Error(this.fail.stop);
    this.seen.push('stop');
  }
  override async uninstall() {
    if (this.fail.uninstall) throw new Error(this.fail.uninstall);
    this.seen.push('uninstall');
  }
}

const registry = (plugin = 'generic') => new Registry(plugin, new ViewState(config), memoryLog());

void describe('route agent handler registry', () => {
  void it('adds only the handlers serving the network plugin, initialising each', async () => {
    const fake = await fakeNode('east-worker');
    const kubeproxy = () => new KubeProxyHandler({ ip: fake.ip, packetFilter: fake.iptables, clusterCidrs: [], localCidrs: [], log: memoryLog() });
    const any = new Probe('any');
    const calico = new Probe('calico-only', ['calico']);
    const r = registry('OVNKubernetes');
    assert.deepEqual(await r.add(kubeproxy(), any, calico), ['any']);
    assert.deepEqual(any.seen, ['init']);
    assert.deepEqual(calico.seen, []);
    assert.deepEqual(await registry('calico').add(kubeproxy(), new Probe('calico-only', ['calico'])), ['kubeproxy-iptables', 'calico-only']);
    await assert.rejects(registry().add(new Probe('a'), new Probe('a')), /a handler named a is already registered/);
  });

  void it('dispatches events to callbacks in order and runs every handler even when one fails', async () => {
    const r = registry();
    const bad = new Probe('bad', [], { handle: 'boom' });
    const good = new Probe('good');
    await r.add(bad, good);
    await assert.rejects(r.dispatch([{ type: 'transitionToGateway' }, { type: 'nodesChanged' }]), (err: unknown) => {
      assert.ok(err instanceof AggregateError);
      assert.match(err.message, /handling events failed: handler bad: boom/);
      return true;
    });
    assert.deepEqual(good.seen, ['init', 'transitionToGateway', 'nodesChanged']);
  });

  void it('gathers stop and uninstall failures into one AggregateError; uninstall runs in reverse order', async () => {
    const r = registry();
    const order: string[] = [];
    const a = new Probe('a', [], { stop: 'a will not stop' });
    const b = new Probe('b', [], { stop: 'b will not stop', uninstall: 'b left state' });
    const c = new Probe('c');
    await r.add(a, b, c);
    await assert.rejects(r.stop(), (err: unknown) => err instanceof AggregateError && err.errors.length === 2 && /a will not stop.*b will not stop/.test(err.message));
    assert.deepEqual(c.seen, ['init', 'stop']);
    for (const p of [a, b, c]) {
      const original = p.uninstall.bind(p);
      p.uninstall = async () => {
        order.push(p.name());
        await original();
      };
    }
    await assert.rejects(r.uninstall(), /handler b: b left state/);
    assert.deepEqual(order, ['c', 'b', 'a']);
  });
});
