import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { writeAtomicDir } from '../../../../../src/sandbox/kubelet/pod/atomic-dir.js';
import { PodVolumes, VolumeError, type VolumeContext } from '../../../../../src/sandbox/kubelet/pod/volumes.js';

const root = mkdtempSync(join(tmpdir(), 'ksub-vol-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** ConfigMaps and Secrets of namespace "shop" that tests change, and the tokens handed out. */
class FakeObjects {
  configMaps = new Map<string, Record<string, string>>();
  secrets = new Map<string, Record<string, string>>();
  tokens: string[] = [];
  config = {
    configMap: async (_ns: string, name: string) => bytes(this.configMaps.get(name)),
    secret: async (_ns: string, name: string) => bytes(this.secrets.get(name)),
  };
  tokenSource = {
    token: async (_pod: V1Pod, audience: string | undefined, exp: number) => {
      const t = `token-${this.tokens.length}-${audience ?? 'api'}-${exp}`;
      this.tokens.push(t);
      return t;
    },
  };
}
const bytes = (d: Record<string, string> | undefined) => (d ? Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Buffer.from(v)])) : undefined);

function context(name: string, pod: V1Pod, objects: FakeObjects): VolumeContext {
  return {
    pod, podDir: join(root, name, 'pod'), nodeDir: join(root, name, 'node'),
    facts: { podIp: '10.241.1.5', hostIp: '10.250.1.11', allocatable: {} },
    config: objects.config, tokens: objects.tokenSource, caData: 'CLUSTER-CA',
  };
}

const kubeApiAccess = {
  name: 'kube-api-access-x1',
  projected: {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

void describe('pod volumes', () => {
  void it('writes files atomically behind ..data and skips unchanged content', () => {
    const dir = join(root, 'atomic');
    assert.equal(writeAtomicDir(dir, new Map([['a', { data: Buffer.from('1'), mode: 0o600 }], ['sub/b', { data: Buffer.from('2'), mode: 0o644 }]])), true);
    assert.equal(readFileSync(join(dir, 'sub/b'), 'utf8'), '2');
    assert.ok(lstatSync(join(dir, 'a')).isSymbolicLink());
    assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o600);
    assert.equal(writeAtomicDir(dir, new Map([['a', { data: Buffer.from('1'), mode: 0o600 }], ['sub/b', { data: Buffer.from('2'), mode: 0o644 }]])), false);
    assert.equal(writeAtomicDir(dir, new Map([['a', { data: Buffer.from('9'), mode: 0o600 }]])), true);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '9');
    assert.equal(existsSync(join(dir, 'sub')), false);
    assert.deepEqual(readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data').length, 1);
    assert.throws(() => writeAtomicDir(dir, new Map([['../escape', { data: Buffer.from(''), mode: 0o644 }]])), /invalid volume item path/);
  });

  void it('fills the service-account volume: bound token, cluster CA (before kube-root-ca.crt exists), namespace', async () => {
    const objects = new FakeObjects();
    const pod: V1Pod = { metadata: { name: 'web', namespace: 'shop', uid: 'u1' }, spec: { containers: [], volumes: [kubeApiAccess] } };
    const volumes = new PodVolumes(context('sa', pod, objects));
    const dir = (await volumes.prepare()).get('kube-api-access-x1')?.path ?? '';
    assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'token-0-api-3607');
    assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), 'CLUSTER-CA');
    assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), 'shop');
    objects.configMaps.set('kube-root-ca.crt', { 'ca.crt': 'PUBLISHED-CA' });
    assert.deepEqual(await volumes.refresh(), ['kube-api-access-x1']);
    assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), 'PUBLISHED-CA');
  });

  void it('keeps ConfigMap and Secret volumes up to date, with items and modes', async () => {
    const objects = new FakeObjects();
    objects.configMaps.set('coredns', { Corefile: '.:53 {}', other: 'x' });
    objects.secrets.set('tls', { 'tls.key': 'KEY' });
    const pod: V1Pod = {
      metadata: { name: 'dns', namespace: 'shop', uid: 'u2' },
      spec: {
        containers: [],
        volumes: [
          { name: 'config', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } },
          { name: 'certs', secret: { secretName: 'tls', defaultMode: 0o400 } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
    };
    const volumes = new PodVolumes(context('cm', pod, objects));
    const prepared = await volumes.prepare();
    const config = prepared.get('config')?.path ?? '';
    assert.deepEqual(readdirSync(config).filter((e) => !e.startsWith('..')), ['Corefile']);
    assert.equal(statSync(join(prepared.get('certs')?.path ?? '', 'tls.key')).mode & 0o777, 0o400);
    assert.equal(prepared.get('scratch')?.kind, 'dir');
    assert.deepEqual(await volumes.refresh(), []);
    objects.configMaps.set('coredns', { Corefile: '.:53 { reload }' });
    assert.deepEqual(await volumes.refresh(), ['config']);
    assert.equal(readFileSync(join(config, 'Corefile'), 'utf8'), '.:53 { reload }');
  });

  void it('waits for missing objects and keys, unless they are optional', async () => {
    const objects = new FakeObjects();
    const pod = (volume: object): V1Pod => ({ metadata: { name: 'p', namespace: 'shop', uid: 'u3' }, spec: { containers: [], volumes: [volume as never] } });
    await assert.rejects(new PodVolumes(context('m1', pod({ name: 'v', secret: { secretName: 'absent' } }), objects)).prepare(), { name: 'VolumeError', message: 'secret "absent" not found' });
    objects.configMaps.set('cm', { a: '1' });
    await assert.rejects(new PodVolumes(context('m2', pod({ name: 'v', configMap: { name: 'cm', items: [{ key: 'b', path: 'b' }] } }), objects)).prepare(), /non-existent key b/);
    const optional = await new PodVolumes(context('m3', pod({ name: 'v', secret: { secretName: 'absent', optional: true } }), objects)).prepare();
    assert.deepEqual(readdirSync(optional.get('v')?.path ?? '').filter((e) => !e.startsWith('..')), []);
    await assert.rejects(new PodVolumes(context('m4', pod({ name: 'v', persistentVolumeClaim: { claimName: 'c' } }), objects)).prepare(), VolumeError);
  });

  void it('keeps hostPath paths missing on the host inside the node directory', async () => {
    const objects = new FakeObjects();
    const ctx = context('hp', {
      metadata: { name: 'p', namespace: 'shop', uid: 'u4' },
      spec: { containers: [], volumes: [
        { name: 'lock', hostPath: { path: '/ksub-test-missing/xtables.lock', type: 'FileOrCreate' } },
        { name: 'dir', hostPath: { path: '/ksub-test-missing/dir' } },
        { name: 'etc', hostPath: { path: '/etc', type: 'Directory' } },
      ] },
    }, objects);
    const vols = await new PodVolumes(ctx).prepare();
    assert.equal(vols.get('lock')?.path, join(ctx.nodeDir, 'host', '/ksub-test-missing/xtables.lock'));
    assert.equal(vols.get('lock')?.kind, 'file');
    assert.equal(vols.get('dir')?.kind, 'dir');
    assert.equal(vols.get('etc')?.path, '/etc');
    assert.equal(existsSync('/ksub-test-missing'), false);
    await assert.rejects(new PodVolumes({ ...ctx, pod: { ...ctx.pod, spec: { containers: [], volumes: [{ name: 'x', hostPath: { path: '/etc/passwd', type: 'Directory' } }] } } }).prepare(), /is not a directory/);
  });
});
