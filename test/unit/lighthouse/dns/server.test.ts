import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { answerData, queryPacket, world, type Response } from './fixtures.js';
import { counterValue } from '../../../support/prometheus.js';
import { eventually, frame, serve, TcpClient, udpExchange, type Running } from './server-fixture.js';

const NGINX = 'nginx.default.svc.clusterset.local';

describe('DNS server transports (127.0.0.1)', () => {
  const w = world();
  let running: Running;
  before(async () => {
    running = await serve(w, { idleTimeoutMs: 300 });
  });
  after(() => running.server.stop());

  it('binds UDP and TCP on one port and serves metrics on another', () => {
    assert.equal(running.ports.udp, running.ports.tcp);
    assert.ok(running.ports.udp > 0 && running.ports.metrics !== undefined && running.ports.metrics > 0);
  });

  it('answers over UDP', async () => {
    const reply = await udpExchange(running.ports.udp, queryPacket(NGINX, 'A', { id: 99 }));
    const response = dnsPacket.decode(reply!) as Response;
    assert.equal(response.id, 99);
    assert.deepEqual(answerData(response), ['10.0.0.10']);
  });

  it('answers pipelined TCP queries in order', async () => {
    const client = await new TcpClient(running.ports.tcp).connected();
    client.socket.write(Buffer.concat([frame(queryPacket(NGINX, 'A', { id: 1 })), frame(queryPacket('west.' + NGINX, 'A', { id: 2 }))]));
    const responses = await client.waitFor(2);
    assert.deepEqual(
      responses.map((r) => [r.id, answerData(r)]),
      [
        [1, ['10.0.0.10']],
        [2, ['10.1.0.10']],
      ],
    );
    client.socket.destroy();
  });

  it('reassembles a query sent one byte at a time', async () => {
    const client = await new TcpClient(running.ports.tcp).connected();
    for (const byte of frame(queryPacket(NGINX, 'A', { id: 3 }))) {
      client.socket.write(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.deepEqual((await client.waitFor(1)).map((r) => r.id), [3]);
    client.socket.destroy();
  });

  it('answers a client that half-closes after its query', async () => {
    const client = await new TcpClient(running.ports.tcp).connected();
    client.socket.end(frame(queryPacket(NGINX, 'A', { id: 4 })));
    await client.closed;
    assert.deepEqual(client.responses().map((r) => r.id), [4]);
  });

  it('counts and closes short length prefixes, empty frames, garbage and idle partial frames', async () => {
    const before = await counterValue(w.metrics.malformed, { proto: 'tcp' });
    const short = await new TcpClient(running.ports.tcp).connected();
    short.socket.end(Buffer.from([0x00]));
    const empty = await new TcpClient(running.ports.tcp).connected();
    empty.socket.write(Buffer.from([0x00, 0x00]));
    const garbage = await new TcpClient(running.ports.tcp).connected();
    garbage.socket.write(frame(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
    const idle = await new TcpClient(running.ports.tcp).connected();
    idle.socket.write(Buffer.from([0x00, 0x30, 0x01]));
    await Promise.all([short.closed, empty.closed, garbage.closed, idle.closed]);
    assert.ok(await eventually(async () => (await counterValue(w.metrics.malformed, { proto: 'tcp' })) === before + 4), `${await counterValue(w.metrics.malformed, { proto: 'tcp' })}`);
    for (const c of [short, empty, garbage, idle]) assert.deepEqual(c.responses(), []);
  });

  it('keeps answering after malformed UDP datagrams', async () => {
    const before = await counterValue(w.metrics.malformed, { proto: 'udp' });
    for (const junk of [Buffer.alloc(0), Buffer.from('junk'), Buffer.alloc(300, 0xab)]) {
      assert.equal(await udpExchange(running.ports.udp, junk, 100), undefined);
    }
    assert.ok(await eventually(async () => (await counterValue(w.metrics.malformed, { proto: 'udp' })) === before + 3));
    const reply = await udpExchange(running.ports.udp, queryPacket(NGINX, 'A'));
    assert.deepEqual(answerData(dnsPacket.decode(reply!)), ['10.0.0.10']);
  });

  it('stops listening on stop()', async () => {
    const other = await serve(world());
    await other.server.stop();
    const client = new TcpClient(other.ports.tcp);
    await client.closed;
    assert.equal(await udpExchange(other.ports.udp, queryPacket(NGINX, 'A'), 200), undefined);
    await assert.rejects(fetch(`http://127.0.0.1:${other.ports.metrics}/metrics`));
  });

  it('reports a port that is taken', async () => {
    const other = serve(world());
    const taken = (await other).ports.udp;
    const { DnsServer } = await import('../../../../src/lighthouse/dns/server.js');
    const clash = new DnsServer({ handler: w.handler, host: '127.0.0.1', port: taken });
    await assert.rejects(clash.start(), new RegExp(`cannot listen on UDP 127.0.0.1:${taken}`));
    await (await other).server.stop();
  });
});
