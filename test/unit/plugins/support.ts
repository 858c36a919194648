import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndpointSpec } from '../../../src/api/generated.js';
import type { Logger } from '../../../src/base/log.js';
import { FakeKernel, FakeRunner } from '../../../src/net/fake/index.js';
import { Ip } from '../../../src/net/iproute2/ip.js';
import type { DriverContext } from '../../../plugins/driver.js';
import { FakeProcesses } from '../../../plugins/fake/processes.js';

export const PSK = 'c2VjcmV0LXBzay1mb3ItdGVzdHMtb25seQ==';

const stateDirs: string[] = [];
process.once('exit', () => stateDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

export function localEndpoint(over: Partial<EndpointSpec> = {}): EndpointSpec {
  return {
    cluster_id: 'east',
    cable_name: 'submariner-cable-east-10-250-1-2',
    hostname: 'east-gw',
    subnets: ['100.1.0.0/16', '10.1.0.0/16'],
    private_ip: '10.250.1.2',
    public_ip: '192.168.241.2',
    nat_enabled: false,
    backend: 'vxlan',
    healthCheckIP: '10.1.0.1',
    backend_config: { 'udp-port': '4500', 'natt-discovery-port': '4490' },
    ...over,
  };
}

export function remoteEndpoint(over: Partial<EndpointSpec> = {}): EndpointSpec {
  return {
    cluster_id: 'west',
    cable_name: 'submariner-cable-west-10-250-2-2',
    hostname: 'west-gw',
    subnets: ['100.2.0.0/16', '10.2.0.0/16'],
    private_ip: '10.250.2.2',
    public_ip: '192.168.242.2',
    nat_enabled: false,
    backend: 'vxlan',
    healthCheckIP: '10.2.0.1',
    backend_config: { 'udp-port': '4500', 'natt-discovery-port': '4490' },
    ...over,
  };
}

/** Every line logged, as JSON text, to check what a log shows (and that it never shows a secret). */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const emit = (level: string) => (message: string, fields: Record<string, unknown> = {}) => void lines.push(JSON.stringify({ level, message, ...fields }));
  return { lines, debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A gateway node: eth0 with the default route, cni0 holding the CNI IP 10.1.0.1. */
export async function gatewayKernel(kernel = new FakeKernel()): Promise<FakeKernel> {
  await kernel.linkAdd({ name: 'eth0', kind: 'veth', peer: 'eth0-peer', mtu: 1500, up: true });
  await kernel.addrAdd({ dev: 'eth0', cidr: '10.250.1.2/24' });
  await kernel.routeAdd({ dst: '10.250.1.0/24', dev: 'eth0' });
  await kernel.routeAdd({ dst: 'default', gateway: '10.250.1.1', dev: 'eth0' });
  await kernel.linkAdd({ name: 'cni0', kind: 'bridge', up: true });
  await kernel.addrAdd({ dev: 'cni0', cidr: '10.1.0.1/24' });
  return kernel;
}

export interface TestContext {
  ctx: DriverContext;
  kernel: FakeKernel;
  runner: FakeRunner;
  processes: FakeProcesses;
  log: ReturnType<typeof captureLogger>;
}

export async function driverContext(local: EndpointSpec, kernel?: FakeKernel): Promise<TestContext> {
  const k = kernel ?? (await gatewayKernel());
  const runner = new FakeRunner();
  const processes = new FakeProcesses();
  const log = captureLogger();
  const ctx: DriverContext = {
    localEndpoint: local,
    cniIp: '10.1.0.1',
    settings: { psk: PSK, nattPort: 4500, forceEncaps: false, debug: false },
    runner,
    ip: new Ip(k),
    processes,
    log,
    stateDir: mkdtempSync(join(tmpdir(), 'ksub-driver-')),
  };
  stateDirs.push(ctx.stateDir);
  return { ctx, kernel: k, runner, processes, log };
}
