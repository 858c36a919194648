import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { agentComponents } from '../../../src/api/agent-env.js';
import { agentImage } from '../../../src/api/names.js';
import { buildAgentImage, type BuiltImage } from '../../../src/image/agent-image.js';
import { ExecRunner } from '../../../src/net/command.js';

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

  it('unpacks with umoci into a bundle whose entrypoint starts every agent under runc', async () => {
    const bundle = join(work, 'bundle');
    await runner.run('umoci', ['unpack', '--image', `${first.layout}:${first.tag}`, bundle], { timeoutMs: 300_000 });
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[] } };
    assert.deepEqual(config.process.args, [agentImage.entrypoint]);
    for (const component of agentComponents) {
      const r = await runInBundle(bundle, [agentImage.entrypoint, component, '--help']);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, new RegExp(`kubectl-submariner-agent ${component}: the ${component} agent`));
    }
    const version = await runInBundle(bundle, [agentImage.entrypoint, '--version']);
    assert.match(version.out, /kubectl-submariner-agent \d+\.\d+\.\d+ \(Node\.js v(2\d|[3-9]\d)\./);
  });

  it('holds the programs the agents call', async () => {
    const bundle = join(work, 'bundle');
    const swan = '/opt/kubectl-submariner/strongswan';
    const checks = [
      'iptables-nft --version', 'iptables-legacy --version', 'ipset --version', 'ip -V', 'wg --version', 'wireguard-go --version',
      'conntrack --version', 'ipsec --version',
      `STRONGSWAN_CONF=${swan}/etc/strongswan.conf LD_LIBRARY_PATH=${swan}/usr/lib/ipsec ${swan}/usr/lib/ipsec/charon --version`,
    ];
    // ipset asks the kernel for its protocol version, which the bundle's capabilities refuse: its banner shows anyway.
    const r = await runInBundle(bundle, ['/bin/sh', '-c', checks.join('; ')]);
    for (const expected of [/iptables v1\.8\.\d+ \(nf_tables\)/, /iptables v1\.8\.\d+ \(legacy\)/, /ipset v7/, /iproute2-/, /wireguard-tools v/, /conntrack v/, /Libreswan/, /strongSwan 5/]) {
      assert.match(r.out, expected);
    }
  });

  it('has the same digest when built again', async () => {
    const second = await buildAgentImage(runner, { out: join(work, 'two') });
    assert.equal(second.digest, first.digest);
  });
});
