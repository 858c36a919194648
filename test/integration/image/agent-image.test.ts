import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { agentComponents } from '../../../src/api/agent-env.js';
import { agentImage } from '../../../src/api/names.js';
import { wireguardGoPath } from '../../../src/base/cache.js';
import { buildAgentImage, type BuiltImage } from '../../../src/image/agent-image.js';
import { ExecRunner } from '../../../src/net/command.js';
import { bundleConfig, capabilitiesOfMask } from '../../../src/sandbox/kubelet/pod/bundle.js';

// The agent image as real tools see it: skopeo reads the archive, umoci unpacks it, runc runs each agent.
const runner = new ExecRunner();
const work = mkdtempSync(join(tmpdir(), 'agent-image-'));
let first: BuiltImage;

before(async () => {
  first = await buildAgentImage(runner, { out: join(work, 'one') });
});
after(() => rmSync(work, { recursive: true, force: true }));

interface Inspect {
  Digest: string;
  Architecture: string;
  Os: string;
  Labels: Record<string, string>;
  Layers: string[];
}

async function runInBundle(bundle: string, args: string[]): Promise<{ code: number; out: string }> {
  const path = join(bundle, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as { process: { terminal: boolean; args: string[] } };
  config.process.terminal = false;
  config.process.args = args;
  writeFileSync(path, JSON.stringify(config));
  const id = `agent-image-test-${process.pid}`;
  const r = await runner.run('runc', ['run', '--bundle', bundle, id], { allowFailure: true, timeoutMs: 60_000 });
  await runner.run('runc', ['delete', '--force', id], { allowFailure: true });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('the agent image', () => {
  it('is an oci-archive skopeo reads, named and labelled with the package version', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const r = await runner.run('skopeo', ['inspect', `oci-archive:${first.archive}`], { timeoutMs: 120_000 });
    const info = JSON.parse(r.stdout) as Inspect;
    assert.equal(info.Digest, first.digest);
    assert.equal(info.Os, 'linux');
    assert.equal(info.Labels['org.opencontainers.image.version'], pkg.version);
    assert.equal(info.Labels['org.opencontainers.image.title'], agentImage.name);
    assert.equal(first.name, `docker.io/kubectl-submariner/${agentImage.name}:${pkg.version}`);
    assert.equal(info.Layers.length, 3);
  });

  it('unpacks with umoci into a bundle whose entrypoint starts every agent and the hub addon controller under runc', async () => {
    const bundle = join(work, 'bundle');
    await runner.run('umoci', ['unpack', '--image', `${first.layout}:${first.tag}`, bundle], { timeoutMs: 300_000 });
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[] } };
    assert.deepEqual(config.process.args, [agentImage.entrypoint]);
    for (const component of agentComponents) {
      const r = await runInBundle(bundle, [agentImage.entrypoint, component, '--help']);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, new RegExp(`kubectl-submariner-agent ${component}: the ${component} agent`));
    }
    const addon = await runInBundle(bundle, [agentImage.entrypoint, 'addon', '--help']);
    assert.equal(addon.code, 0, addon.out);
    assert.match(addon.out, /kubectl-submariner-agent addon: the hub addon controller/);
    const version = await runInBundle(bundle, [agentImage.entrypoint, '--version']);
    assert.match(version.out, /kubectl-submariner-agent \d+\.\d+\.\d+ \(Node\.js v(2\d|[3-9]\d)\./);
  });

  it('holds the programs the agents call', async () => {
    const bundle = join(work, 'bundle');
    const swan = '/opt/kubectl-submariner/strongswan';
    const checks = [
      'iptables-nft --version', 'iptables-legacy --version', 'ipset --version', 'ip -V', 'wg --version', '/opt/kubectl-submariner/wireguard-go/wireguard-go --version',
      'conntrack --version', 'ipsec --version',
      `STRONGSWAN_CONF=${swan}/etc/strongswan.conf LD_LIBRARY_PATH=${swan}/usr/lib/ipsec ${swan}/usr/lib/ipsec/charon --version`,
    ];
    // ipset asks the kernel for its protocol version, which the bundle's capabilities refuse: its banner shows anyway.
    const r = await runInBundle(bundle, ['/bin/sh', '-c', checks.join('; ')]);
    for (const expected of [/iptables v1\.8\.\d+ \(nf_tables\)/, /iptables v1\.8\.\d+ \(legacy\)/, /ipset v7/, /iproute2-/, /wireguard-tools v/, /conntrack v/, /Libreswan/, /strongSwan 5/]) {
      assert.match(r.out, expected);
    }
    // The current wireguard-go built from the Go module proxy, the one the host's cache holds, not Debian 12's.
    const built = execFileSync(wireguardGoPath(), ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
    assert.match(built, /^wireguard-go v/);
    assert.ok(r.out.includes(built), `${built} in the image`);
  });

  it('starts an agent from the bundle config.json the sandbox kubelet writes, in a pod\'s network namespace', async (t) => {
    const bundle = join(work, 'bundle');
    const files = join(work, 'pod');
    mkdirSync(join(files, 'token'), { recursive: true });
    for (const f of ['resolv.conf', 'hosts', 'hostname']) writeFileSync(join(files, f), '');
    writeFileSync(join(files, 'token', 'token'), 'pod-token');
    const netns = `agent-image-${process.pid}`;
    await runner.run('ip', ['netns', 'add', netns]);
    t.after(() => runner.run('ip', ['netns', 'del', netns], { allowFailure: true }));
    const spec = bundleConfig({
      pod: { namespace: 'submariner-operator', name: 'submariner-gateway-x', uid: 'u1' },
      container: {
        name: 'submariner-gateway', securityContext: { privileged: true },
        volumeMounts: [{ name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
      },
      command: [],
      args: [],
      env: { SUBMARINER_CLUSTERID: 'cluster1' },
      image: { entrypoint: [agentImage.entrypoint], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: join(bundle, 'rootfs'),
      hostname: 'cluster1-gw',
      netnsPath: `/run/netns/${netns}`,
      volumes: new Map([['token', { path: join(files, 'token'), kind: 'dir' as const }]]),
      podFiles: { resolvConf: join(files, 'resolv.conf'), hosts: join(files, 'hosts'), hostname: join(files, 'hostname') },
      hostCapabilities: capabilitiesOfMask(/CapBnd:\s*(\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'),
    });
    spec.process.args = ['/bin/sh', '-c', `${agentImage.entrypoint} gateway --help && ip -o link && hostname && cat /var/run/secrets/kubernetes.io/serviceaccount/token && ls /dev/net/tun && iptables -S | head -1`];
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const id = `agent-image-pod-${process.pid}`;
    const r = await runner.run('runc', ['run', '--bundle', bundle, id], { allowFailure: true, timeoutMs: 60_000 });
    await runner.run('runc', ['delete', '--force', id], { allowFailure: true });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /the gateway agent/);
    // Only the namespace's loopback: the container is in the pod's network namespace, not the host's.
    assert.deepEqual(r.stdout.split('\n').filter((l) => /^\d+: /.test(l)).map((l) => l.split(':')[1]?.trim()), ['lo']);
    assert.match(r.stdout, /cluster1-gw\npod-token\/dev\/net\/tun\n-P INPUT ACCEPT/);
  });

  it('has the same digest when built again', async () => {
    const second = await buildAgentImage(runner, { out: join(work, 'two') });
    assert.equal(second.digest, first.digest);
  });
});
