import { test } from 'node:test';
import assert from 'node:assert/strict';
import { removeCorednsForward, renderCorednsForward } from '../../../src/operator/corefile.js';

const kubeadmCorefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
}
`;

const forward = { domains: ['clusterset.local', 'example.org'], dnsServiceIP: '10.96.0.53' };

void test('corefile: inserts one forward server per domain between the lighthouse markers', () => {
  assert.equal(
    renderCorednsForward(kubeadmCorefile, forward),
    `#lighthouse-start AUTO-GENERATED SECTION. DO NOT EDIT
clusterset.local:53 {
    forward . 10.96.0.53
}
example.org:53 {
    forward . 10.96.0.53
}
#lighthouse-end
${kubeadmCorefile}`,
  );
});

void test('corefile: applying twice is the same as applying once', () => {
  const once = renderCorednsForward(kubeadmCorefile, forward);
  assert.equal(renderCorednsForward(once, forward), once);
});

void test('corefile: an existing block is replaced, not duplicated', () => {
  const old = renderCorednsForward(kubeadmCorefile, { domains: ['clusterset.local', 'old.org'], dnsServiceIP: '10.96.0.10' });
  const updated = renderCorednsForward(old, { domains: ['clusterset.local'], dnsServiceIP: '10.96.0.99' });
  assert.equal(updated.match(/#lighthouse-start/g)?.length, 1);
  assert.ok(!updated.includes('old.org'));
  assert.ok(!updated.includes('10.96.0.10'));
  assert.ok(updated.includes('clusterset.local:53 {\n    forward . 10.96.0.99\n}\n'));
  assert.ok(updated.endsWith(kubeadmCorefile));
});

void test('corefile: the port comes from the existing .:<port> server', () => {
  const custom = kubeadmCorefile.replace('.:53 {', '.:5353 {');
  const out = renderCorednsForward(custom, forward);
  assert.ok(out.includes('clusterset.local:5353 {'));
  assert.ok(out.includes('example.org:5353 {'));
  assert.ok(renderCorednsForward('', forward).includes('clusterset.local:53 {'), 'default 53 without a root server');
});

void test('corefile: removal returns the original Corefile', () => {
  assert.equal(removeCorednsForward(renderCorednsForward(kubeadmCorefile, forward)), kubeadmCorefile);
  assert.equal(removeCorednsForward(kubeadmCorefile), kubeadmCorefile);
  const noTrailingNewline = kubeadmCorefile.trimEnd();
  assert.equal(removeCorednsForward(renderCorednsForward(noTrailingNewline, forward)), noTrailingNewline);
});

void test('corefile: a block edited in the middle of the file is still removed', () => {
  const block = renderCorednsForward('', forward);
  const mixed = `${kubeadmCorefile}${block}extra.org:53 {\n    forward . 1.1.1.1\n}\n`;
  assert.equal(removeCorednsForward(mixed), `${kubeadmCorefile}extra.org:53 {\n    forward . 1.1.1.1\n}\n`);
});

void test('corefile: bad input is refused with a clear message', () => {
  assert.throws(() => renderCorednsForward(kubeadmCorefile, { ...forward, dnsServiceIP: 'lighthouse' }), /"lighthouse" is not an IPv4 address/);
  assert.throws(() => renderCorednsForward(kubeadmCorefile, { ...forward, domains: ['bad domain'] }), /not a DNS domain name/);
  const unterminated = `#lighthouse-start AUTO-GENERATED SECTION. DO NOT EDIT\nclusterset.local:53 {\n${kubeadmCorefile}`;
  assert.throws(() => removeCorednsForward(unterminated), /no "#lighthouse-end" after it/);
});
