import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket, { type Answer } from 'dns-packet';
import { plainQuestion, writeResponse } from '../../../../src/lighthouse/dns/wire.js';
import { queryPacket } from './fixtures.js';

const NAME = 'nginx.default.svc.clusterset.local';
const soa: Answer = {
  type: 'SOA',
  name: 'clusterset.local',
  ttl: 5,
  data: { mname: 'ns.dns.clusterset.local', rname: 'hostmaster.clusterset.local', serial: 42, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
};
const a = (i: number): Answer => ({ type: 'A', name: NAME, ttl: 5, data: `10.0.${i >> 8}.${i & 255}` });

/** What dns-packet encodes for the same response. */
function reference(answers: Answer[], authorities: Answer[], opt: boolean, flags = 0x0500): Buffer {
  const question = dnsPacket.decode(queryPacket(NAME, 'A')).questions ?? [];
  const additionals: Answer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0x8000, flag_do: true, options: [] }] : [];
  return dnsPacket.encode({ type: 'response', id: 4242, flags, questions: question, answers, authorities, additionals });
}

function write(answers: Answer[], authorities: Answer[], opt: boolean, limit = 65535) {
  const question = plainQuestion(queryPacket(NAME, 'A'));
  return writeResponse(
    { id: 4242, flags: 0x0500, question, answers, authorities, opt: opt ? { udpPayloadSize: 1232, extendedRcode: 0, flags: 0x8000 } : undefined },
    limit,
  );
}

describe('the response writer', () => {
  it('writes A, SRV, TXT and SOA records and the OPT record byte for byte as dns-packet does', () => {
    // Fresh records for each encoding: dns-packet turns TXT strings into Buffers in place.
    const answers = (): Answer[] => [
      a(1),
      a(2),
      { type: 'SRV', name: `_http._tcp.${NAME}`, ttl: 5, data: { priority: 0, weight: 50, port: 80, target: `east.${NAME}` } },
      { type: 'TXT', name: `dns-version.clusterset.local`, ttl: 5, data: ['1.0.0'] },
    ];
    for (const opt of [false, true]) {
      assert.deepEqual(write(answers(), [], opt)?.wire, reference(answers(), [], opt));
      assert.deepEqual(write([], [soa], opt)?.wire, reference([], [soa], opt));
    }
  });

  it('truncates like the dns-packet path: TC set, no authorities, only the answers that fit', () => {
    const answers = Array.from({ length: 40 }, (_, i) => a(i));
    const written = write(answers, [soa], true, 512);
    assert.ok(written !== undefined && written.truncated);
    assert.ok(written.wire.length <= 512, `${written.wire.length} bytes`);
    const decoded = dnsPacket.decode(written.wire);
    assert.equal(decoded.flag_tc, true);
    assert.equal(decoded.authorities?.length, 0);
    assert.equal(decoded.additionals?.[0]?.type, 'OPT');
    const kept = decoded.answers?.length ?? 0;
    assert.ok(reference(answers.slice(0, kept), [], true).length <= 512 && reference(answers.slice(0, kept + 1), [], true).length > 512, `${kept} answers kept`);
  });

  it('leaves what it does not write to dns-packet', () => {
    assert.equal(write([{ type: 'AAAA', name: NAME, ttl: 5, data: 'fd00::1' }], [], false), undefined);
    assert.equal(write([{ type: 'MX', name: NAME, ttl: 5, data: { preference: 10, exchange: 'mx.example.org' } }], [], false), undefined);
    assert.equal(write([{ type: 'A', name: 'ünïcode.clusterset.local', ttl: 5, data: '10.0.0.1' }], [], false), undefined);
    assert.equal(write([{ type: 'A', name: NAME, ttl: 5, data: '10.0.0.256' }], [], false), undefined);
  });

  it('echoes only a single question with a plain name', () => {
    const query = queryPacket(NAME, 'SRV');
    assert.deepEqual(plainQuestion(query), query.subarray(12, 12 + NAME.length + 2 + 4));
    const two = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: NAME, type: 'A' }, { name: NAME, type: 'AAAA' }] });
    assert.equal(plainQuestion(two), undefined);
    const compressed = Buffer.concat([query.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    assert.equal(plainQuestion(compressed), undefined);
    assert.equal(plainQuestion(query.subarray(0, query.length - 2)), undefined, 'a question cut short');
  });
});
