import type { V1Pod } from '@kubernetes/client-node';
import { nthIp } from '../../../net/cidr.js';
import type { ConfigLookup } from './env.js';
import type { KubeApi } from '../kube-client.js';

/** Secret and ConfigMap data as bytes; undefined when the object does not exist. */
export interface ConfigSource {
  secret(namespace: string, name: string): Promise<Record<string, Buffer> | undefined>;
  configMap(namespace: string, name: string): Promise<Record<string, Buffer> | undefined>;
}

/** Service-account tokens bound to a pod. */
export interface TokenSource {
  token(pod: V1Pod, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

interface SecretObj {
  data?: Record<string, string>;
}
interface ConfigMapObj {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

const seg = encodeURIComponent;

/** Reads through the apiserver, caching each object for a second so that one sync reads it once. */
export class ApiConfigSource implements ConfigSource {
  private readonly cache = new Map<string, { at: number; value: Promise<Record<string, Buffer> | undefined> }>();

  constructor(private readonly api: KubeApi) {}

  private cached(key: string, load: () => Promise<Record<string, Buffer> | undefined>): Promise<Record<string, Buffer> | undefined> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < 1000) return hit.value;
    const value = load();
    this.cache.set(key, { at: Date.now(), value });
    value.catch(() => this.cache.delete(key));
    if (this.cache.size > 500) for (const [k, v] of this.cache) if (Date.now() - v.at >= 1000) this.cache.delete(k);
    return value;
  }

  secret(namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
    return this.cached(`s/${namespace}/${name}`, async () => {
      const s = await this.api.get<SecretObj>(`/api/v1/namespaces/${seg(namespace)}/secrets/${seg(name)}`);
      if (!s) return undefined;
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    });
  }

  configMap(namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
    return this.cached(`c/${namespace}/${name}`, async () => {
      const c = await this.api.get<ConfigMapObj>(`/api/v1/namespaces/${seg(namespace)}/configmaps/${seg(name)}`);
      if (!c) return undefined;
      return {
        ...Object.fromEntries(Object.entries(c.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
        ...Object.fromEntries(Object.entries(c.data ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
      };
    });
  }
}

/** The ConfigLookup of env resolution over a ConfigSource (values as text). */
export function textLookup(source: ConfigSource): ConfigLookup {
  const text = (d: Record<string, Buffer> | undefined) => (d ? Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.toString()])) : undefined);
  return {
    secret: async (ns, name) => text(await source.secret(ns, name)),
    configMap: async (ns, name) => text(await source.configMap(ns, name)),
  };
}

interface TokenResponse {
  status?: { token?: string; expirationTimestamp?: string };
}

/** TokenRequest tokens bound to the pod, reused until 80% of their lifetime has passed. */
export class ApiTokenSource implements TokenSource {
  private readonly cache = new Map<string, { token: string; refreshAt: number; podUid: string }>();

  constructor(private readonly api: KubeApi) {}

  async token(pod: V1Pod, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const uid = pod.metadata?.uid ?? '';
    const key = `${uid}/${audience ?? ''}/${expirationSeconds}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() < hit.refreshAt) return hit.token;
    const ns = pod.metadata?.namespace ?? 'default';
    const sa = pod.spec?.serviceAccountName || 'default';
    const res = await this.api.post<TokenResponse>(`/api/v1/namespaces/${seg(ns)}/serviceaccounts/${seg(sa)}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: audience ? [audience] : [],
        expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid },
      },
    });
    const token = res.status?.token;
    if (!token) throw new Error(`the apiserver returned no token for service account ${ns}/${sa}`);
    const expires = Date.parse(res.status?.expirationTimestamp ?? '') || Date.now() + expirationSeconds * 1000;
    this.cache.set(key, { token, refreshAt: Date.now() + 0.8 * (expires - Date.now()), podUid: uid });
    return token;
  }

  /** Forgets the tokens of a pod that is gone. */
  forget(podUid: string): void {
    for (const [k, v] of this.cache) if (v.podUid === podUid) this.cache.delete(k);
  }
}

interface ServiceObj {
  spec?: { clusterIP?: string; ports?: { port?: number }[] };
}

/** The `kubernetes` Service's ClusterIP and port, read once (the first address of the Service range until it exists). */
export class KubernetesService {
  private found: { host: string; port: number } | undefined;

  constructor(
    private readonly api: KubeApi,
    private readonly serviceCidr: string,
  ) {}

  async address(): Promise<{ host: string; port: number }> {
    if (this.found) return this.found;
    const svc = await this.api.get<ServiceObj>('/api/v1/namespaces/default/services/kubernetes').catch(() => undefined);
    const host = svc?.spec?.clusterIP;
    if (host) {
      this.found = { host, port: svc.spec?.ports?.[0]?.port ?? 443 };
      return this.found;
    }
    return { host: nthIp(this.serviceCidr, 1), port: 443 };
  }
}
