import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { endpointSlice, serviceImport, world } from './fixtures.js';
import { serve, type Running } from './server-fixture.js';

const run = promisify(execFile);
const hasDig = await run('dig', ['-v']).then(
  () => true,
  () => false,
);

interface DigResult {
  status: string;
  flags: string[];
  answers: string[];
  output: string;
}

const Z = 'clusterset.local';
const BIG = `big.default.svc.${Z}`;

describe('round trips with dig against 127.0.0.1 (needs dig from Debian dnsutils)', { skip: hasDig ? false : 'dig is not installed (apt-get install dnsutils)' }, () => {
  const w = world();
  w.resolver.upsertServiceImport(serviceImport('default', 'big', 'Headless', []));
  w.resolver.upsertEndpointSlice(
    endpointSlice({
      namespace: 'default',
      service: 'big',
      cluster: 'west',
      endpoints: Array.from({ length: 20 }, (_, i) => ({ addresses: [`10.9.0.${i + 1}`] })),
    }),
  );
  let running: Running;
  before(async () => {
    running = await serve(w);
  });
  after(() => running.server.stop());

  /** Runs dig; the server runs in this process, so dig must not block the event loop. */
  async function dig(...args: string[]): Promise<DigResult> {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(running.ports.udp), '+time=2', '+tries=1', '+noall', '+comments', '+answer', ...args]);
    const header = /status: (\w+)/.exec(stdout);
    const flags = /;; flags: ([a-z ]*);/.exec(stdout);
    assert.ok(header && flags, `dig printed no header:\n${stdout}`);
    const answers = stdout
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith(';'))
      .map((l) => l.split(/\s+/).slice(4).join(' '));
    return { status: header[1] ?? '', flags: (flags[1] ?? '').trim().split(/\s+/), answers, output: stdout };
  }

  function metric(name: string, labels: string): Promise<number> {
    return fetch(`http://127.0.0.1:${running.ports.metrics}/metrics`)
      .then((r) => r.text())
      .then((text) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0));
  }

  it('resolves an A record, authoritatively', async () => {
    const r = await dig(`nginx.default.svc.${Z}`, 'A');
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.answers, ['10.0.0.10']);
    assert.ok(r.flags.includes('aa'), r.output);
  });

  // The rules of the resolver and handler, each through a real dig round trip (answers without their TTL column).
  const rules: { rule: string; args: string[]; status: string; answers: string[] }[] = [
    { rule: 'AAAA of an IPv6 service', args: [`v6.default.svc.${Z}`, 'AAAA'], status: 'NOERROR', answers: ['fd00::10'] },
    { rule: 'an existing name without a record of the type: NOERROR, no answer', args: [`nginx.default.svc.${Z}`, 'AAAA'], status: 'NOERROR', answers: [] },
    { rule: 'one cluster of a service', args: [`west.nginx.default.svc.${Z}`, 'A'], status: 'NOERROR', answers: ['10.1.0.10'] },
    { rule: 'a headless pod of one cluster', args: [`db-0.west.db.prod.svc.${Z}`, 'A'], status: 'NOERROR', answers: ['10.1.1.1'] },
    { rule: 'a headless service: the ready pods of every connected cluster', args: [`db.prod.svc.${Z}`, 'A'], status: 'NOERROR', answers: ['10.0.1.1', '10.1.1.1'] },
    { rule: 'a service only a disconnected cluster exports: no address', args: [`gone.default.svc.${Z}`, 'A'], status: 'NOERROR', answers: [] },
    { rule: 'names match case-insensitively', args: [`NGINX.Default.SVC.ClusterSet.Local`, 'A'], status: 'NOERROR', answers: ['10.0.0.10'] },
    { rule: 'a custom domain', args: ['nginx.default.svc.example.org', 'A'], status: 'NOERROR', answers: ['10.0.0.10'] },
    { rule: 'the zone version', args: [`dns-version.${Z}`, 'TXT'], status: 'NOERROR', answers: ['"1.0.0"'] },
    { rule: 'a cluster that does not export the service', args: [`north.nginx.default.svc.${Z}`, 'A'], status: 'NXDOMAIN', answers: [] },
  ];
  for (const r of rules) {
    it(`answers ${r.rule}`, async () => {
      const got = await dig(...r.args);
      assert.deepEqual({ status: got.status, answers: got.answers }, { status: r.status, answers: r.answers }, got.output);
    });
  }

  it('answers with a TTL of 5 s', async () => {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(running.ports.udp), '+noall', '+answer', `nginx.default.svc.${Z}`, 'A']);
    assert.match(stdout, /^nginx\.default\.svc\.clusterset\.local\.\s+5\s+IN\s+A\s+10\.0\.0\.10$/m);
  });

  it('resolves SRV records', async () => {
    const r = await dig(`_http._tcp.nginx.default.svc.${Z}`, 'SRV');
    assert.deepEqual(r.answers, [`0 50 80 nginx.default.svc.${Z}.`]);
  });

  it('answers NXDOMAIN for a missing service and REFUSED outside its zones', async () => {
    assert.equal((await dig(`missing.default.svc.${Z}`, 'A')).status, 'NXDOMAIN');
    assert.equal((await dig('www.example.com', 'A')).status, 'REFUSED');
  });

  it('answers over TCP', async () => {
    const before = await metric('lighthouse_dns_responses_total', 'proto="tcp",rcode="NOERROR"');
    const r = await dig('+tcp', `west.nginx.default.svc.${Z}`, 'A');
    assert.deepEqual(r.answers, ['10.1.0.10']);
    assert.equal(await metric('lighthouse_dns_responses_total', 'proto="tcp",rcode="NOERROR"'), before + 1);
  });

  it('sets TC on a UDP answer above 512 bytes without EDNS0, and dig gets it all over TCP', async () => {
    const truncated = await dig('+noedns', '+ignore', BIG, 'A');
    assert.ok(truncated.flags.includes('tc'), truncated.output);
    assert.ok(truncated.answers.length < 20, `${truncated.answers.length} answers`);
    const retried = await dig('+noedns', BIG, 'A');
    assert.ok(!retried.flags.includes('tc'), retried.output);
    assert.equal(retried.answers.length, 20);
  });

  it('answers in full over UDP within the EDNS0 size', async () => {
    const before = await metric('lighthouse_dns_responses_total', 'proto="udp",rcode="NOERROR"');
    const r = await dig(BIG, 'A');
    assert.ok(!r.flags.includes('tc'), r.output);
    assert.equal(r.answers.length, 20);
    assert.match(r.output, /EDNS: version: 0, flags:; udp: 1232/);
    assert.equal(await metric('lighthouse_dns_responses_total', 'proto="udp",rcode="NOERROR"'), before + 1);
  });

  it('still answers after a burst of malformed UDP and TCP input, and counts it', async () => {
    const udp = createSocket('udp4');
    for (let i = 0; i < 50; i++) {
      const junk = Buffer.alloc(1 + ((i * 37) % 600), i);
      await new Promise<void>((resolve) => udp.send(junk, running.ports.udp, '127.0.0.1', () => resolve()));
    }
    udp.close();
    await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const socket = connect(running.ports.tcp, '127.0.0.1', () => socket.end(i % 2 === 0 ? Buffer.from([0x01]) : Buffer.from('\x00\x05hello')));
            socket.on('error', () => resolve());
            socket.on('close', () => resolve());
            socket.resume();
          }),
      ),
    );
    assert.equal((await dig(`nginx.default.svc.${Z}`, 'A')).status, 'NOERROR');
    assert.equal((await dig('+tcp', `nginx.default.svc.${Z}`, 'A')).status, 'NOERROR');
    assert.ok((await metric('lighthouse_dns_malformed_queries_total', 'proto="udp"')) >= 50);
    assert.ok((await metric('lighthouse_dns_malformed_queries_total', 'proto="tcp"')) >= 10);
  });
});
