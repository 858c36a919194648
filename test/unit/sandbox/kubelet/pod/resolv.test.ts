import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResolvConf, podDns, renderResolvConf } from '../../../../../src/sandbox/kubelet/pod/resolv.js';

const host = parseResolvConf('# host\nnameserver 10.255.255.53\nsearch corp.example\noptions edns0\n');
const base = { namespace: 'shop', clusterDns: '10.141.0.10', host };

void describe('pod resolv.conf', () => {
  void it('points ClusterFirst pods at kube-dns with the cluster search path and ndots:5', () => {
    assert.equal(
      renderResolvConf(podDns(base)),
      'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.141.0.10\noptions ndots:5\n',
    );
  });

  void it('gives hostNetwork pods the host resolver unless they ask for ClusterFirstWithHostNet', () => {
    assert.equal(renderResolvConf(podDns({ ...base, hostNetwork: true })), 'search corp.example\nnameserver 10.255.255.53\noptions edns0\n');
    assert.match(renderResolvConf(podDns({ ...base, hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' })), /^nameserver 10\.141\.0\.10$/m);
    assert.match(renderResolvConf(podDns({ ...base, dnsPolicy: 'Default' })), /^nameserver 10\.255\.255\.53$/m);
  });

  void it('applies dnsConfig on top, and alone with dnsPolicy None', () => {
    const conf = podDns({ ...base, dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] } });
    assert.equal(renderResolvConf(conf), 'search a.example\nnameserver 1.1.1.1\noptions ndots:2 rotate\n');
    const merged = podDns({ ...base, dnsConfig: { options: [{ name: 'ndots', value: '1' }] } });
    assert.deepEqual(merged.options, ['ndots:1']);
  });
});
