import type { V1Container, V1Pod, V1ResourceFieldSelector } from '@kubernetes/client-node';

/** The container cannot be configured yet (a missing Secret or ConfigMap key): reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** Addresses and node facts a container's environment may refer to. */
export interface PodFacts {
  podIp: string;
  hostIp: string;
  /** Node allocatable, for resourceFieldRef without a limit. */
  allocatable: Record<string, string>;
}

/** Reads Secret and ConfigMap data (Secret values decoded); undefined when the object does not exist. */
export interface ConfigLookup {
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/**
 * Kubernetes `$(VAR)` expansion: `$(NAME)` becomes the variable's value when it is defined and stays
 * as written otherwise; `$$` is an escaped `$`.
 */
export function expandVars(text: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = text.indexOf(')', i + 2);
      if (end < 0) {
        out += text.slice(i);
        break;
      }
      const name = text.slice(i + 2, end);
      const value = lookup(name);
      out += value ?? `$(${name})`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}

const mapKey = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** The value of a downward-API fieldPath. */
export function fieldValue(pod: V1Pod, fieldPath: string, facts: Pick<PodFacts, 'podIp' | 'hostIp'>): string {
  const m = pod.metadata ?? {};
  const keyed = mapKey.exec(fieldPath);
  if (keyed) {
    const map = (keyed[1] === 'labels' ? m.labels : m.annotations) ?? {};
    return map[keyed[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name': return m.name ?? '';
    case 'metadata.namespace': return m.namespace ?? '';
    case 'metadata.uid': return m.uid ?? '';
    case 'metadata.labels': return formatMap(m.labels);
    case 'metadata.annotations': return formatMap(m.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP': case 'status.podIPs': return facts.podIp;
    case 'status.hostIP': case 'status.hostIPs': return facts.hostIp;
    default:
      throw new ContainerConfigError(`unsupported fieldRef fieldPath "${fieldPath}": use metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'], metadata.annotations['<key>'], spec.nodeName, spec.serviceAccountName, status.podIP or status.hostIP`);
  }
}

/** `key="value"` lines sorted by key, as the downward API writes labels and annotations. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k] ?? '')}`)
    .join('\n');
}

const suffixes: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A resource quantity (`100m`, `128Mi`, `1e3`, `2`) as a number. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+)(e[+-]?\d+|[a-zA-Z]*)$/.exec(q.trim());
  const num = m ? Number(m[1]) : NaN;
  const suffix = m?.[2] ?? '';
  const mult = suffix.startsWith('e') ? 10 ** Number(suffix.slice(1)) : suffixes[suffix];
  if (!m || Number.isNaN(num) || mult === undefined) throw new ContainerConfigError(`invalid resource quantity "${q}"`);
  return num * mult;
}

/** The value of a resourceFieldRef: the container's limit or request, the node's allocatable when a limit is unset. */
export function resourceValue(container: V1Container, sel: V1ResourceFieldSelector, allocatable: Record<string, string>): string {
  const [kind, resource = ''] = sel.resource.split(/\.(.*)/s);
  if ((kind !== 'limits' && kind !== 'requests') || resource === '') {
    throw new ContainerConfigError(`unsupported resourceFieldRef resource "${sel.resource}": use limits.<name> or requests.<name>`);
  }
  const set = (kind === 'limits' ? container.resources?.limits : container.resources?.requests) ?? {};
  const raw = set[resource] ?? (kind === 'limits' ? allocatable[resource] : undefined) ?? '0';
  const divisor = parseQuantity(sel.divisor ?? '1');
  return String(Math.ceil(parseQuantity(raw) / (divisor === 0 ? 1 : divisor) - 1e-9));
}

/** KUBERNETES_SERVICE_* variables for the `kubernetes` Service. */
export function kubernetesServiceEnv(host: string, port: number): Record<string, string> {
  const url = `tcp://${host}:${port}`;
  return {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: url,
    [`KUBERNETES_PORT_${port}_TCP`]: url,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: String(port),
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
  };
}

async function source(
  kind: 'Secret' | 'ConfigMap',
  namespace: string,
  name: string,
  optional: boolean,
  lookup: ConfigLookup,
): Promise<Record<string, string> | undefined> {
  const data = kind === 'Secret' ? await lookup.secret(namespace, name) : await lookup.configMap(namespace, name);
  if (data === undefined && !optional) throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
  return data;
}

/**
 * The environment a kubelet gives a container, in its order of precedence: `base` (Service variables),
 * then envFrom, then env, each `env` value `$(VAR)`-expanded against what precedes it.
 */
export async function containerEnv(
  pod: V1Pod,
  container: V1Container,
  facts: PodFacts,
  lookup: ConfigLookup,
  base: Record<string, string> = {},
): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = { ...base };
  for (const from of container.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref?.name) continue;
    const data = await source(from.secretRef ? 'Secret' : 'ConfigMap', ns, ref.name, ref.optional === true, lookup);
    for (const [k, v] of Object.entries(data ?? {})) {
      if (!k.includes('=')) env[`${from.prefix ?? ''}${k}`] = v;
    }
  }
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = expandVars(e.value ?? '', (n) => env[n]);
      continue;
    }
    if (vf.fieldRef) {
      env[e.name] = fieldValue(pod, vf.fieldRef.fieldPath, facts);
    } else if (vf.resourceFieldRef) {
      env[e.name] = resourceValue(container, vf.resourceFieldRef, facts.allocatable);
    } else {
      const ref = vf.secretKeyRef ?? vf.configMapKeyRef;
      if (!ref) continue;
      const kind = vf.secretKeyRef ? 'Secret' : 'ConfigMap';
      const data = await source(kind, ns, ref.name ?? '', ref.optional === true, lookup);
      const value = data?.[ref.key];
      if (value !== undefined) env[e.name] = value;
      else if (data !== undefined && ref.optional !== true) {
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name ?? ''}`);
      }
    }
  }
  return env;
}

/** The container's command and args with `$(VAR)` references expanded against its environment. */
export function expandCommand(container: V1Container, env: Record<string, string>): { command: string[]; args: string[] } {
  const expand = (s: string): string => expandVars(s, (n) => env[n]);
  return { command: (container.command ?? []).map(expand), args: (container.args ?? []).map(expand) };
}
