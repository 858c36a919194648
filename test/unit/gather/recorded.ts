import type { RecordedCluster } from '../../../src/gather/bundle.js';
import type { CheckResult } from '../../../src/diagnose/model.js';
import * as show from '../show/fixtures.js';
import { east } from '../diagnose/fixtures.js';

// A fleet as gather records it: "east" joined (with its secrets), "south" unreachable.

export const realPsk = 'c2VjcmV0LXBzay0wMTIzNDU2Nzg5YWJjZGVm';
export const realToken = 'eyJhbGciOiJSUzI1NiJ9.broker-token-4f9a1c';
export const realCa = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBroker-CA-Body-0123456789abcdef\n-----END CERTIFICATE-----\n').toString('base64');
export const wgPrivateKey = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
export const xfrmKey = '0x6b1d0c5a5e2c4f1e9a7b3c2d1e0f9a8b';
export const kubeconfigToken = 'kubeconfig-user-token-9f8e7d6c';

export const eastRecord: RecordedCluster = {
  context: 'east',
  inputs: east({
    submariner: { ...show.submariner, spec: { ...show.submariner.spec, cableDriver: 'wireguard', ceIPSecPSK: realPsk, brokerK8sApiServerToken: realToken, brokerK8sCA: realCa } },
    serviceExports: [{ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'nginx', namespace: 'demo' }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: '' }] } }],
  }),
  objects: [
    { resource: 'secrets', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'submariner-ipsec-psk', namespace: 'submariner-operator' }, data: { psk: Buffer.from(realPsk).toString('base64') } } },
    { resource: 'secrets', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'submariner-broker-secret', namespace: 'submariner-operator' }, data: { token: Buffer.from(realToken).toString('base64'), 'ca.crt': realCa } } },
    { resource: 'submariners.submariner.io', object: { apiVersion: 'submariner.io/v1alpha1', kind: 'Submariner', metadata: { name: 'submariner', namespace: 'submariner-operator' }, spec: { clusterID: 'east', ceIPSecPSK: realPsk, brokerK8sApiServerToken: realToken, brokerK8sCA: realCa, brokerK8sApiServer: '172.18.0.2:6443' } } },
    { resource: 'daemonsets.apps', object: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'submariner-gateway', namespace: 'submariner-operator' }, spec: { template: { spec: { containers: [{ name: 'g', env: [{ name: 'CE_IPSEC_PSK', value: realPsk }, { name: 'SUBMARINER_CLUSTERID', value: 'east' }] }] } } } } },
    ...show.endpoints.map((e) => ({ resource: 'endpoints.submariner.io', object: e as never })),
  ],
  logs: [{ pod: 'submariner-gateway-abcde', current: `starting\nloaded PSK ${realPsk}\nbroker token ${realToken}\n`, previous: 'crashed once\n' }],
  commands: [
    { node: 'east-gw', name: 'wg_show', argv: ['wg', 'show'], result: { code: 0, stdout: `interface: submariner\n  public key: HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=\n  private key: ${wgPrivateKey}\n  listening port: 4500\n`, stderr: '' } },
    { node: 'east-gw', name: 'iptables-save', argv: ['iptables-save', '-c'], result: { code: 0, stdout: '*filter\n[12:960] -A INPUT -p udp -m udp --dport 4500 -j DROP\nCOMMIT\n', stderr: '' } },
    { node: 'east-gw', name: 'ip_xfrm_state', argv: ['ip', 'xfrm', 'state'], result: { code: 0, stdout: `src 10.250.1.2 dst 10.250.2.2\n\tproto esp spi 0xc1a2b3c4 reqid 1 mode tunnel\n\tauth-trunc hmac(sha256) ${xfrmKey} 128\n\tenc cbc(aes) ${xfrmKey}\n`, stderr: '' } },
    { node: 'east-gw', name: 'ipset_list', argv: ['ipset', 'list'], result: { code: 127, stdout: '', stderr: 'ipset: not found' } },
  ],
  extraSecrets: [kubeconfigToken],
};

export const southRecord: RecordedCluster = { context: 'south', error: 'connect ECONNREFUSED 10.9.9.9:6443', objects: [], logs: [], commands: [] };

export const checks: CheckResult[] = [
  {
    check: 'firewall',
    context: 'east',
    lookedAt: 'UDP probes',
    findings: [
      { status: 'fail', message: 'UDP 4500 (tunnel) from west-gw to east-gw is blocked; the rule `-A INPUT -p udp -m udp --dport 4500 -j DROP (on east-gw)` drops it', fix: 'allow UDP 4500 from west-gw to east-gw' },
      { status: 'pass', message: 'UDP 4800 (VXLAN) from east-worker to east-gw passes' },
    ],
  },
];
