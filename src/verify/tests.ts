// The verify tests as data: when each applies and its steps, over the TestCluster interface only.
import { names, wellKnown } from '../api/names.js';
import { longestGapMs } from '../base/stats.js';
import type { Side, Step, TestDefinition, TestEnv } from './model.js';
import { curlStatusCommand, digCommand, accessLogClients, parseDig, parseHttpCode, sleep, waitFor } from './probes.js';
import { idleCommand, type RunningPod } from './workloads.js';

const serverLabels = { app: 'verify-server' };
const serverName = 'verify-server';
const httpPort = 80;

interface Server {
  pod: RunningPod;
  serviceIp: string;
}

const ctx = (s: Side): string => s.cluster.context;

/** The node of the active gateway, else any gateway node. */
async function gatewayNode(side: Side): Promise<string> {
  const active = await side.cluster.activeGateway();
  const node = active?.node ?? side.facts.gatewayNodes[0];
  if (node === undefined) throw new Error(`no gateway node in ${ctx(side)}: label one with submariner.io/gateway=true and check the gateway pod runs`);
  return node;
}

async function serverNode(side: Side): Promise<string> {
  return side.facts.otherNodes[0] ?? (await gatewayNode(side));
}

async function startServer(env: TestEnv, side: Side): Promise<Server> {
  const node = await serverNode(side);
  const pod = await side.cluster.runPod({ namespace: env.namespace, name: serverName, image: env.images.server, node, labels: serverLabels, port: httpPort }, env.timeoutMs);
  const serviceIp = await side.cluster.createService(env.namespace, serverName, serverLabels, httpPort);
  return { pod, serviceIp };
}

function startClient(env: TestEnv, side: Side, name: string, node: string, hostNetwork = false): Promise<RunningPod> {
  return side.cluster.runPod({ namespace: env.namespace, name, image: env.images.toolbox, command: idleCommand, node, hostNetwork }, env.timeoutMs);
}

/** One GET from `client`; the HTTP code, 0 when nothing answered. */
async function httpCode(side: Side, client: RunningPod, url: string): Promise<{ code: number; seen: string }> {
  const r = await side.cluster.exec(client, curlStatusCommand(url, 3), 15_000);
  const code = parseHttpCode(r.stdout) ?? 0;
  return { code, seen: code === 0 ? `no answer (curl exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''})` : `HTTP ${code}` };
}

/** Waits until a GET of `url` from `client` answers 200. */
async function expectHttp(env: TestEnv, side: Side, client: RunningPod, url: string): Promise<void> {
  await waitFor(`GET ${url} from ${client.name} in ${ctx(side)} answers 200`, env.timeoutMs, async () => {
    const r = await httpCode(side, client, url);
    return { value: r.code === 200 ? true : undefined, seen: r.seen };
  }, { signal: env.signal });
}

function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} was not set up (an earlier step failed)`);
  return v;
}

interface ClientSpec {
  name: string;
  label: string;
  /** The node to run on; undefined when the cluster has none of this kind. */
  node(side: Side): Promise<string>;
  hostNetwork: boolean;
}

const clientSpecs = (side: Side): ClientSpec[] => [
  { name: 'client-gateway', label: 'pod on gateway node', node: gatewayNode, hostNetwork: false },
  ...(side.facts.otherNodes.length > 0
    ? [{ name: 'client-node', label: 'pod on non-gateway node', node: serverNode, hostNetwork: false }]
    : []),
  { name: 'client-host', label: 'host-network pod', node: serverNode, hostNetwork: true },
];

const globalnetOn = (env: TestEnv): boolean => env.from.facts.globalCidr !== undefined || env.to.facts.globalCidr !== undefined;

export const connectivity: TestDefinition = {
  key: 'connectivity',
  title: 'connectivity',
  disruptive: false,
  skip: (env) =>
    globalnetOn(env) ? 'GlobalNet is on: pod and Service IPs are not routed across the clusters; run --only globalnet' : undefined,
  steps(env) {
    const servers = new Map<Side, Server>();
    const clients = new Map<Side, Map<string, RunningPod>>();
    const steps: Step[] = [];
    for (const side of [env.from, env.to]) {
      steps.push({
        name: `start an HTTP server and its Service in ${ctx(side)}`,
        run: async () => void servers.set(side, await startServer(env, side)),
      });
      const specs = clientSpecs(side);
      steps.push({
        name: `start client pods in ${ctx(side)}: ${specs.map((c) => c.label).join(', ')}`,
        run: async () => {
          const pods = new Map<string, RunningPod>();
          for (const c of specs) pods.set(c.name, await startClient(env, side, c.name, await c.node(side), c.hostNetwork));
          clients.set(side, pods);
        },
      });
    }
    for (const [src, dst] of [[env.from, env.to], [env.to, env.from]] as const) {
      for (const c of clientSpecs(src)) {
        const client = (): RunningPod => must(clients.get(src)?.get(c.name), `${c.label} in ${ctx(src)}`);
        const server = (): Server => must(servers.get(dst), `the server in ${ctx(dst)}`);
        steps.push({
          name: `${ctx(src)} ${c.label} → ${ctx(dst)} pod IP`,
          run: () => expectHttp(env, src, client(), `http://${server().pod.ip}/`),
        });
        steps.push({
          name: `${ctx(src)} ${c.label} → ${ctx(dst)} Service ClusterIP`,
          run: () => expectHttp(env, src, client(), `http://${server().serviceIp}/`),
        });
      }
    }
    return steps;
  },
};

/** Resolves `name` from `client`; the A records once the answer is NOERROR with some. */
async function resolves(env: TestEnv, side: Side, client: RunningPod, name: string): Promise<string[]> {
  return waitFor(`${name} resolves in ${ctx(side)}`, env.timeoutMs, async () => {
    const r = parseDig((await side.cluster.exec(client, digCommand(name), 15_000)).stdout);
    return { value: r.status === 'NOERROR' && r.addresses.length > 0 ? r.addresses : undefined, seen: `${r.status ?? 'no reply'} ${r.addresses.join(',')}` };
  }, { signal: env.signal });
}

function expectAddress(name: string, got: string[], want: string | undefined): void {
  if (want !== undefined && !got.includes(want)) throw new Error(`${name} resolved to ${got.join(', ')}, expected the Service IP ${want}`);
}

export const serviceDiscovery: TestDefinition = {
  key: 'service-discovery',
  title: 'service discovery',
  disruptive: false,
  skip: () => undefined,
  steps(env) {
    let server: Server | undefined;
    let client: RunningPod | undefined;
    const name = `${serverName}.${env.namespace}.svc.${wellKnown.clustersetDomain}`;
    const clusterName = `${env.to.facts.clusterId}.${name}`;
    // With GlobalNet the names answer with global IPs, which the tests cannot know beforehand.
    const expected = (): string | undefined => (globalnetOn(env) ? undefined : must(server, 'the server').serviceIp);
    return [
      { name: `start an HTTP server and its Service in ${ctx(env.to)}`, run: async () => void (server = await startServer(env, env.to)) },
      { name: `start a client pod in ${ctx(env.from)}`, run: async () => void (client = await startClient(env, env.from, 'client', await serverNode(env.from))) },
      { name: `export Service ${env.namespace}/${serverName} from ${ctx(env.to)}`, run: () => env.to.cluster.exportService(env.namespace, serverName) },
      // The clusterset name answers the import's clusterset IP when the clusterset has them (the GET below proves it
      // carries traffic); the cluster-specific name always answers that cluster's Service.
      { name: `resolve ${name} in ${ctx(env.from)}`, run: async () => void (await resolves(env, env.from, must(client, 'the client'), name)) },
      { name: `resolve ${clusterName} in ${ctx(env.from)}`, run: async () => expectAddress(clusterName, await resolves(env, env.from, must(client, 'the client'), clusterName), expected()) },
      { name: `GET http://${name}/ from ${ctx(env.from)}`, run: () => expectHttp(env, env.from, must(client, 'the client'), `http://${name}/`) },
      { name: `unexport Service ${env.namespace}/${serverName} from ${ctx(env.to)}`, run: () => env.to.cluster.unexportService(env.namespace, serverName) },
      {
        name: `${name} is withdrawn from ${ctx(env.from)}`,
        run: async () => {
          const c = must(client, 'the client');
          await waitFor(`${name} stops resolving in ${ctx(env.from)}`, env.timeoutMs, async () => {
            const r = parseDig((await env.from.cluster.exec(c, digCommand(name), 15_000)).stdout);
            return { value: r.status === 'NXDOMAIN' || (r.status === 'NOERROR' && r.addresses.length === 0) ? true : undefined, seen: `${r.status ?? 'no reply'} ${r.addresses.join(',')}` };
          }, { signal: env.signal });
        },
      },
    ];
  },
};

export const globalnet: TestDefinition = {
  key: 'globalnet',
  title: 'globalnet',
  disruptive: false,
  skip: (env) => (globalnetOn(env) ? undefined : `GlobalNet is off: neither ${ctx(env.from)} nor ${ctx(env.to)} has a GlobalCIDR`),
  steps(env) {
    let egress: string[] = [];
    let server: Server | undefined;
    let client: RunningPod | undefined;
    let ingress: string | undefined;
    const url = (): string => `http://${must(ingress, 'the global ingress IP')}/`;
    return [
      {
        name: `${ctx(env.from)} has a global egress IP allocated`,
        run: async () => {
          try {
            egress = await waitFor(`global egress IPs in ${ctx(env.from)}`, Math.min(env.timeoutMs, 30_000), async () => {
              const ips = await env.from.cluster.clusterEgressIPs();
              return { value: ips.length > 0 ? ips : undefined, seen: 'none' };
            }, { signal: env.signal });
          } catch (err) {
            if (env.signal.aborted) throw err;
            throw new Error(
              `GlobalNet is on in ${ctx(env.from)} (GlobalCIDR ${env.from.facts.globalCidr ?? 'none'}) but no GlobalEgressIP is allocated: ` +
                `ClusterGlobalEgressIP ${wellKnown.clusterEgressIP} has no allocatedIPs; check that the GlobalNet agent runs in ${names.defaultNamespace}`,
            );
          }
        },
      },
      { name: `start an HTTP server and its Service in ${ctx(env.to)}`, run: async () => void (server = await startServer(env, env.to)) },
      { name: `start a client pod in ${ctx(env.from)}`, run: async () => void (client = await startClient(env, env.from, 'client', await serverNode(env.from))) },
      { name: `export Service ${env.namespace}/${serverName} from ${ctx(env.to)}`, run: () => env.to.cluster.exportService(env.namespace, serverName) },
      {
        name: `${ctx(env.to)} allocates a global ingress IP to the Service`,
        run: async () => {
          ingress = await waitFor(`a GlobalIngressIP for ${env.namespace}/${serverName} in ${ctx(env.to)}`, env.timeoutMs, async () => ({
            value: await env.to.cluster.globalIngressIP(env.namespace, serverName),
            seen: 'none',
          }), { signal: env.signal });
        },
      },
      { name: `${ctx(env.from)} reaches the Service through its global IP`, run: () => expectHttp(env, env.from, must(client, 'the client'), url()) },
      {
        name: `${ctx(env.to)} sees a global egress IP of ${ctx(env.from)} as the source`,
        run: async () => {
          const clients = accessLogClients(await env.to.cluster.logs(must(server, 'the server').pod));
          const last = clients.at(-1);
          if (last === undefined) throw new Error(`the server's access log in ${ctx(env.to)} shows no request`);
          if (!egress.includes(last)) throw new Error(`the server saw source ${last}, not one of ${ctx(env.from)}'s global egress IPs ${egress.join(', ')}`);
        },
      },
    ];
  },
};

/** Runs GETs of `url` back to back until stopped; the times of those that answered 200. */
function continuousProbe(side: Side, client: RunningPod, url: string): { stop(): Promise<number[]> } {
  const successes: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const r = await httpCode(side, client, url).catch(() => ({ code: 0 }));
      if (r.code === 200) successes.push(Date.now());
      const left = 250 - (Date.now() - started);
      if (left > 0) await sleep(left);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return successes;
    },
  };
}

export const gatewayFailover: TestDefinition = {
  key: 'gateway-failover',
  title: 'gateway failover',
  disruptive: true,
  skip: (env) => (globalnetOn(env) ? 'GlobalNet is on: the failover probe uses pod IPs' : undefined),
  steps(env) {
    let server: Server | undefined;
    let client: RunningPod | undefined;
    let active: { pod: string; node: string } | undefined;
    const url = (): string => `http://${must(server, 'the server').pod.ip}/`;
    return [
      { name: `start an HTTP server in ${ctx(env.to)}`, run: async () => void (server = await startServer(env, env.to)) },
      { name: `start a client pod in ${ctx(env.from)}`, run: async () => void (client = await startClient(env, env.from, 'client', await serverNode(env.from))) },
      { name: `${ctx(env.from)} reaches ${ctx(env.to)} before the failover`, run: () => expectHttp(env, env.from, must(client, 'the client'), url()) },
      {
        name: `find the active gateway of ${ctx(env.to)}`,
        run: async () => {
          active = await env.to.cluster.activeGateway();
          if (active === undefined) throw new Error(`no Ready gateway pod labelled gateway.submariner.io/status=active in ${ctx(env.to)}`);
          env.measure('failed gateway', `${active.pod} on ${active.node}`);
        },
      },
      {
        name: `delete the active gateway pod of ${ctx(env.to)}; traffic comes back`,
        run: async () => {
          const old = must(active, 'the active gateway');
          const probe = continuousProbe(env.from, must(client, 'the client'), url());
          const deletedAt = Date.now();
          try {
            await env.to.cluster.deleteAgentPod(old.pod);
            const next = await waitFor(`another gateway pod of ${ctx(env.to)} becomes active`, env.timeoutMs, async () => {
              const a = await env.to.cluster.activeGateway();
              return { value: a !== undefined && a.pod !== old.pod ? a : undefined, seen: a ? `${a.pod} on ${a.node}` : 'none active' };
            }, { signal: env.signal });
            env.measure('new active gateway', `${next.pod} on ${next.node}`);
            await expectHttp(env, env.from, must(client, 'the client'), url());
            await sleep(2000, env.signal);
          } finally {
            const successes = await probe.stop();
            const after = successes.filter((t) => t >= deletedAt);
            if (after.length > 0) env.measure('traffic gap', `${(longestGapMs(successes, deletedAt) / 1000).toFixed(1)} s`);
          }
        },
      },
    ];
  },
};

/** Every test, in the order they run. */
export const verifyTests: readonly TestDefinition[] = [connectivity, serviceDiscovery, globalnet, gatewayFailover];
