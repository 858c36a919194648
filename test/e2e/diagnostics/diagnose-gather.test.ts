// diagnose and gather on the joined sandbox: diagnose all passes; a DROP rule on cluster1's active gateway's tunnel
// port makes diagnose firewall fail naming the port; gather then writes a redacted bundle whose summary names the
// failing connection and whose iptables-save of that node holds the rule; summary.html passes in chromium.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../support/cli.js';
import { artifactsDir, launchChromium, visit } from '../../support/browser.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { eventually, kubectlFor } from '../../support/kubectl.js';
import { connectClusters, disconnectClusters } from '../../support/submariner.js';

let fleet: TestFleet;
let gatewayNode = '';
let remoteGatewayNode = '';
const drop = ['INPUT', '-p', 'udp', '--dport', '4500', '-j', 'DROP'];
const contexts = ['--contexts', 'cluster1,cluster2'];
const cli = (...args: string[]) => runCli([...args, '--kubeconfig', fleet.kubeconfigPath], { ...process.env, NO_COLOR: '1' });
const iptables = (op: '-I' | '-D'): void => void execFileSync('ip', ['netns', 'exec', `ksub-${gatewayNode}`, 'iptables', op, ...drop]);

async function activeGateway(context: string): Promise<string> {
  return eventually(async () => {
    const out = JSON.parse(await kubectlFor(fleet.kubeconfigPath, context)(['-n', 'submariner-operator', 'get', 'gateways.submariner.io', '-o', 'json'])) as {
      items: { metadata: { name: string }; status?: { haStatus?: string; connections?: { status: string }[] } }[];
    };
    const gw = out.items.find((g) => g.status?.haStatus === 'active' && g.status.connections?.every((c) => c.status === 'connected') && g.status.connections.length > 0);
    return gw?.metadata.name;
  }, 180_000, `an active gateway of ${context} connected to the other cluster`);
}

before(async () => {
  fleet = await useFleet();
  connectClusters(fleet.kubeconfigPath, 'wireguard');
  gatewayNode = await activeGateway('cluster1');
  remoteGatewayNode = await activeGateway('cluster2');
});
after(() => {
  if (gatewayNode) {
    try {
      iptables('-D');
    } catch {
      // not inserted
    }
  }
  disconnectClusters(fleet.kubeconfigPath);
});

void describe('diagnose and gather on the joined sandbox', () => {
  void it('diagnose all passes on both clusters', async () => {
    const r = await eventually(async () => {
      const res = cli('diagnose', 'all', ...contexts);
      return res.code === 0 ? res : undefined;
    }, 120_000, 'diagnose all passes');
    assert.match(r.stdout, /All \d+ checks passed\./);
    assert.match(r.stdout, /✓ UDP 4500 \(tunnel\) from \S+ to \S+ passes/);
    assert.match(r.stdout, /✓ UDP 4800 \(VXLAN\) from cluster1-worker to cluster1-gateway\S* passes/);
    const json = JSON.parse(cli('diagnose', 'all', ...contexts, '-o', 'json').stdout) as { results: { check: string; lookedAt: string }[] };
    assert.ok(json.results.every((x) => x.lookedAt !== ''));
  });

  void describe('with a DROP rule on cluster1\'s gateway tunnel port', () => {
    let bundle = '';
    before(() => iptables('-I'));
    after(() => iptables('-D'));

    void it('diagnose firewall fails and names the port, the direction and the rule', () => {
      const r = cli('diagnose', 'firewall', ...contexts);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`✗ UDP 4500 \\(tunnel\\) from ${remoteGatewayNode} to ${gatewayNode} is blocked; the rule \`-A INPUT -p udp -m udp --dport 4500 -j DROP \\(on ${gatewayNode}\\)\` drops it`));
      assert.match(r.stdout, new RegExp(`✓ UDP 4490 \\(NAT discovery\\) from ${remoteGatewayNode} to ${gatewayNode} passes`));
    });

    void it('gather writes a redacted bundle whose summary names the failing connection and whose iptables-save holds the rule', async () => {
      await eventually(async () => {
        const conns = JSON.parse(cli('show', 'connections', '--context', 'cluster1', '-o', 'json').stdout) as { status: string }[];
        return conns.some((c) => c.status !== 'connected') ? true : undefined;
      }, 120_000, 'cluster1 sees its connection fail');
      const parent = mkdtempSync(join(tmpdir(), 'ksub-gather-e2e-'));
      bundle = join(parent, 'bundle');
      const r = cli('gather', ...contexts, '--dir', bundle);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /cluster1: connectivity/);
      assert.ok(existsSync(`${bundle}.tar.gz`));
      execFileSync('tar', ['-tzf', `${bundle}.tar.gz`]);

      const ipt = readFileSync(join(bundle, 'cluster1', `${gatewayNode}_iptables-save.log`), 'utf8');
      assert.match(ipt, /-A INPUT -p udp -m udp --dport 4500 -j DROP/);
      const html = readFileSync(join(bundle, 'summary.html'), 'utf8');
      assert.match(html, new RegExp(`UDP 4500 \\(tunnel\\) from ${remoteGatewayNode} to ${gatewayNode} is blocked`));
      assert.match(html, /<td>cluster2<\/td>(<td>[^<]*<\/td>){3}<td class="(bad|warn)">(error|connecting)<\/td>/);

      const k = kubectlFor(fleet.kubeconfigPath, 'cluster1');
      const secret = async (name: string, key: string): Promise<string> =>
        Buffer.from((await k(['-n', 'submariner-operator', 'get', 'secret', name, '-o', `jsonpath={.data.${key.replace('.', '\\.')}}`])).trim(), 'base64').toString('utf8');
      const psk = await secret('submariner-ipsec-psk', 'psk');
      const token = await secret('submariner-broker-secret', 'token');
      assert.ok(psk.length >= 8 && token.length >= 8);
      const files = readdirSync(bundle, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
      for (const f of files) {
        const text = readFileSync(join(f.parentPath, f.name), 'utf8');
        assert.ok(!text.includes(psk), `the PSK is in ${f.name}`);
        assert.ok(!text.includes(token), `the broker token is in ${f.name}`);
      }
      const archive = execFileSync('tar', ['-xzOf', `${bundle}.tar.gz`], { maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
      assert.ok(!archive.includes(psk) && !archive.includes(token));
    });

    void it('summary.html shows the clusters, connections and the failing check in chromium, without a network request or console error', async () => {
      assert.ok(bundle, 'the gather test ran');
      const browser = await launchChromium();
      try {
        const { page, requests, errors } = await visit(browser, join(bundle, 'summary.html'));
        for (const c of ['cluster1', 'cluster2']) assert.ok(await page.locator(`section[data-cluster="${c}"] h2`).isVisible());
        const conns = await page.locator('section[data-cluster="cluster1"] h3:has-text("Connections") + table tbody tr').allInnerTexts();
        assert.ok(conns.some((r) => r.includes('cluster2')));
        assert.match((await page.locator('#checks tbody').innerText()), /firewall\tcluster1\t✗ UDP 4500 \(tunnel\)/);
        await page.screenshot({ path: join(artifactsDir(), 'summary-sandbox.png'), fullPage: true });
        await page.waitForTimeout(300);
        assert.deepEqual(requests, []);
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
      }
    });
  });
});
