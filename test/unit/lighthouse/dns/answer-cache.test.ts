import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { AnswerCache } from '../../../../src/lighthouse/dns/answer-cache.js';
import { answerData, endpointSlice, queryPacket, world } from './fixtures.js';

const Z = 'clusterset.local';

void describe('pre-encoded answers', () => {
  void it('answers a repeated query with the bytes of the first answer under the new ID', () => {
    const { handler } = world();
    const first = handler.handle(queryPacket(`nginx.default.svc.${Z}`, 'A', { id: 1 }), 'udp');
    const again = handler.handle(queryPacket(`nginx.default.svc.${Z}`, 'A', { id: 2 }), 'udp');
    assert.ok(first && again);
    assert.equal(again.readUInt16BE(0), 2);
    assert.deepEqual(again.subarray(2), first.subarray(2));
    assert.notEqual(again, first, 'every reply is a buffer of its own');
  });

  void it('rebuilds an answer when the services change', () => {
    const { handler, resolver } = world();
    const ask = () => answerData(dnsPacket.decode(handler.handle(queryPacket(`unready.default.svc.${Z}`, 'A'), 'udp') ?? Buffer.alloc(0)));
    assert.deepEqual(ask(), ['10.1.0.50']);
    resolver.upsertEndpointSlice(endpointSlice({ namespace: 'default', service: 'unready', cluster: 'east', endpoints: [{ addresses: ['10.0.0.50'] }] }));
    assert.deepEqual(ask(), ['10.0.0.50']);
  });

  void it('counts every query and response in the metrics, answered from the cache or not', async () => {
    const { handler, metrics } = world();
    for (let id = 1; id <= 3; id++) handler.handle(queryPacket(`nginx.default.svc.${Z}`, 'A', { id }), 'udp');
    const queries = (await metrics.queries.get()).values.find((v) => v.labels.type === 'A' && v.labels.proto === 'udp');
    const responses = (await metrics.responses.get()).values.find((v) => v.labels.rcode === 'NOERROR');
    assert.equal(queries?.value, 3);
    assert.equal(responses?.value, 3);
  });

  void it('tells queries apart by every byte after the ID and by transport', () => {
    let version = 0;
    const cache = new AnswerCache(() => version);
    const q = queryPacket(`nginx.default.svc.${Z}`, 'A', { id: 9 });
    cache.store(q, 'udp', { wire: Buffer.from([0, 9, 1, 2, 3]), type: 'A', rcode: 'NOERROR', truncated: false });
    assert.deepEqual([...(cache.reply(Buffer.from(q), 'udp')?.wire ?? [])], [0, 9, 1, 2, 3]);
    assert.equal(cache.reply(q, 'tcp'), undefined);
    assert.equal(cache.reply(queryPacket(`nginx.default.svc.${Z}`, 'A', { id: 9, edns: 1232 }), 'udp'), undefined);
    version++;
    assert.equal(cache.reply(q, 'udp'), undefined);
    assert.equal(cache.size, 0);
  });
});
