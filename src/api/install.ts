import { ApiException, ApiextensionsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { UserError } from '../base/errors.js';
import { loadCrdFiles, type Crd } from './crd-files.js';
import { fieldManager } from './names.js';
import { registerApiSerializers } from './serializers.js';

export interface InstallCrdsOptions {
  /** Names of the CRDs to install (`<plural>.<group>`, e.g. gateways.submariner.io); every CRD of manifests/crds when absent. */
  crds?: string[];
  /** How long to wait for the CRDs to be Established, in milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Directory of the CRD files (default manifests/crds). */
  dir?: string;
}

export interface InstalledCrd {
  name: string;
  result: 'created' | 'updated' | 'unchanged';
}

/**
 * Server-side applies the CRDs of manifests/crds (field manager kubectl-submariner, taking over fields other
 * managers hold) and waits until the apiserver serves them. Applying again changes nothing.
 */
export async function installCrds(kc: KubeConfig, opts: InstallCrdsOptions = {}): Promise<InstalledCrd[]> {
  return applyCrds(kc, selectCrds(loadCrdFiles(opts.dir).map((f) => f.crd), opts.crds), opts.timeoutMs);
}

/** Server-side applies the given CRDs and waits until the apiserver serves them (default 60 s). */
export async function applyCrds(kc: KubeConfig, crds: readonly Crd[], timeoutMs = 60_000): Promise<InstalledCrd[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const server = kc.getCurrentCluster()?.server ?? 'the cluster';
  const installed: InstalledCrd[] = [];
  for (const crd of crds) installed.push(await applyCrd(api, crd, server));
  const deadline = Date.now() + timeoutMs;
  await Promise.all(installed.map(({ name }) => waitEstablished(api, name, deadline, server)));
  registerApiSerializers();
  return installed;
}

function selectCrds(all: Crd[], names: string[] | undefined): Crd[] {
  if (names === undefined) return all;
  const unknown = names.filter((n) => !all.some((c) => c.metadata.name === n));
  if (unknown.length > 0) {
    throw new UserError(`unknown CRD ${unknown.join(', ')}: choose among ${all.map((c) => c.metadata.name).join(', ')}`);
  }
  return all.filter((c) => names.includes(c.metadata.name));
}

async function applyCrd(api: ApiextensionsV1Api, crd: Crd, server: string): Promise<InstalledCrd> {
  const name = crd.metadata.name;
  try {
    const before = await readIfExists(api, name);
    // The body goes out as written: client-node's CRD model would drop the x-kubernetes-* keys of a plain object.
    const after = await api.patchCustomResourceDefinition(
      { name, body: crd, fieldManager, force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    if (before === undefined) return { name, result: 'created' };
    return { name, result: before.metadata?.resourceVersion === after.metadata?.resourceVersion ? 'unchanged' : 'updated' };
  } catch (err) {
    if (err instanceof ApiException && err.code === 403) {
      throw new UserError(
        `not allowed to install CRD ${name} on ${server}: ${apiMessage(err)}; use credentials that may create and patch ` +
          'customresourcedefinitions (such as cluster-admin)',
        undefined,
        { cause: err },
      );
    }
    throw new UserError(`cannot install CRD ${name} on ${server}: ${apiMessage(err)}`, undefined, { cause: err });
  }
}

async function readIfExists(api: ApiextensionsV1Api, name: string): Promise<V1CustomResourceDefinition | undefined> {
  try {
    return await api.readCustomResourceDefinition({ name });
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

async function waitEstablished(api: ApiextensionsV1Api, name: string, deadline: number, server: string): Promise<void> {
  for (;;) {
    const crd = await api.readCustomResourceDefinition({ name }).catch((err: unknown) => {
      throw new UserError(`cannot read CRD ${name} on ${server}: ${apiMessage(err)}`, undefined, { cause: err });
    });
    const conditions = crd.status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
    const names = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
    if (names !== undefined) throw new UserError(`CRD ${name} on ${server} cannot be served: ${names.message ?? names.reason ?? 'its names conflict'}`);
    if (Date.now() >= deadline) {
      const seen = conditions.map((c) => `${c.type}=${c.status}${c.message ? ` (${c.message})` : ''}`).join(', ') || 'none';
      throw new UserError(`CRD ${name} on ${server} is not Established yet; its conditions: ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The apiserver's own explanation of a failed request. */
export function apiMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = err.body;
    let parsed: unknown = body;
    if (typeof body === 'string') {
      try {
        parsed = JSON.parse(body);
      } catch {
        return body || `HTTP ${err.code}`;
      }
    }
    const message = (parsed as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : `HTTP ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}
