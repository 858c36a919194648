import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCni } from '../../../src/diagnose/checks/cni.js';
import { checkConnections } from '../../../src/diagnose/checks/connections.js';
import { checkDeployment, mtuFindings } from '../../../src/diagnose/checks/deployment.js';
import { checkGlobalnet } from '../../../src/diagnose/checks/globalnet.js';
import { checkK8sVersion } from '../../../src/diagnose/checks/k8s-version.js';
import { checkKubeProxyMode } from '../../../src/diagnose/checks/kube-proxy-mode.js';
import { checkServiceDiscovery } from '../../../src/diagnose/checks/service-discovery.js';
import { failed, type CheckResult } from '../../../src/diagnose/model.js';
import { renderReport } from '../../../src/diagnose/render.js';
import * as show from '../show/fixtures.js';
import { gatewayEnv } from '../../../src/api/agent-env.js';
import { east, ipLink, nodeOutputs, routeAgentPod } from './fixtures.js';

const messages = (r: CheckResult, status: 'pass' | 'fail' | 'skip'): string[] => r.findings.filter((f) => f.status === status).map((f) => f.message);

void describe('diagnose checks on recorded inputs', () => {
  void it('k8s-version passes 1.36 and fails 1.18, naming the minimum', () => {
    assert.equal(failed(checkK8sVersion(east())), false);
    const old = checkK8sVersion(east({ version: { major: '1', minor: '18+', gitVersion: 'v1.18.20' } }));
    assert.deepEqual(messages(old, 'fail'), ['Kubernetes v1.18.20 is too old for connectivity']);
    assert.match(old.findings[0]?.fix ?? '', /1\.19 or later/);
  });

  void it('cni accepts kindnet and rejects an unknown plugin', () => {
    assert.deepEqual(messages(checkCni(east()), 'pass'), ['the network plugin "kindnet" is supported']);
    const odd = checkCni(east({ submariner: { ...show.submariner, status: { networkPlugin: 'cilium' } } }));
    assert.deepEqual(messages(odd, 'fail'), ['the network plugin "cilium" is not supported']);
  });

  void it('kube-proxy-mode fails on the node that has kube-ipvs0', () => {
    const ipvs = east({ nodeOutputs: { 'east-gw': nodeOutputs(), 'east-worker': { ...nodeOutputs(), 'ip_-d_link': { code: 0, stdout: ipLink(1450, '7: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN'), stderr: '' } } } });
    const r = checkKubeProxyMode(ipvs);
    assert.deepEqual(messages(r, 'fail'), ['kube-proxy runs in IPVS mode on east-worker (interface kube-ipvs0)']);
    assert.deepEqual(messages(r, 'pass'), ['kube-proxy does not run in IPVS mode on east-gw']);
  });

  void it('connections passes the connected cluster and fails the connecting one with its message', () => {
    const r = checkConnections(east());
    assert.deepEqual(messages(r, 'pass'), ['gateway east-gw is connected to west (west-gw, 192.168.242.2) (RTT 794.04µs)']);
    assert.deepEqual(messages(r, 'fail'), ['the connection from east-gw to north (north-gw) is connecting: waiting for the first handshake']);
    assert.match(r.lookedAt, /Gateway/);
  });

  void it('deployment passes a cluster whose pods run the rendered template with one active gateway', () => {
    const r = checkDeployment(east());
    assert.deepEqual(messages(r, 'fail'), []);
    assert.ok(messages(r, 'pass').includes('exactly one gateway is active (east-gw)'));
    assert.ok(messages(r, 'pass').includes('DaemonSet submariner-routeagent has 2/2 pods ready'));
  });

  void it('deployment fails a pod on another image, a crash loop, two active gateways and an overlay MTU above the path', () => {
    const r = checkDeployment(
      east({
        pods: [routeAgentPod('east-gw', {}, 'quay.io/submariner/submariner-route-agent:0.20'), routeAgentPod('east-worker', { containerStatuses: [{ name: 'x', ready: false, restartCount: 7, image: '', imageID: '' }] })],
        gateways: [show.activeGateway, { ...show.passiveGateway, status: { ...show.passiveGateway.status!, haStatus: 'active' } }],
        nodeOutputs: { 'east-worker': nodeOutputs(1500) },
      }),
    );
    assert.deepEqual(messages(r, 'fail'), [
      'pod submariner-routeagent-east-gw runs image quay.io/submariner/submariner-route-agent:0.20, its workload renders quay.io/submariner/submariner-route-agent:devel',
      'pod submariner-routeagent-east-worker on east-worker is running but not ready',
      'pod submariner-routeagent-east-worker on east-worker has restarted 7 times',
      '2 gateways are active (east-gw, east-gw2)',
      'vx-submariner on east-worker has MTU 1500, but eth0 carries only 1500: packets over 1450 bytes are dropped',
    ]);
  });

  void it('deployment names a workload env that disagrees with the Submariner object', () => {
    const ds = structuredClone(east().daemonSets[0]!);
    ds.spec!.template.spec!.containers[0]!.env!.find((e) => e.name === 'SUBMARINER_CLUSTERID')!.value = 'west';
    const r = checkDeployment(east({ daemonSets: [ds], pods: [] }));
    assert.ok(messages(r, 'fail').includes('DaemonSet submariner-routeagent runs with SUBMARINER_CLUSTERID=west but the Submariner object says east'));
  });

  void it('deployment does not ask a gateway rendered before GOMAXPROCS to be joined again', () => {
    const ds = structuredClone(east().daemonSets[0]!);
    ds.metadata!.name = 'submariner-gateway';
    const all = [...new Set(Object.values(gatewayEnv))].map((name) => ({ name, value: 'x' }));
    ds.spec!.template.spec!.containers[0]!.env = all.filter((e) => e.name !== gatewayEnv.goMaxProcs);
    assert.deepEqual(messages(checkDeployment(east({ daemonSets: [ds], pods: [] })), 'fail').filter((m) => m.includes('does not set')), []);
    ds.spec!.template.spec!.containers[0]!.env = all.filter((e) => e.name !== gatewayEnv.cableDriver);
    assert.deepEqual(messages(checkDeployment(east({ daemonSets: [ds], pods: [] })), 'fail').filter((m) => m.includes('does not set')), [
      'DaemonSet submariner-gateway does not set SUBMARINER_CABLEDRIVER, which the gateway agent reads',
    ]);
  });

  void it('the MSS clamp must fit the overlay', () => {
    const out = { ...nodeOutputs(1450), 'iptables-save_mangle': { code: 0, stdout: '-A SUBMARINER-POSTROUTING -p tcp -j TCPMSS --set-mss 1460\n', stderr: '' } };
    assert.deepEqual(mtuFindings('n1', out).map((f) => f.status), ['pass', 'fail']);
  });

  void it('service-discovery fails an export without Service and passes a complete one', () => {
    const cond = (type: string) => ({ type, status: 'True' as const, lastTransitionTime: '', reason: type, message: '' });
    const exp = (name: string) => ({ apiVersion: 'multicluster.x-k8s.io/v1beta1' as const, kind: 'ServiceExport' as const, metadata: { name, namespace: 'demo' }, status: { conditions: [cond('Valid'), cond('Ready')] } });
    const r = checkServiceDiscovery(
      east({
        serviceDiscovery: { apiVersion: 'submariner.io/v1alpha1', kind: 'ServiceDiscovery', metadata: { name: 'service-discovery' }, spec: { clusterID: 'east' } as never },
        serviceExports: [exp('nginx'), exp('gone')],
        services: [{ metadata: { name: 'nginx', namespace: 'demo' } }, { metadata: { name: 'gone', namespace: 'other' } }],
        endpointSlices: ['nginx', 'gone'].map((n) => ({ endpoints: [], addressType: 'IPv4', metadata: { namespace: 'demo', labels: { 'multicluster.kubernetes.io/service-name': n, 'multicluster.kubernetes.io/source-cluster': 'east' } } })),
        serviceImports: ['nginx', 'gone'].map((n) => ({ apiVersion: 'multicluster.x-k8s.io/v1beta1' as const, kind: 'ServiceImport' as const, metadata: { name: n, namespace: 'demo' }, spec: { type: 'ClusterSetIP', ports: [] } as never })),
      }),
    );
    assert.deepEqual(messages(r, 'pass'), ['ServiceExport demo/nginx is Valid and Ready, with its Service, EndpointSlice and ServiceImport']);
    assert.deepEqual(messages(r, 'fail'), ['ServiceExport demo/gone has no Service']);
  });

  void it('globalnet is skipped when off and fails a cluster egress IP that is not allocated', () => {
    assert.deepEqual(checkGlobalnet(east()).findings.map((f) => f.status), ['skip']);
    const on = { ...show.submariner, spec: { ...show.submariner.spec, globalCIDR: '242.0.0.0/16' } };
    const r = checkGlobalnet(
      east({
        submariner: on,
        clusterGlobalEgressIPs: [{ apiVersion: 'submariner.io/v1', kind: 'ClusterGlobalEgressIP', metadata: { name: 'cluster-egress.submariner.io' }, spec: { numGlobalIPs: 8 }, status: { allocatedIPs: [] } }],
      }),
    );
    assert.deepEqual(messages(r, 'fail'), ['ClusterGlobalEgressIP cluster-egress.submariner.io has 0 of 8 global IPs (no Allocated condition yet)']);
  });

  void it('renders ✓/✗ lines, each failure with its fix, and a tally', () => {
    const text = renderReport([checkConnections(east())]);
    assert.match(text, /^connections on east \(looked at /);
    assert.match(text, /\n ✓ gateway east-gw is connected to west/);
    assert.match(text, /\n ✗ the connection from east-gw to north \(north-gw\) is connecting: waiting for the first handshake\n {3}fix: check the firewall/);
    assert.match(text, /1 check failed, 1 passed\.\n$/);
  });
});
