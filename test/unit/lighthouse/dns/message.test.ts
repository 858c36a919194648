import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { answerData, ask, endpointSlice, queryPacket, serviceImport, world, type Response } from './fixtures.js';
import { counterValue, observations } from '../../../support/prometheus.js';

/** A headless service with `count` ready endpoints in the local cluster. */
function bigWorld(count: number) {
  const w = world();
  w.resolver.upsertServiceImport(serviceImport('default', 'big', 'Headless', [{ name: 'http', protocol: 'TCP', port: 80 }]));
  w.resolver.upsertEndpointSlice(
    endpointSlice({
      namespace: 'default',
      service: 'big',
      cluster: 'east',
      endpoints: Array.from({ length: count }, (_, i) => ({ addresses: [`10.9.0.${i + 1}`], hostname: `big-${i}` })),
    }),
  );
  return w;
}

const BIG = 'big.default.svc.clusterset.local';

describe('DNS messages on the wire', () => {
  it('truncates a UDP answer above 512 bytes without EDNS0, keeping what fits, and sets TC', async () => {
    const { handler, metrics } = bigWorld(20);
    const response = ask(handler, BIG, 'A');
    assert.equal(response.flag_tc, true);
    assert.equal(response.rcode, 'NOERROR');
    const kept = response.answers?.length ?? 0;
    assert.ok(kept > 0 && kept < 20, `${kept} answers kept`);
    assert.ok(dnsPacket.encodingLength(response) <= 512);
    assert.equal(await counterValue(metrics.truncated, { proto: 'udp' }), 1);
  });

  it('answers in full over TCP and within the EDNS0 size', () => {
    const { handler } = bigWorld(20);
    const tcp = ask(handler, BIG, 'A', { protocol: 'tcp' });
    assert.equal(tcp.flag_tc, false);
    assert.equal(tcp.answers?.length, 20);
    const edns = ask(handler, BIG, 'A', { edns: 1232 });
    assert.equal(edns.flag_tc, false);
    assert.equal(edns.answers?.length, 20);
    const opt = edns.additionals?.find((a) => a.type === 'OPT');
    assert.equal(opt?.type === 'OPT' && opt.udpPayloadSize, 1232, 'the server advertises its UDP size');
  });

  it('never sends more than its own UDP limit, whatever the client advertises', () => {
    const { handler } = bigWorld(60);
    const wire = handler.handle(queryPacket(BIG, 'A', { edns: 65000 }), 'udp');
    assert.ok(wire !== undefined && wire.length <= 1232, `${wire?.length} bytes`);
    assert.equal((dnsPacket.decode(wire) as Response).flag_tc, true);
  });

  it('treats an EDNS0 size below 512 as 512', () => {
    const { handler } = bigWorld(20);
    const wire = handler.handle(queryPacket(BIG, 'A', { edns: 100 }), 'udp');
    assert.ok(wire !== undefined && wire.length > 100 && wire.length <= 512);
  });

  it('answers BADVERS to an unknown EDNS version', () => {
    const { handler } = world();
    const response = ask(handler, BIG, 'A', { edns: 1232, ednsVersion: 1 });
    const opt = response.additionals?.find((a) => a.type === 'OPT');
    assert.equal(opt?.type === 'OPT' && opt.extendedRcode, 1, 'BADVERS is extended rcode 16');
    assert.deepEqual(answerData(response), []);
  });

  it('answers FORMERR to a query with two questions', () => {
    const { handler } = world();
    const wire = dnsPacket.encode({
      type: 'query',
      id: 7,
      questions: [
        { type: 'A', name: 'a.clusterset.local' },
        { type: 'A', name: 'b.clusterset.local' },
      ],
    });
    const response = dnsPacket.decode(handler.handle(wire, 'udp')!) as Response;
    assert.equal(response.rcode, 'FORMERR');
    assert.equal(response.id, 7);
  });

  it('answers NOTIMP to other opcodes', () => {
    const { handler } = world();
    const wire = queryPacket('nginx.default.svc.clusterset.local', 'A');
    wire.writeUInt16BE(wire.readUInt16BE(2) | (2 << 11), 2); // STATUS
    assert.equal((dnsPacket.decode(handler.handle(wire, 'udp')!) as Response).rcode, 'NOTIMP');
  });

  it('answers FORMERR without echoing a question it cannot send back as it came', () => {
    const { handler } = world();
    const wire = queryPacket('xx.clusterset.local', 'A');
    wire[13] = 0xff; // a byte that is not ASCII in the first label
    const response = dnsPacket.decode(handler.handle(wire, 'udp')!) as Response;
    assert.equal(response.rcode, 'FORMERR');
    assert.deepEqual(response.questions, []);
  });

  it('drops and counts what is not a query', async () => {
    const { handler, metrics } = world();
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'x.clusterset.local' }] });
    const cut = queryPacket('nginx.default.svc.clusterset.local', 'A').subarray(0, 20);
    const badCount = queryPacket('nginx.default.svc.clusterset.local', 'A');
    badCount.writeUInt16BE(60000, 4);
    const inputs = [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(12, 0xff), response, cut, badCount];
    for (const input of inputs) assert.equal(handler.handle(input, 'udp'), undefined);
    assert.equal(await counterValue(metrics.malformed, { proto: 'udp' }), inputs.length);
    assert.equal(await counterValue(metrics.queries), 0);
  });

  it('survives random input', async () => {
    const { handler, metrics } = world();
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const base = queryPacket('_http._tcp.nginx.default.svc.clusterset.local', 'SRV', { edns: 1232 });
    for (let i = 0; i < 3000; i++) {
      const input = Buffer.from(base);
      for (let j = 0; j < 1 + Math.floor(random() * 4); j++) input[Math.floor(random() * input.length)] = Math.floor(random() * 256);
      const out = handler.handle(input.subarray(0, Math.floor(random() * input.length) + 1), 'udp');
      if (out !== undefined) assert.doesNotThrow(() => dnsPacket.decode(out));
    }
    assert.ok(await counterValue(metrics.malformed) > 0);
    assert.equal(await counterValue(metrics.responses, { proto: 'udp', rcode: 'SERVFAIL' }), 0);
  });

  it('records queries, responses by rcode and latency', async () => {
    const { handler, metrics } = world();
    ask(handler, 'nginx.default.svc.clusterset.local', 'A');
    ask(handler, 'missing.default.svc.clusterset.local', 'A', { protocol: 'tcp' });
    ask(handler, 'www.example.com', 'A');
    assert.equal(await counterValue(metrics.queries, { proto: 'udp', type: 'A' }), 2);
    assert.equal(await counterValue(metrics.responses, { proto: 'udp', rcode: 'NOERROR' }), 1);
    assert.equal(await counterValue(metrics.responses, { proto: 'tcp', rcode: 'NXDOMAIN' }), 1);
    assert.equal(await counterValue(metrics.responses, { proto: 'udp', rcode: 'REFUSED' }), 1);
    assert.equal(await observations(metrics.duration), 3);
  });
});
