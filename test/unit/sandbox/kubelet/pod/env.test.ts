import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerEnv, ContainerConfigError, expandCommand, expandVars, fieldValue, kubernetesServiceEnv, parseQuantity, resourceValue } from '../../../../../src/sandbox/kubelet/pod/env.js';

const pod: V1Pod = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'x' } },
  spec: { nodeName: 'cluster1-worker', serviceAccountName: 'web', containers: [] },
};
const facts = { podIp: '10.241.1.5', hostIp: '10.250.1.12', allocatable: { cpu: '32', memory: '64Gi' } };

/** Secrets and ConfigMaps of namespace "shop", with state, as the apiserver would hold them. */
const objects = {
  secrets: new Map<string, Record<string, string>>([['db', { password: 's3cret', user: 'app' }]]),
  configMaps: new Map<string, Record<string, string>>([['settings', { MODE: 'fast', 'bad=key': 'no', LEVEL: '3' }]]),
};
const lookup = {
  secret: async (ns: string, name: string) => (ns === 'shop' ? objects.secrets.get(name) : undefined),
  configMap: async (ns: string, name: string) => (ns === 'shop' ? objects.configMaps.get(name) : undefined),
};

void describe('container environment', () => {
  void it('expands $(VAR), keeps unknown references and unescapes $$', () => {
    const env: Record<string, string> = { A: 'one', B: 'two' };
    const get = (n: string): string | undefined => env[n];
    assert.equal(expandVars('$(A)-$(B)', get), 'one-two');
    assert.equal(expandVars('$(MISSING) and $$(A) and $', get), '$(MISSING) and $(A) and $');
    assert.equal(expandVars('$(A', get), '$(A');
  });

  void it('reads downward-API fields', () => {
    assert.equal(fieldValue(pod, 'metadata.name', facts), 'web-1');
    assert.equal(fieldValue(pod, 'metadata.namespace', facts), 'shop');
    assert.equal(fieldValue(pod, 'spec.nodeName', facts), 'cluster1-worker');
    assert.equal(fieldValue(pod, 'status.podIP', facts), '10.241.1.5');
    assert.equal(fieldValue(pod, 'status.hostIP', facts), '10.250.1.12');
    assert.equal(fieldValue(pod, "metadata.labels['tier']", facts), 'front');
    assert.equal(fieldValue(pod, 'metadata.labels', facts), 'app="web"\ntier="front"');
    assert.throws(() => fieldValue(pod, 'spec.bogus', facts), ContainerConfigError);
  });

  void it('resolves env in order: service variables, envFrom, env with $(VAR) against what precedes', async () => {
    const c: V1Container = {
      name: 'app',
      envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }, { secretRef: { name: 'db' } }],
      env: [
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'URL', value: 'http://$(KUBERNETES_SERVICE_HOST):$(PORT)/$(NODE)' },
        { name: 'PORT', value: '8080' },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'LEVEL' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      ],
      resources: { limits: { memory: '128Mi' } },
    };
    const env = await containerEnv(pod, c, facts, lookup, kubernetesServiceEnv('10.141.0.1', 443));
    assert.equal(env.CFG_MODE, 'fast');
    assert.equal(env['CFG_bad=key'], undefined);
    assert.equal(env.user, 'app');
    assert.equal(env.NODE, 'cluster1-worker');
    assert.equal(env.URL, 'http://10.141.0.1:$(PORT)/cluster1-worker');
    assert.equal(env.PASS, 's3cret');
    assert.equal(env.LEVEL, '3');
    assert.equal('OPT' in env, false);
    assert.equal(env.MEM, '128');
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.KUBERNETES_PORT_443_TCP_ADDR, '10.141.0.1');
  });

  void it('fails with CreateContainerConfigError wording when a referenced object or key is missing', async () => {
    const missingSecret: V1Container = { name: 'a', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] };
    await assert.rejects(containerEnv(pod, missingSecret, facts, lookup), { name: 'ContainerConfigError', message: 'secret "nope" not found' });
    const missingKey: V1Container = { name: 'a', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'token' } } }] };
    await assert.rejects(containerEnv(pod, missingKey, facts, lookup), /couldn't find key token in Secret shop\/db/);
  });

  void it('expands command and args against the container environment', () => {
    const c: V1Container = { name: 'a', command: ['kube-proxy', '--hostname-override=$(NODE_NAME)'], args: ['$(UNSET)', '$$(NODE_NAME)'] };
    assert.deepEqual(expandCommand(c, { NODE_NAME: 'n1' }), { command: ['kube-proxy', '--hostname-override=n1'], args: ['$(UNSET)', '$(NODE_NAME)'] });
  });

  void it('converts quantities for resourceFieldRef (node allocatable without a limit)', () => {
    assert.equal(parseQuantity('100m'), 0.1);
    assert.equal(parseQuantity('1Gi'), 2 ** 30);
    assert.equal(parseQuantity('2e3'), 2000);
    assert.equal(resourceValue({ name: 'a', resources: { limits: { cpu: '250m' } } }, { resource: 'limits.cpu' }, facts.allocatable), '1');
    assert.equal(resourceValue({ name: 'a', resources: { limits: { cpu: '250m' } } }, { resource: 'limits.cpu', divisor: '1m' }, facts.allocatable), '250');
    assert.equal(resourceValue({ name: 'a' }, { resource: 'limits.cpu' }, facts.allocatable), '32');
    assert.equal(resourceValue({ name: 'a' }, { resource: 'requests.memory' }, facts.allocatable), '0');
  });
});
