// Which configs a cluster's addon is rendered from, their spec hashes, and what they say, checked once.
import { createHash } from 'node:crypto';
import type { AgentComponent } from '../src/api/agent-env.js';
import type { AddOnDeploymentConfig, ConfigReference, ManagedClusterAddOn, SubmarinerConfig } from '../src/api/ocm.js';
import { UserError } from '../src/base/errors.js';
import { checkCidr, isIPv4 } from '../src/render/fields.js';
import { parseImageOverrides, type CableDriverName } from '../src/render/index.js';
import { cableDrivers } from '../src/render/values.js';
import { configTypes, defaultSubmarinerConfigName, variables } from './names.js';

/**
 * The JSON Go's encoding/json writes for a decoded object: map keys sorted at every level, compact, and `<`, `>`,
 * `&`, U+2028 and U+2029 escaped.
 */
export function goJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return JSON.stringify(sort(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A config's specHash as OCM's addon framework computes it: sha256 of every top-level field but apiVersion, kind, metadata and status. */
export function specHash(obj: object): string {
  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...spec } = obj as Record<string, unknown>;
  return createHash('sha256').update(goJson(spec)).digest('hex');
}

/** `<resource>.<group>/<namespace>/<name>`: a config's key in the works' config-spec-hash annotation. */
export function configKey(ref: { group: string; resource: string; namespace?: string | undefined; name?: string | undefined }): string {
  return `${ref.resource}.${ref.group}/${ref.namespace ?? ''}/${ref.name ?? ''}`;
}

export type ConfigType = keyof typeof configTypes;

function typeOf(ref: { group: string; resource: string }): ConfigType | undefined {
  return (Object.keys(configTypes) as ConfigType[]).find((t) => configTypes[t].group === ref.group && configTypes[t].resource === ref.resource);
}

export interface ConfigObjects {
  deployment?: AddOnDeploymentConfig | undefined;
  submariner?: SubmarinerConfig | undefined;
}

/** The configs a cluster is rendered from, or why it cannot be rendered yet. */
export type DesiredConfigs =
  | { ready: true; objects: ConfigObjects; hashes: Record<string, string> }
  | { ready: false; reason: string };

export type ConfigLookup = (type: ConfigType, namespace: string, name: string) => AddOnDeploymentConfig | SubmarinerConfig | undefined;

/**
 * The configs OCM marks desired for this cluster (its ManagedClusterAddOn's `status.configReferences[].desiredConfig`),
 * each only while the object still has the spec OCM rolled out; without a SubmarinerConfig reference, the cluster
 * namespace's `submariner` one. Not ready while OCM has not chosen (an empty specHash) or the object has moved on (the
 * next rollout has not reached this cluster): then the works must stay as they are.
 */
export function desiredConfigs(mca: ManagedClusterAddOn, lookup: ConfigLookup): DesiredConfigs {
  const objects: ConfigObjects = {};
  const hashes: Record<string, string> = {};
  for (const ref of mca.status?.configReferences ?? []) {
    const type = typeOf(ref);
    const desired = ref.desiredConfig;
    if (type === undefined || desired === undefined) continue;
    const namespace = desired.namespace ?? '';
    const key = configKey({ ...ref, namespace, name: desired.name });
    if (!desired.specHash) return { ready: false, reason: `waiting for OCM to choose ${key}` };
    const obj = lookup(type, namespace, desired.name);
    if (obj === undefined) return { ready: false, reason: `${key} does not exist` };
    const hash = specHash(obj);
    if (hash !== desired.specHash) return { ready: false, reason: `${key} changed; waiting for the rollout to reach this cluster` };
    hashes[key] = hash;
    if (type === 'deployment') objects.deployment = obj as AddOnDeploymentConfig;
    else objects.submariner = obj as SubmarinerConfig;
  }
  if (objects.submariner === undefined && !(mca.status?.configReferences ?? []).some((r) => typeOf(r) === 'submariner')) {
    objects.submariner = lookup('submariner', mca.metadata.namespace ?? '', defaultSubmarinerConfigName) as SubmarinerConfig | undefined;
  }
  return { ready: true, objects, hashes };
}

/** The spec hashes of the configs in `mca.spec.configs` that OCM left for the addon to fill in (as the framework does). */
export function missingMcaHashes(mca: ManagedClusterAddOn, lookup: ConfigLookup): ConfigReference[] | undefined {
  const own = mca.spec?.configs ?? [];
  let changed = false;
  const refs = (mca.status?.configReferences ?? []).map((ref) => {
    const type = typeOf(ref);
    const d = ref.desiredConfig;
    if (type === undefined || d === undefined) return ref;
    const fromSpec = own.some((c) => c.group === ref.group && c.resource === ref.resource && c.name === d.name && (c.namespace ?? '') === (d.namespace ?? ''));
    if (!fromSpec) return ref;
    const obj = lookup(type, d.namespace ?? '', d.name);
    const hash = obj === undefined ? '' : specHash(obj);
    if (hash === (d.specHash ?? '')) return ref;
    changed = true;
    return { ...ref, desiredConfig: { ...d, specHash: hash } };
  });
  return changed ? refs : undefined;
}

/** A config that cannot be rendered: names the object, the field and the fix. */
export class InvalidConfigError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidConfigError';
  }
}

/** What the configs change in a cluster's render. */
export interface AddonSettings {
  cableDriver?: CableDriverName;
  natEnabled?: boolean;
  nattPort?: number;
  nattDiscoveryPort?: number;
  ipsecDebug?: boolean;
  forceUdpEncaps?: boolean;
  airGapped?: boolean;
  debug?: boolean;
  repository?: string;
  version?: string;
  imageOverrides: Partial<Record<AgentComponent, string>>;
  /** The GlobalNet CIDR asked for. */
  globalCidr?: string;
  clusterCidrs: string[];
  serviceCidrs: string[];
  /** Whether the operator labels a gateway node when none is. */
  labelGateway: boolean;
  nodePlacement: { nodeSelector: Record<string, string>; tolerations: Record<string, unknown>[] };
  registries: { source: string; mirror: string }[];
}

/** submariner-addon's imagePullSpecs keys, by component. */
const pullSpecKeys: Record<string, AgentComponent | null> = {
  submarinerImagePullSpec: 'gateway',
  submarinerRouteAgentImagePullSpec: 'routeagent',
  submarinerGlobalnetImagePullSpec: 'globalnet',
  lighthouseAgentImagePullSpec: 'lighthouse-agent',
  lighthouseCoreDNSImagePullSpec: 'lighthouse-dns',
  submarinerOperatorImagePullSpec: 'operator',
  // Components this implementation does not run: accepted and unused.
  metricsProxyImagePullSpec: null,
  nettestImagePullSpec: null,
};

function port(value: unknown, field: string, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InvalidConfigError(`${where} ${field} ${JSON.stringify(value)} is not a port: set it to a number from 1 to 65535`);
  }
  return value;
}

function cidrs(value: string | undefined, field: string, where: string): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((c) => {
    try {
      return checkCidr(c.trim(), field);
    } catch {
      throw new InvalidConfigError(`${where} ${field} "${c.trim()}" is not an IPv4 CIDR such as 10.0.0.0/16: fix the value or remove the field`);
    }
  });
}

/**
 * What the SubmarinerConfig and AddOnDeploymentConfig of a cluster say, checked: the first bad field throws an
 * InvalidConfigError naming the object, the field and the fix.
 */
export function resolveSettings(objects: ConfigObjects): AddonSettings {
  const sc = objects.submariner;
  const scWhere = sc ? `SubmarinerConfig ${sc.metadata.namespace ?? ''}/${sc.metadata.name ?? ''}` : '';
  const spec = sc?.spec ?? {};
  const settings: AddonSettings = {
    imageOverrides: {},
    clusterCidrs: cidrs(spec.clusterCIDR, 'spec.clusterCIDR', scWhere),
    serviceCidrs: cidrs(spec.serviceCIDR, 'spec.serviceCIDR', scWhere),
    labelGateway: true,
    nodePlacement: { nodeSelector: {}, tolerations: [] },
    registries: [],
  };
  if (spec.cableDriver !== undefined && spec.cableDriver !== '') {
    if (!(cableDrivers as readonly string[]).includes(spec.cableDriver)) {
      throw new InvalidConfigError(`${scWhere} spec.cableDriver "${spec.cableDriver}" is not supported: use one of ${cableDrivers.join(', ')}`);
    }
    settings.cableDriver = spec.cableDriver as CableDriverName;
  }
  port(spec.IPSecIKEPort, 'spec.IPSecIKEPort', scWhere);
  const natt = port(spec.IPSecNATTPort, 'spec.IPSecNATTPort', scWhere);
  if (natt !== undefined) settings.nattPort = natt;
  const discovery = port(spec.NATTDiscoveryPort, 'spec.NATTDiscoveryPort', scWhere);
  if (discovery !== undefined) settings.nattDiscoveryPort = discovery;
  if (spec.NATTEnable !== undefined) settings.natEnabled = spec.NATTEnable;
  if (spec.IPSecDebug !== undefined) settings.ipsecDebug = spec.IPSecDebug;
  if (spec.forceUDPEncaps !== undefined) settings.forceUdpEncaps = spec.forceUDPEncaps;
  if (spec.airGappedDeployment !== undefined) settings.airGapped = spec.airGappedDeployment;
  if (spec.Debug !== undefined) settings.debug = spec.Debug;
  if (spec.globalCIDR !== undefined && spec.globalCIDR !== '') {
    const [ip] = spec.globalCIDR.split('/');
    if (ip === undefined || !isIPv4(ip)) throw new InvalidConfigError(`${scWhere} spec.globalCIDR "${spec.globalCIDR}" is not an IPv4 CIDR such as 242.0.0.0/16`);
    settings.globalCidr = cidrs(spec.globalCIDR, 'spec.globalCIDR', scWhere)[0] ?? '';
  }
  const gateways = spec.gatewayConfig?.gateways;
  if (gateways !== undefined && (!Number.isInteger(gateways) || gateways < 0)) {
    throw new InvalidConfigError(`${scWhere} spec.gatewayConfig.gateways ${JSON.stringify(gateways)} must be a whole number of at least 0`);
  }
  if (gateways === 0) settings.labelGateway = false;

  const adc = objects.deployment;
  const adcWhere = adc ? `AddOnDeploymentConfig ${adc.metadata.namespace ?? ''}/${adc.metadata.name ?? ''}` : '';
  const vars = new Map((adc?.spec?.customizedVariables ?? []).map((v) => [v.name, v.value]));
  const known = Object.values(variables) as string[];
  const unknown = [...vars.keys()].filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new InvalidConfigError(`${adcWhere} spec.customizedVariables ${unknown.join(', ')}: unknown; the addon reads ${known.join(', ')}`);
  const version = vars.get(variables.version);
  if (version !== undefined) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version.replace(/^v(?=\d)/, ''))) {
      throw new InvalidConfigError(`${adcWhere} variable ${variables.version} "${version}" is not an image tag such as 0.21.0`);
    }
    settings.version = version.replace(/^v(?=\d)/, '');
  }
  const repository = vars.get(variables.repository);
  if (repository !== undefined) settings.repository = repository;
  const debug = vars.get(variables.debug);
  if (debug !== undefined) {
    if (debug !== 'true' && debug !== 'false') throw new InvalidConfigError(`${adcWhere} variable ${variables.debug} "${debug}" must be true or false`);
    settings.debug = debug === 'true';
  }
  const overrides = vars.get(variables.imageOverrides);
  if (overrides !== undefined && overrides.trim() !== '') {
    try {
      settings.imageOverrides = parseImageOverrides(overrides.split(',').map((s) => s.trim()));
    } catch (err) {
      throw new InvalidConfigError(`${adcWhere} variable ${variables.imageOverrides}: ${(err as Error).message}`);
    }
  }
  for (const [key, image] of Object.entries(spec.imagePullSpecs ?? {})) {
    const component = pullSpecKeys[key];
    if (component === undefined) {
      throw new InvalidConfigError(`${scWhere} spec.imagePullSpecs.${key} is not a known image: use ${Object.keys(pullSpecKeys).join(', ')}`);
    }
    if (component !== null && image !== '') settings.imageOverrides[component] = image;
  }
  const placement = adc?.spec?.nodePlacement;
  if (placement) settings.nodePlacement = { nodeSelector: { ...(placement.nodeSelector ?? {}) }, tolerations: [...(placement.tolerations ?? [])] };
  settings.registries = (adc?.spec?.registries ?? []).map((r, i) => {
    if (!r.mirror) throw new InvalidConfigError(`${adcWhere} spec.registries[${i}] has no mirror: set the registry to pull from`);
    return { source: r.source ?? '', mirror: r.mirror };
  });
  return settings;
}
