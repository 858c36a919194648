import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Cluster, Endpoint, EndpointSpec, Gateway } from '../../../src/api/generated.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { FakeObjects } from '../../../src/gateway/fake/custom-objects.js';
import { GatewayAgent } from '../../../src/gateway/gateway.js';
import { buildLocalEndpoint } from '../../../src/gateway/local-endpoint.js';
import { NatDiscovery } from '../../../src/gateway/natdiscovery/nat-discovery.js';
import { uninstallGateway } from '../../../src/gateway/uninstall.js';
import { poll } from '../../../src/net/fake/await.js';
import { DriverRegistry } from '../../../plugins/index.js';
import { FakeCableDriver } from '../../../plugins/fake/driver.js';
import { captureLogger, remoteEndpoint } from '../plugins/support.js';

const config = {
  ...parseGatewayConfig({
    SUBMARINER_NAMESPACE: 'submariner-operator',
    SUBMARINER_CLUSTERID: 'east',
    SUBMARINER_CLUSTERCIDR: '10.1.0.0/16',
    SUBMARINER_SERVICECIDR: '100.1.0.0/16',
    SUBMARINER_CABLEDRIVER: 'vxlan',
    NODE_NAME: 'east-gw',
    POD_NAME: 'submariner-gateway-x',
  }),
};
config.healthCheck = { enabled: true, intervalMs: 20, maxPacketLoss: 5 };
// No NAT discovery: remote gateways are reached on their private IPs at once.
config.nattDiscoveryPort = 0;
const local = buildLocalEndpoint({ config, node: { name: 'east-gw', labels: {}, annotations: {} }, privateIp: '10.250.1.2', cniIp: '10.1.0.1', publicIp: '192.168.241.2' });
const OWN = 'east-submariner-cable-east-10-250-1-2';

const endpoint = (name: string, spec: EndpointSpec): Endpoint => ({ apiVersion: 'submariner.io/v1', kind: 'Endpoint', metadata: { name }, spec });
const cluster = (id: string): Cluster => ({ apiVersion: 'submariner.io/v1', kind: 'Cluster', metadata: { name: id }, spec: { cluster_id: id, cluster_cidr: ['10.2.0.0/16'] } });
const eventually = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined) =>
  poll(what, async () => {
    const value = await probe();
    return { value, seen: value };
  }, { timeoutMs: 3000 });

function setup(opts: { config?: typeof config; local?: EndpointSpec; cniIp?: string } = {}) {
  const pings: { dst: string; source: string | undefined }[] = [];
  const broker = { endpoints: new FakeObjects<Endpoint>('broker'), clusters: new FakeObjects<Cluster>('broker') };
  const ns = { endpoints: new FakeObjects<Endpoint>(), clusters: new FakeObjects<Cluster>(), gateways: new FakeObjects<Gateway>() };
  const driver = new FakeCableDriver('vxlan', { 'driver-key': 'x' });
  const drivers = new DriverRegistry().add('vxlan', () => driver).add('wireguard', () => new FakeCableDriver('wireguard')).add('libreswan', () => new FakeCableDriver('libreswan'));
  const podLabels: Record<string, string>[] = [];
  /** A fake election: `holds` is the lease as the elector's clock sees it, which a paused leader loses before it steps down. */
  const election = { holds: false, lead: async () => {}, unlead: async () => {} };
  const log = captureLogger();
  const agent = new GatewayAgent({
    config: opts.config ?? config,
    log,
    version: 'v0.1.0',
    localEndpoint: opts.local ?? local,
    ...(opts.cniIp ? { cniIp: opts.cniIp } : {}),
    drivers,
    driverContext: () => ({}) as never,
    endpoints: { broker: broker.endpoints, brokerCache: broker.endpoints.cache, local: ns.endpoints, localCache: ns.endpoints.cache },
    clusters: { broker: broker.clusters, brokerCache: broker.clusters.cache, local: ns.clusters, localCache: ns.clusters.cache },
    gateways: ns.gateways,
    setPodLabels: async (l) => void podLabels.push(l),
    newElection: (cb) => {
      election.lead = async () => {
        election.holds = true;
        await cb.onStartedLeading();
      };
      election.unlead = async () => {
        election.holds = false;
        await cb.onStoppedLeading();
      };
      return {
        start: async () => {},
        stop: async () => {
          if (election.holds) await election.unlead();
        },
        get holdsLease() {
          return election.holds;
        },
      };
    },
    startNatDiscovery: async (deps) => ({ discovery: new NatDiscovery({ ...deps, send: () => {} }), stop: async () => {} }),
    ping: async (dst, source) => {
      pings.push({ dst, source });
      return 1_500_000;
    },
    onFatal: (err) => assert.fail(`unexpected fatal error: ${String(err)}`),
    statusIntervalMs: 20,
  });
  return { agent, broker, ns, driver, podLabels, election, log, pings };
}

void describe('gateway agent over fake clients and a fake driver', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(async () => {
    t = setup();
    await t.agent.start();
  });
  afterEach(async () => {
    await t.agent.stop({ handOver: false });
  });

  void it('starts passive: labels its pod and writes a passive Gateway, without touching the driver or the broker', async () => {
    assert.deepEqual(t.podLabels[0], { 'gateway.submariner.io/status': 'passive', 'gateway.submariner.io/node': 'east-gw' });
    const gw = await eventually('the Gateway object', () => t.ns.gateways.cache.get('east-gw')?.status && t.ns.gateways.cache.get('east-gw'));
    assert.equal(gw.status?.haStatus, 'passive');
    assert.equal(gw.status?.localEndpoint.cable_name, local.cable_name);
    assert.match(gw.metadata.annotations?.['update-timestamp'] ?? '', /^\d+$/);
    assert.equal(t.driver.initialized, false);
    assert.deepEqual(t.broker.endpoints.names(), []);
  });

  void it('when leading: starts the driver, publishes its Endpoint (with the driver settings) and Cluster to the broker and locally, and labels itself active', async () => {
    await t.election.lead();
    assert.equal(t.driver.initialized, true);
    await eventually('the Endpoint on the broker', () => t.broker.endpoints.cache.get(OWN));
    const published = t.broker.endpoints.cache.get(OWN);
    assert.deepEqual(published?.spec.backend_config, { 'udp-port': '4500', 'natt-discovery-port': '0', 'driver-key': 'x' });
    await eventually('the local Endpoint and both Clusters', () => t.ns.endpoints.cache.get(OWN) && t.broker.clusters.cache.get('east') && t.ns.clusters.cache.get('east'));
    assert.deepEqual(t.broker.clusters.cache.get('east')?.spec, { cluster_id: 'east', color_codes: ['blue'], service_cidr: ['100.1.0.0/16'], cluster_cidr: ['10.1.0.0/16'], global_cidr: [] });
    assert.deepEqual(t.podLabels.at(-1), { 'gateway.submariner.io/status': 'active', 'gateway.submariner.io/node': 'east-gw' });
    await eventually('an active Gateway', () => t.ns.gateways.cache.get('east-gw')?.status?.haStatus === 'active' || undefined);
  });

  void it('when leading: installs its cables to the gateways it already knows before it publishes its Endpoint', async () => {
    const west = remoteEndpoint();
    t.broker.endpoints.put(endpoint('west-ep', west));
    t.ns.endpoints.put(endpoint('west-ep', west));
    t.driver.connectDelayMs = 200;
    const cableWhenPublished: boolean[] = [];
    t.broker.endpoints.cache.onChange((ep) => {
      if (ep.metadata?.name === OWN) cableWhenPublished.push(t.driver.connections.has(west.cable_name));
    });
    await t.election.lead();
    await eventually('the Endpoint on the broker', () => t.broker.endpoints.cache.get(OWN));
    assert.equal(cableWhenPublished[0], true, 'the Endpoint went out before the cable to the known gateway was in');
  });

  void it('syncs remote Endpoints and Clusters down, connects, and reports the connection with its latency', async () => {
    await t.election.lead();
    t.broker.endpoints.put(endpoint('west-ep', remoteEndpoint()));
    t.broker.clusters.put(cluster('west'));
    await eventually('the local copies', () => t.ns.endpoints.cache.get('west-ep') && t.ns.clusters.cache.get('west'));
    assert.equal(t.ns.endpoints.cache.get('west-ep')?.metadata.labels?.['submariner-io/clusterID'], 'west');
    await eventually('the cable', () => t.driver.connections.get(remoteEndpoint().cable_name));
    const conn = await eventually('a connection with latency', () => {
      const c = t.ns.gateways.cache.get('east-gw')?.status?.connections?.[0];
      return c?.latencyRTT ? c : undefined;
    });
    assert.deepEqual([conn.status, conn.endpoint.cluster_id, conn.usingIP, conn.latencyRTT?.average], ['connected', 'west', '10.250.2.2', '1.5ms']);
  });

  void it('drops remote Endpoints whose subnets overlap ours', async () => {
    await t.election.lead();
    t.broker.endpoints.put(endpoint('north-ep', remoteEndpoint({ cluster_id: 'north', cable_name: 'north-cable', subnets: ['10.1.128.0/17'] })));
    t.broker.endpoints.put(endpoint('west-ep', remoteEndpoint()));
    await eventually('the west copy', () => t.ns.endpoints.cache.get('west-ep'));
    assert.equal(t.ns.endpoints.cache.get('north-ep'), undefined);
    assert.ok(t.log.lines.some((l) => l.includes('overlap') && l.includes('north-ep')));
  });

  void it('reports a malformed remote Endpoint as an error and keeps the other connection up', async () => {
    await t.election.lead();
    t.broker.endpoints.put(endpoint('west-ep', remoteEndpoint()));
    t.ns.endpoints.put(endpoint('bad-ep', remoteEndpoint({ cluster_id: 'cluster9', cable_name: 'bad-cable', subnets: ['10.249.0.0/99'] })));
    const conns = await eventually('both entries in the Gateway status', () => {
      const c = t.ns.gateways.cache.get('east-gw')?.status?.connections ?? [];
      return c.length === 2 ? c : undefined;
    });
    assert.deepEqual(
      conns.map((c) => [c.endpoint.cluster_id, c.status, c.statusMessage]).sort(),
      [['cluster9', 'error', 'subnet "10.249.0.0/99" is not a valid IPv4 CIDR'], ['west', 'connected', '']],
    );
    assert.ok(t.ns.endpoints.cache.get('bad-ep'), 'an Endpoint created locally (not a broker copy) is left alone');
  });

  void it('removes the copy and the cable when a remote Endpoint leaves the broker', async () => {
    await t.election.lead();
    t.broker.endpoints.put(endpoint('west-ep', remoteEndpoint()));
    await eventually('the cable', () => t.driver.connections.get(remoteEndpoint().cable_name));
    t.broker.endpoints.remove('west-ep');
    await eventually('no copy and no cable', () => (!t.ns.endpoints.cache.get('west-ep') && t.driver.connections.size === 0) || undefined);
  });

  void it('deletes older Endpoints of its own cluster on the broker and locally', async () => {
    t.broker.endpoints.put(endpoint('east-old', { ...local, cable_name: 'submariner-cable-east-10-250-1-9', private_ip: '10.250.1.9' }));
    t.ns.endpoints.put(endpoint('east-old', { ...local, cable_name: 'submariner-cable-east-10-250-1-9', private_ip: '10.250.1.9' }));
    await t.election.lead();
    await eventually('the stale Endpoint gone', () => (t.broker.endpoints.names().join() === OWN && t.ns.endpoints.names().join() === OWN) || undefined);
  });

  void it('when it stops leading: cleans the driver up and turns passive', async () => {
    await t.election.lead();
    t.broker.endpoints.put(endpoint('west-ep', remoteEndpoint()));
    await eventually('the cable', () => t.driver.connections.get(remoteEndpoint().cable_name));
    await t.election.unlead();
    assert.equal(t.driver.cleanedUp, true);
    assert.equal(t.agent.isActive, false);
    assert.deepEqual(t.podLabels.at(-1), { 'gateway.submariner.io/status': 'passive', 'gateway.submariner.io/node': 'east-gw' });
    await eventually('a passive Gateway without connections', () => {
      const s = t.ns.gateways.cache.get('east-gw')?.status;
      return s?.haStatus === 'passive' && s.connections.length === 0 ? s : undefined;
    });
  });

  void it('behind its fence (past its renew deadline, as when paused) writes nothing as the active gateway, and catches up once it renews', async () => {
    await t.election.lead();
    await eventually('the Endpoint on the broker', () => t.broker.endpoints.cache.get(OWN));
    t.election.holds = false;
    // A newer active gateway deletes this one's Endpoint as stale.
    t.broker.endpoints.remove(OWN);
    await eventually('a Gateway reading passive', () => t.ns.gateways.cache.get('east-gw')?.status?.haStatus === 'passive' || undefined);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(t.broker.endpoints.names(), [], 'the Endpoint is not written back');
    t.election.holds = true;
    await eventually('the Endpoint published again after renewing', () => t.broker.endpoints.cache.get(OWN));
    await eventually('an active Gateway', () => t.ns.gateways.cache.get('east-gw')?.status?.haStatus === 'active' || undefined);
  });

  void it('shutting down, keeps its cables until a successor published its Endpoint and the grace period passed', async () => {
    await t.election.lead();
    t.broker.endpoints.put(endpoint('west-ep', remoteEndpoint()));
    await eventually('the cable', () => t.driver.connections.get(remoteEndpoint().cable_name));
    // A passive gateway on another node, alive.
    t.ns.gateways.put({
      apiVersion: 'submariner.io/v1',
      kind: 'Gateway',
      metadata: { name: 'east-gw2', annotations: { 'update-timestamp': String(Math.floor(Date.now() / 1000)) } },
      status: { version: 'v0.1.0', haStatus: 'passive', localEndpoint: { ...local, cable_name: 'submariner-cable-east-10-250-1-3', private_ip: '10.250.1.3' }, connections: [] },
    });
    let stopped = false;
    const stopping = t.agent.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(t.driver.cleanedUp, false, 'still carrying traffic while no successor is there');
    assert.deepEqual(t.podLabels.at(-1), { 'gateway.submariner.io/status': 'passive', 'gateway.submariner.io/node': 'east-gw' }, 'labelled passive at once');
    assert.ok(t.driver.connections.get(remoteEndpoint().cable_name));
    const successorAt = Date.now();
    t.ns.endpoints.put(endpoint('east-successor', { ...local, cable_name: 'submariner-cable-east-10-250-1-3', private_ip: '10.250.1.3' }));
    await stopping;
    const held = Date.now() - successorAt;
    assert.equal(t.driver.cleanedUp, true);
    assert.ok(stopped);
    assert.ok(held >= 990 && held < 3000, `cables torn down ${held} ms after the successor appeared`);
  });

  void it('shutting down with a live standby that never takes over, tears its cables down after 4 s', async () => {
    await t.election.lead();
    t.ns.gateways.put({
      apiVersion: 'submariner.io/v1',
      kind: 'Gateway',
      metadata: { name: 'east-gw2', annotations: { 'update-timestamp': String(Math.floor(Date.now() / 1000)) } },
      status: { version: 'v0.1.0', haStatus: 'passive', localEndpoint: { ...local, cable_name: 'submariner-cable-east-10-250-1-3', private_ip: '10.250.1.3' }, connections: [] },
    });
    const started = Date.now();
    await t.agent.stop();
    const waited = Date.now() - started;
    assert.equal(t.driver.cleanedUp, true);
    assert.ok(waited >= 3990 && waited < 5000, `torn down after ${waited} ms`);
  });

  void it('shutting down for an uninstall, or with no other gateway alive to take over, tears its cables down at once', async () => {
    await t.election.lead();
    let started = Date.now();
    await t.agent.stop({ handOver: false });
    assert.equal(t.driver.cleanedUp, true);
    assert.ok(Date.now() - started < 1000);
    const alone = setup();
    await alone.agent.start();
    await alone.election.lead();
    // Another node's Gateway, not written for a minute: that gateway is gone.
    alone.ns.gateways.put({
      apiVersion: 'submariner.io/v1',
      kind: 'Gateway',
      metadata: { name: 'east-gw2', annotations: { 'update-timestamp': String(Math.floor(Date.now() / 1000) - 60) } },
      status: { version: 'v0.1.0', haStatus: 'passive', localEndpoint: { ...local, cable_name: 'submariner-cable-east-10-250-1-3', private_ip: '10.250.1.3' }, connections: [] },
    });
    started = Date.now();
    await alone.agent.stop();
    assert.equal(alone.driver.cleanedUp, true);
    assert.ok(Date.now() - started < 1000);
  });

  void it('as active, deletes Gateways that stopped updating', async () => {
    t.ns.gateways.put({ apiVersion: 'submariner.io/v1', kind: 'Gateway', metadata: { name: 'east-gw-old', annotations: { 'update-timestamp': '1000' } } });
    await t.election.lead();
    await eventually('the stale Gateway gone', () => (t.ns.gateways.names().join() === 'east-gw') || undefined);
  });

  void it('keeps writing status when the API fails once', async () => {
    t.ns.gateways.failNext('replaceStatus');
    await t.election.lead();
    await eventually('an active Gateway', () => t.ns.gateways.cache.get('east-gw')?.status?.haStatus === 'active' || undefined);
  });
});

void describe('gateway agent with Globalnet', () => {
  const gnConfig = { ...config, globalCidrs: ['169.254.0.0/19'] };
  const gnLocal = buildLocalEndpoint({ config: gnConfig, node: { name: 'east-gw', labels: {}, annotations: {} }, privateIp: '10.250.1.2', cniIp: '10.1.0.1', publicIp: '192.168.241.2' });
  let t: ReturnType<typeof setup>;
  beforeEach(async () => {
    t = setup({ config: gnConfig, local: gnLocal, cniIp: '10.1.0.1' });
    await t.agent.start();
  });
  afterEach(async () => {
    await t.agent.stop({ handOver: false });
  });

  void it('publishes the GlobalCIDR as its subnets, and its global IP from the Gateway annotation as the health-check IP', async () => {
    await t.election.lead();
    const first = await eventually('the Endpoint on the broker', () => t.broker.endpoints.cache.get(OWN));
    assert.deepEqual(first.spec.subnets, ['169.254.0.0/19']);
    assert.equal(first.spec.healthCheckIP, '', 'no health-check IP until GlobalNet allocates the global IP');
    const gw = await eventually('the Gateway object', () => t.ns.gateways.cache.get('east-gw'));
    t.ns.gateways.put({ ...gw, metadata: { ...gw.metadata, annotations: { ...gw.metadata.annotations, 'submariner.io/globalIp': '169.254.0.30' } } });
    const published = await eventually('the global IP published as the health-check IP', () =>
      t.broker.endpoints.cache.get(OWN)?.spec.healthCheckIP === '169.254.0.30' ? t.broker.endpoints.cache.get(OWN) : undefined,
    );
    assert.deepEqual(published.spec.subnets, ['169.254.0.0/19']);
    await eventually('the local Endpoint too', () => t.ns.endpoints.cache.get(OWN)?.spec.healthCheckIP === '169.254.0.30' || undefined);
    await eventually('the Gateway status', () => t.ns.gateways.cache.get('east-gw')?.status?.localEndpoint.healthCheckIP === '169.254.0.30' || undefined);
  });

  void it('pings remote gateways\' global IPs from the node\'s CNI address', async () => {
    await t.election.lead();
    t.broker.endpoints.put(endpoint('west-ep', remoteEndpoint({ subnets: ['169.254.32.0/19'], healthCheckIP: '169.254.32.30' })));
    const ping = await eventually('a health-check ping', () => t.pings.find((p) => p.dst === '169.254.32.30'));
    assert.equal(ping.source, '10.1.0.1');
  });
});

void describe('gateway uninstall', () => {
  void it('cleans every driver up and deletes its Gateway, its Endpoint and the Cluster, locally and on the broker', async () => {
    const broker = { endpoints: new FakeObjects<Endpoint>('broker'), clusters: new FakeObjects<Cluster>('broker') };
    const ns = { endpoints: new FakeObjects<Endpoint>(), clusters: new FakeObjects<Cluster>(), gateways: new FakeObjects<Gateway>() };
    for (const c of [broker, ns]) {
      c.endpoints.put(endpoint(OWN, local));
      c.endpoints.put(endpoint('west-ep', remoteEndpoint()));
      c.clusters.put(cluster('east'));
    }
    ns.gateways.put({ apiVersion: 'submariner.io/v1', kind: 'Gateway', metadata: { name: 'east-gw' } });
    const drivers = [new FakeCableDriver('vxlan'), new FakeCableDriver('wireguard')];
    await uninstallGateway({ clusterId: 'east', nodeName: 'east-gw', drivers, gateways: ns.gateways, endpoints: { local: ns.endpoints, broker: broker.endpoints }, clusters: { local: ns.clusters, broker: broker.clusters }, log: captureLogger() });
    assert.ok(drivers.every((d) => d.cleanedUp));
    assert.deepEqual(ns.gateways.names(), []);
    assert.deepEqual([ns.endpoints.names(), broker.endpoints.names()], [['west-ep'], ['west-ep']]);
    assert.deepEqual([ns.clusters.names(), broker.clusters.names()], [[], []]);
  });
});
