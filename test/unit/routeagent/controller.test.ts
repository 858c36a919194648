import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import type { RouteAgentStatus } from '../../../src/api/generated.js';
import { RouteAgentController, ViewState, type ClusterSource } from '../../../src/routeagent/controller.js';
import { HandlerBase } from '../../../src/routeagent/event/handler.js';
import { Registry } from '../../../src/routeagent/event/registry.js';
import { HealthCheckerHandler, messages } from '../../../src/routeagent/handlers/healthchecker/handler.js';
import { KubeProxyHandler } from '../../../src/routeagent/handlers/kubeproxy/handler.js';
import type { RouteAgentEvent } from '../../../src/routeagent/view.js';
import { localCidrs } from '../../../src/routeagent/view.js';
import { allNodes, config, endpoint, fakeNode, localEndpoint, memoryLog, west, type NodeName } from './fixtures.js';

class Source implements ClusterSource {
  eps: unknown[] = [];
  nodeList: V1Node[] = allNodes();
  isSynced = true;
  endpoints = () => this.eps;
  nodes = () => this.nodeList;
  synced = () => this.isSynced;
}

class Recorder extends HandlerBase {
  readonly batches: string[][] = [];
  name() {
    return 'recorder';
  }
  override async handle(events: readonly RouteAgentEvent[]) {
    this.batches.push(events.map((e) => e.type));
  }
}

class StatusSink {
  readonly written: RouteAgentStatus[] = [];
  removed = false;
  async write(s: RouteAgentStatus) {
    this.written.push(structuredClone(s));
  }
  async remove() {
    this.removed = true;
  }
  get last() {
    return this.written.at(-1);
  }
}

/** Timers the test fires by hand. */
class Clock {
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  private id = 0;
  schedule = (fn: () => void, ms: number) => {
    const id = ++this.id;
    this.pending.set(id, { fn, ms });
    return () => void this.pending.delete(id);
  };
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    due.forEach((t) => t.fn());
  }
}

async function setup(self: NodeName, pings: (number | undefined)[] = []) {
  const fake = await fakeNode(self);
  const cfg = { ...config, nodeName: self };
  const log = memoryLog();
  const source = new Source();
  const state = new ViewState(cfg);
  const registry = new Registry(cfg.networkPlugin, state, log);
  const recorder = new Recorder();
  const sink = new StatusSink();
  const clock = new Clock();
  const pinged: string[] = [];
  const ping = async (ip: string): Promise<number | undefined> => {
    pinged.push(ip);
    return pings.shift();
  };
  await registry.add(
    new KubeProxyHandler({ ip: fake.ip, packetFilter: fake.iptables, clusterCidrs: cfg.clusterCidrs, localCidrs: localCidrs(cfg), log }),
    new HealthCheckerHandler({ enabled: true, intervalMs: 1000, maxPacketLossCount: 2, version: 'v1.2.3', ping, writer: sink, log, schedule: clock.schedule }),
    recorder,
  );
  const controller = new RouteAgentController({ config: cfg, source, state, registry, log, schedule: clock.schedule });
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await controller.idle();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { ...fake, log, source, registry, recorder, sink, clock, controller, pinged, settle };
}

void describe('route agent controller', () => {
  void it('waits for the caches, then hands each change to every handler once', async () => {
    const t = await setup('east-worker');
    t.source.isSynced = false;
    t.source.eps = [localEndpoint('east-gw'), west()];
    t.controller.changed();
    await t.settle();
    assert.deepEqual(t.recorder.batches, []);

    t.source.isSynced = true;
    t.controller.changed();
    await t.settle();
    assert.deepEqual(t.recorder.batches, [['localEndpointCreated', 'transitionToNonGateway', 'remoteEndpointCreated', 'nodesChanged']]);
    assert.equal(t.kernel.state().links.get('vx-submariner')?.vxlan?.remote, '10.250.1.10');

    const calls = t.runner.calls.length;
    t.controller.changed();
    await t.settle();
    assert.equal(t.recorder.batches.length, 1, 'a change that changes nothing is not handled');
    assert.equal(t.runner.calls.length, calls);

    const writes = t.sink.written.length;
    t.clock.fireAll();
    await t.settle();
    assert.deepEqual(t.recorder.batches.at(-1), [], 'the periodic re-sync runs the handlers with no events');
    assert.equal(t.sink.written.length, writes + 1, 'and writes the RouteAgent status again');
    t.controller.stop();
  });

  void it('follows a gateway failover within one reconcile', async () => {
    const t = await setup('east-worker');
    const w = west();
    t.source.eps = [localEndpoint('east-gw'), w];
    t.controller.changed();
    await t.settle();
    t.source.eps = [localEndpoint('east-gw2'), w];
    t.controller.changed();
    await t.settle();
    assert.deepEqual(t.recorder.batches.at(-1), ['localEndpointUpdated']);
    assert.equal(t.kernel.state().links.get('vx-submariner')?.vxlan?.remote, '10.250.1.12');
    assert.deepEqual(t.kernel.state().routes.filter((r) => r.dev === 'vx-submariner').map((r) => r.gateway), ['240.250.1.12', '240.250.1.12']);
    t.controller.stop();
  });

  void it('keeps going past a malformed Endpoint and warns about it once per version', async () => {
    const t = await setup('east-worker');
    const bad = endpoint('south', 'south-gw', ['10.99.0.0/33']);
    t.source.eps = [localEndpoint('east-gw'), bad, west()];
    t.controller.changed();
    await t.settle();
    t.clock.fireAll();
    await t.settle();
    const warnings = t.log.lines.filter((l) => l.level === 'warn' && l.message.includes(bad.metadata.name ?? '?'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /ignoring Endpoint .*"10\.99\.0\.0\/33", which is not an IPv4 CIDR/);
    assert.equal(t.kernel.state().routes.filter((r) => r.dev === 'vx-submariner').length, 2);
    t.controller.stop();
  });

  void it('writes the RouteAgent status: pings from a non-gateway node, connected → error after too many losses', async () => {
    const t = await setup('east-worker', [388_079, 1_500_000, undefined, undefined, undefined]);
    const w = west();
    t.source.eps = [localEndpoint('east-gw'), w];
    t.controller.changed();
    await t.settle();
    assert.deepEqual(t.pinged, ['10.245.0.1']);
    assert.equal(t.sink.last?.version, 'v1.2.3');
    assert.equal(t.sink.last?.remoteEndpoints[0]?.status, 'connected');
    assert.equal(t.sink.last?.remoteEndpoints[0]?.spec.cluster_id, 'west');
    assert.equal(t.sink.last?.remoteEndpoints[0]?.latencyRTT?.last, '388.079µs');

    const fire = async () => {
      for (const [id, timer] of t.clock.pending) {
        if (timer.ms !== 1000) continue;
        t.clock.pending.delete(id);
        timer.fn();
      }
      await t.settle();
    };
    await fire();
    await fire();
    await fire();
    assert.equal(t.sink.last?.remoteEndpoints[0]?.status, 'connected', 'two lost pings are within the allowed loss');
    await fire();
    assert.deepEqual(t.sink.last?.remoteEndpoints[0], {
      status: 'error',
      statusMessage: 'Failed to successfully ping the remote endpoint IP 10.245.0.1',
      spec: w.spec,
    });
    t.controller.stop();
    await t.registry.stop();
  });

  void it('reports "none" on the gateway node and stops pinging when the node becomes the gateway', async () => {
    const t = await setup('east-gw', [1_000_000]);
    const w = west();
    t.source.eps = [localEndpoint('east-gw2'), w];
    t.controller.changed();
    await t.settle();
    assert.deepEqual(t.pinged, ['10.245.0.1']);
    assert.equal(t.sink.last?.remoteEndpoints[0]?.status, 'connected');

    t.source.eps = [localEndpoint('east-gw'), w];
    t.controller.changed();
    await t.settle();
    assert.deepEqual(t.sink.last?.remoteEndpoints.map((e) => [e.status, e.statusMessage]), [['none', messages.gateway]]);
    assert.deepEqual([...t.clock.pending.values()].filter((x) => x.ms === 1000), [], 'no ping is scheduled any more');
    t.controller.stop();
  });

  void it('uninstall removes the data plane and the RouteAgent object', async () => {
    const t = await setup('east-worker');
    t.source.eps = [localEndpoint('east-gw'), west()];
    t.controller.changed();
    await t.settle();
    t.controller.stop();
    await t.registry.uninstall();
    assert.equal(t.kernel.state().links.has('vx-submariner'), false);
    assert.doesNotMatch(t.ipt.saveText(), /SUBMARINER/);
    assert.equal(t.sink.removed, true);
  });
});
