import { agentComponents, defaultDnsTtlSeconds, ports, type AgentComponent } from '../api/agent-env.js';
import { agentImage, gatewayNodeLabel, names } from '../api/names.js';
import { packageJson } from '../base/package.js';
import {
  InvalidValuesError,
  bool,
  checkBase64Secret,
  checkCidr,
  checkDnsLabel,
  checkDomain,
  int,
  oneOf,
  record,
  str,
  strList,
} from './fields.js';

export { InvalidValuesError } from './fields.js';

export const cableDrivers = ['libreswan', 'strongswan', 'wireguard', 'vxlan'] as const;
export type CableDriverName = (typeof cableDrivers)[number];

export const components = ['connectivity', 'service-discovery'] as const;
export type ComponentName = (typeof components)[number];

/** This project's agent image, under its own repository; `--repository` and `--version` name another. */
export const defaultRepository: string = agentImage.defaultRepository;
export const defaultVersion = packageJson().version;

/** Everything the renderer needs for one cluster, validated and with defaults filled in. */
export interface ClusterValues {
  clusterId: string;
  namespace: string;
  broker: {
    /** https URL of the broker API server. */
    server: string;
    /** base64 of the broker CA bundle (as in a token Secret's `ca.crt`). */
    ca: string;
    /** Bearer token, plain text. */
    token: string;
    namespace: string;
    insecure: boolean;
  };
  /** base64 PSK; empty when connectivity is not enabled. */
  ipsecPsk: string;
  cableDriver: CableDriverName;
  natEnabled: boolean;
  nattPort: number;
  nattDiscoveryPort: number;
  preferredServer: boolean;
  forceUdpEncaps: boolean;
  ipsecDebug: boolean;
  healthCheck: { enabled: boolean; intervalSeconds: number; maxPacketLossCount: number };
  clusterCidrs: string[];
  serviceCidrs: string[];
  globalnet: { enabled: boolean; globalCidr: string };
  /** Whether exports get a clusterset IP unless their ServiceExport says otherwise, and this cluster's block of the range. */
  clustersetIp: { enabled: boolean; cidr: string };
  customDomains: string[];
  dnsTtlSeconds: number;
  networkPlugin: string;
  airGapped: boolean;
  repository: string;
  version: string;
  /** The image each component runs, after overrides. */
  images: Record<AgentComponent, string>;
  imageOverrides: Partial<Record<AgentComponent, string>>;
  debug: boolean;
  componentsEnabled: ComponentName[];
  gatewayNodeSelector: Record<string, string>;
  /** Nodes the operator labels as gateways; empty: it keeps the labelled ones, or picks one when `labelGateway`. */
  gatewayNodes: string[];
  labelGateway: boolean;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends string[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** What callers may pass: every field with a default is optional. */
export type ClusterValuesInput = DeepPartial<Omit<ClusterValues, 'imageOverrides' | 'gatewayNodeSelector'>> & {
  clusterId: string;
  /** `component=image` entries or a map; components are agent names or subctl's (`submariner-gateway`, …). */
  imageOverrides?: string[] | Record<string, string>;
  /** A label map or `key=value[,key=value]`. */
  gatewayNodeSelector?: string | Record<string, string>;
};

const topFields = [
  'clusterId', 'namespace', 'broker', 'ipsecPsk', 'cableDriver', 'natEnabled', 'nattPort', 'nattDiscoveryPort',
  'preferredServer', 'forceUdpEncaps', 'ipsecDebug', 'healthCheck', 'clusterCidrs', 'serviceCidrs', 'globalnet',
  'clustersetIp', 'customDomains', 'dnsTtlSeconds', 'networkPlugin', 'airGapped', 'repository', 'version', 'images', 'imageOverrides',
  'debug', 'componentsEnabled', 'gatewayNodeSelector', 'gatewayNodes', 'labelGateway',
] as const;

/** Validates raw values (typed input or parsed JSON/YAML) and fills in defaults; throws InvalidValuesError. */
export function parseClusterValues(input: unknown): ClusterValues {
  const v = record(input, '', topFields);
  const componentsEnabled = parseComponents(v.componentsEnabled);
  const connectivity = componentsEnabled.includes('connectivity');
  const repository = str(v.repository, 'repository', defaultRepository);
  const version = str(v.version, 'version', defaultVersion);
  if (repository === '') throw new InvalidValuesError('repository', 'must not be empty');
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version)) {
    throw new InvalidValuesError('version', `"${version}" is not a valid image tag`);
  }
  const imageOverrides = parseImageOverrides(v.imageOverrides);
  const hc = record(v.healthCheck, 'healthCheck', ['enabled', 'intervalSeconds', 'maxPacketLossCount']);
  const clusterCidrs = strList(v.clusterCidrs, 'clusterCidrs').map((c, i) => checkCidr(c, `clusterCidrs[${i}]`));
  const serviceCidrs = strList(v.serviceCidrs, 'serviceCidrs').map((c, i) => checkCidr(c, `serviceCidrs[${i}]`));
  if (connectivity && clusterCidrs.length === 0) {
    throw new InvalidValuesError('clusterCidrs', 'at least one Pod CIDR is required for connectivity (e.g. 10.244.0.0/16)');
  }
  if (connectivity && serviceCidrs.length === 0) {
    throw new InvalidValuesError('serviceCidrs', 'at least one Service CIDR is required for connectivity (e.g. 10.96.0.0/16)');
  }
  const ipsecPsk = str(v.ipsecPsk, 'ipsecPsk', connectivity ? undefined : '');
  if (connectivity) checkBase64Secret(ipsecPsk, 'ipsecPsk');
  const networkPlugin = str(v.networkPlugin, 'networkPlugin', 'generic');
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(networkPlugin)) {
    throw new InvalidValuesError('networkPlugin', `"${networkPlugin}" is not a network plugin name such as generic or calico`);
  }
  return {
    clusterId: checkDnsLabel(str(v.clusterId, 'clusterId'), 'clusterId'),
    namespace: checkDnsLabel(str(v.namespace, 'namespace', names.defaultNamespace), 'namespace'),
    broker: parseBroker(v.broker),
    ipsecPsk,
    cableDriver: oneOf(str(v.cableDriver, 'cableDriver', 'strongswan'), 'cableDriver', cableDrivers),
    natEnabled: bool(v.natEnabled, 'natEnabled', true),
    nattPort: int(v.nattPort, 'nattPort', ports.defaultNatt, 1, 65535),
    nattDiscoveryPort: int(v.nattDiscoveryPort, 'nattDiscoveryPort', ports.defaultNattDiscovery, 0, 65535),
    preferredServer: bool(v.preferredServer, 'preferredServer', false),
    forceUdpEncaps: bool(v.forceUdpEncaps, 'forceUdpEncaps', false),
    ipsecDebug: bool(v.ipsecDebug, 'ipsecDebug', false),
    healthCheck: {
      enabled: bool(hc.enabled, 'healthCheck.enabled', true),
      intervalSeconds: int(hc.intervalSeconds, 'healthCheck.intervalSeconds', 1, 1, 3600),
      maxPacketLossCount: int(hc.maxPacketLossCount, 'healthCheck.maxPacketLossCount', 5, 1, 1_000_000),
    },
    clusterCidrs,
    serviceCidrs,
    globalnet: parseGlobalnet(v.globalnet),
    clustersetIp: parseClustersetIp(v.clustersetIp),
    customDomains: parseDomains(v.customDomains),
    dnsTtlSeconds: int(v.dnsTtlSeconds, 'dnsTtlSeconds', defaultDnsTtlSeconds, 0, 3600),
    networkPlugin,
    airGapped: bool(v.airGapped, 'airGapped', false),
    repository,
    version,
    images: resolveImages(v.images, repository, version, imageOverrides),
    imageOverrides,
    debug: bool(v.debug, 'debug', false),
    componentsEnabled,
    gatewayNodeSelector: parseNodeSelector(v.gatewayNodeSelector),
    gatewayNodes: parseNodeNames(v.gatewayNodes),
    labelGateway: bool(v.labelGateway, 'labelGateway', true),
  };
}

const nodeName = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

function parseNodeNames(value: unknown): string[] {
  const list = strList(value, 'gatewayNodes');
  list.forEach((n, i) => {
    if (!nodeName.test(n)) throw new InvalidValuesError(`gatewayNodes[${i}]`, `"${n}" is not a node name (a DNS-1123 subdomain)`);
  });
  return [...new Set(list)];
}

function parseBroker(value: unknown): ClusterValues['broker'] {
  const b = record(value, 'broker', ['server', 'ca', 'token', 'namespace', 'insecure']);
  if (value === undefined) throw new InvalidValuesError('broker', 'is required (server, ca, token) — take it from broker-info.subm');
  const token = str(b.token, 'broker.token');
  if (token === '' || /\s/.test(token)) {
    throw new InvalidValuesError('broker.token', 'must be a non-empty token without whitespace (the value is not shown because it is secret)');
  }
  return {
    server: parseServer(str(b.server, 'broker.server')),
    ca: checkBase64Secret(str(b.ca, 'broker.ca'), 'broker.ca'),
    token,
    namespace: checkDnsLabel(str(b.namespace, 'broker.namespace', names.defaultBrokerNamespace), 'broker.namespace'),
    insecure: bool(b.insecure, 'broker.insecure', false),
  };
}

function parseServer(raw: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidValuesError('broker.server', `"${raw}" is not a URL such as https://broker.example.org:6443`);
  }
  if (url.protocol !== 'https:') {
    throw new InvalidValuesError('broker.server', `"${raw}" must use https (the broker API server is reached over TLS)`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new InvalidValuesError('broker.server', 'must not carry credentials, a query or a fragment');
  }
  return `https://${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** The broker API server as Submariner stores it: host[:port][/path], no scheme. */
export function brokerApiServer(values: ClusterValues): string {
  return values.broker.server.replace(/^https:\/\//, '');
}

function parseComponents(value: unknown): ComponentName[] {
  if (value === undefined) return [...components];
  const list = strList(value, 'componentsEnabled').map((c, i) => oneOf(c, `componentsEnabled[${i}]`, components));
  if (list.length === 0) throw new InvalidValuesError('componentsEnabled', `enable at least one of ${components.join(', ')}`);
  return components.filter((c) => list.includes(c));
}

function parseGlobalnet(value: unknown): ClusterValues['globalnet'] {
  const g = record(value, 'globalnet', ['enabled', 'globalCidr']);
  const enabled = bool(g.enabled, 'globalnet.enabled', false);
  const globalCidr = str(g.globalCidr, 'globalnet.globalCidr', '');
  if (enabled && globalCidr === '') {
    throw new InvalidValuesError('globalnet.globalCidr', 'is required when Globalnet is enabled (e.g. 242.0.0.0/16)');
  }
  if (globalCidr !== '') checkCidr(globalCidr, 'globalnet.globalCidr');
  return { enabled, globalCidr: enabled ? globalCidr : '' };
}

function parseClustersetIp(value: unknown): ClusterValues['clustersetIp'] {
  const c = record(value, 'clustersetIp', ['enabled', 'cidr']);
  const cidr = str(c.cidr, 'clustersetIp.cidr', '');
  if (cidr !== '') checkCidr(cidr, 'clustersetIp.cidr');
  return { enabled: bool(c.enabled, 'clustersetIp.enabled', true), cidr };
}

function parseDomains(value: unknown): string[] {
  const out: string[] = [];
  strList(value, 'customDomains').forEach((d, i) => {
    const domain = checkDomain(d.replace(/\.$/, '').toLowerCase(), `customDomains[${i}]`);
    if (!out.includes(domain)) out.push(domain);
  });
  return out;
}

/** Accepted override keys: agent component names and subctl's component names. */
const overrideAliases: Record<string, AgentComponent> = {
  ...Object.fromEntries(agentComponents.map((c) => [c, c])),
  'submariner-gateway': 'gateway',
  'submariner-routeagent': 'routeagent',
  'submariner-route-agent': 'routeagent',
  'submariner-globalnet': 'globalnet',
  'submariner-lighthouse-agent': 'lighthouse-agent',
  'lighthouse-agent': 'lighthouse-agent',
  'submariner-lighthouse-coredns': 'lighthouse-dns',
  'lighthouse-coredns': 'lighthouse-dns',
  'submariner-operator': 'operator',
};

/** `component=image` entries (or a map) into a map keyed by agent component. */
export function parseImageOverrides(value: unknown): Partial<Record<AgentComponent, string>> {
  let entries: [string, string][];
  if (Array.isArray(value)) {
    entries = strList(value, 'imageOverrides').map((e, i) => {
      const eq = e.indexOf('=');
      if (eq <= 0 || eq === e.length - 1) {
        throw new InvalidValuesError(`imageOverrides[${i}]`, `"${e}" is not component=image (e.g. submariner-gateway=registry.local/gw:1.0)`);
      }
      return [e.slice(0, eq), e.slice(eq + 1)];
    });
  } else {
    const r = record(value, 'imageOverrides', Object.keys(value ?? {}));
    entries = Object.entries(r).map(([k, img]) => [k, str(img, `imageOverrides.${k}`)]);
  }
  const out: Partial<Record<AgentComponent, string>> = {};
  for (const [key, image] of entries) {
    const component = overrideAliases[key];
    if (component === undefined) {
      throw new InvalidValuesError(`imageOverrides.${key}`, `unknown component; use one of ${Object.keys(overrideAliases).join(', ')}`);
    }
    if (image === '' || /\s/.test(image)) throw new InvalidValuesError(`imageOverrides.${key}`, 'the image must be non-empty without spaces');
    out[component] = image;
  }
  return Object.fromEntries(agentComponents.filter((c) => out[c] !== undefined).map((c) => [c, out[c]]));
}

function resolveImages(
  value: unknown,
  repository: string,
  version: string,
  overrides: Partial<Record<AgentComponent, string>>,
): Record<AgentComponent, string> {
  const given = record(value, 'images', agentComponents);
  const images = {} as Record<AgentComponent, string>;
  for (const c of agentComponents) {
    images[c] = overrides[c] ?? str(given[c], `images.${c}`, `${repository}/${agentImage.name}:${version}`);
  }
  return images;
}

const labelKey = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function parseNodeSelector(value: unknown): Record<string, string> {
  if (value === undefined) return { [gatewayNodeLabel.key]: gatewayNodeLabel.value };
  let entries: [string, unknown][];
  if (typeof value === 'string') {
    entries = value.split(',').map((pair) => {
      const [k = '', ...rest] = pair.split('=');
      return [k.trim(), rest.join('=').trim()];
    });
  } else {
    entries = Object.entries(record(value, 'gatewayNodeSelector', Object.keys(value as object)));
  }
  if (entries.length === 0) throw new InvalidValuesError('gatewayNodeSelector', 'must select at least one label (default submariner.io/gateway=true)');
  const out: Record<string, string> = {};
  for (const [k, raw] of entries) {
    const val = str(raw, `gatewayNodeSelector.${k}`);
    if (!labelKey.test(k)) throw new InvalidValuesError('gatewayNodeSelector', `"${k}" is not a valid label key`);
    if (!labelValue.test(val)) throw new InvalidValuesError(`gatewayNodeSelector.${k}`, `"${val}" is not a valid label value`);
    out[k] = val;
  }
  return out;
}
