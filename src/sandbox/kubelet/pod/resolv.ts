import type { V1PodDNSConfig } from '@kubernetes/client-node';

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** Reads nameserver, search/domain and options lines of a resolv.conf. */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const [key, ...values] = raw.replace(/[#;].*/, '').trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) out.nameservers.push(values[0]);
    else if (key === 'search' || key === 'domain') out.searches = values;
    else if (key === 'options') out.options.push(...values);
  }
  return out;
}

export interface PodDnsInput {
  namespace: string;
  dnsPolicy?: string | undefined;
  hostNetwork?: boolean | undefined;
  dnsConfig?: V1PodDNSConfig | undefined;
  /** kube-dns ClusterIP. */
  clusterDns: string;
  clusterDomain?: string;
  /** The host's resolv.conf. */
  host: ResolvConf;
}

/** Which resolver a pod gets, as the kubelet decides it from dnsPolicy and hostNetwork. */
export function podDns(input: PodDnsInput): ResolvConf {
  const policy = input.dnsPolicy ?? 'ClusterFirst';
  const domain = input.clusterDomain ?? 'cluster.local';
  const cluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && input.hostNetwork !== true);
  let conf: ResolvConf;
  if (policy === 'None') conf = { nameservers: [], searches: [], options: [] };
  else if (cluster) {
    conf = {
      nameservers: [input.clusterDns],
      searches: [`${input.namespace}.svc.${domain}`, `svc.${domain}`, domain, ...input.host.searches],
      options: ['ndots:5'],
    };
  } else conf = { ...input.host, options: [...input.host.options] };
  const extra = input.dnsConfig;
  if (extra) {
    conf.nameservers = [...conf.nameservers, ...(extra.nameservers ?? [])];
    conf.searches = [...conf.searches, ...(extra.searches ?? [])];
    for (const o of extra.options ?? []) {
      const rendered = o.value === undefined ? o.name ?? '' : `${o.name ?? ''}:${o.value}`;
      conf.options = [...conf.options.filter((x) => x.split(':')[0] !== o.name), rendered];
    }
  }
  conf.nameservers = [...new Set(conf.nameservers)].slice(0, 3);
  conf.searches = [...new Set(conf.searches)].slice(0, 32);
  return conf;
}

export function renderResolvConf(conf: ResolvConf): string {
  const lines: string[] = [];
  if (conf.searches.length > 0) lines.push(`search ${conf.searches.join(' ')}`);
  for (const ns of conf.nameservers) lines.push(`nameserver ${ns}`);
  if (conf.options.length > 0) lines.push(`options ${conf.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
