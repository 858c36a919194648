import { PatchStrategy, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { getSerializationType } from '@kubernetes/client-node/dist/util.js';
import { apiVersionOf, type ObjectOf, type ResourceDescriptor } from '../api/index.js';
import { fieldManager } from '../api/names.js';
import { registerApiSerializers } from '../api/serializers.js';
import { apiStatus } from './apply.js';
import { JsonClient, type JsonRequest } from './json-client.js';

export interface ListOptions {
  /** Overrides the client's namespace; lists of a namespaced kind without one cover every namespace. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ApplyOptions {
  /** Defaults to kubectl-submariner's. */
  fieldManager?: string;
  /** Take over fields other managers own, as `kubectl apply --server-side --force-conflicts`; default true. */
  force?: boolean;
}

export interface ResourceClientOptions {
  /**
   * Where calls on a namespaced kind go when neither the call nor the object names a namespace, and what `list`
   * covers. Without it single objects go to the kubeconfig context's namespace and lists cover every namespace.
   */
  namespace?: string;
}

/**
 * Reads and writes the objects of one kind, addressed by its descriptor (no discovery request). Errors are client-node's
 * ApiExceptions (see apiStatus and apiErrorMessage in ./apply.js), except where a method says otherwise.
 */
export interface ResourceClient<T extends KubernetesObject> {
  readonly resource: ResourceDescriptor;
  /** undefined when there is no such object. */
  get(name: string, namespace?: string): Promise<T | undefined>;
  list(o?: ListOptions): Promise<T[]>;
  /** The list with its metadata (the resourceVersion to watch from). */
  listObject(o?: ListOptions): Promise<KubernetesListObject<T>>;
  create(obj: T): Promise<T>;
  /** Replaces the object; `obj.metadata.resourceVersion` makes it a compare-and-swap. */
  replace(obj: T): Promise<T>;
  /** Replaces the status subresource. */
  replaceStatus(obj: T): Promise<T>;
  /** A JSON merge patch (RFC 7386) of the object. */
  patch(name: string, patch: object, namespace?: string): Promise<T>;
  /** A JSON merge patch of the status subresource with `{status}`. */
  patchStatus(name: string, status: object, namespace?: string): Promise<T>;
  /** Server-side apply; apiVersion and kind are filled in from the descriptor when missing. */
  apply(obj: T, o?: ApplyOptions): Promise<T>;
  /** False when there was nothing to delete. */
  delete(name: string, namespace?: string): Promise<boolean>;
}

/** A typed client of the kind `resource` describes, over keep-alive connections (see ./keep-alive.js). */
export function resourceClient<R extends ResourceDescriptor, T extends KubernetesObject = ObjectOf<R>>(
  kc: KubeConfig,
  resource: R,
  o: ResourceClientOptions = {},
): ResourceClient<T> {
  registerApiSerializers();
  return new DescriptorClient<T>(new JsonClient(kc), resource, o.namespace ?? contextNamespace(kc), o.namespace !== undefined);
}

/** The API path of a kind's objects, of one namespace's (namespaced kinds only), or of one object. */
export function resourcePath(r: ResourceDescriptor, namespace?: string, name?: string): string {
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return `${base}${ns}/${r.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

/**
 * Whether client-node has models of the kind: the built-in groups are the core one, those without a dot and those
 * under k8s.io (a CRD's group has a dot, and k8s.io ones need an API review).
 */
function isBuiltIn(r: ResourceDescriptor): boolean {
  return !r.group.includes('.') || r.group.endsWith('.k8s.io');
}

/** Where a kubeconfig sends namespaced calls that name no namespace: its context's namespace, else `default`. */
function contextNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}

/** Objects of built-in kinds go through client-node's models (dates, renamed fields); custom ones stay as JSON. */
class DescriptorClient<T extends KubernetesObject> implements ResourceClient<T> {
  private readonly builtIn: boolean;

  constructor(
    private readonly api: JsonClient,
    readonly resource: ResourceDescriptor,
    /** Of calls on one object that name none. */
    private readonly namespace: string,
    /** Whether lists cover `namespace` only (else every namespace). */
    private readonly listsInNamespace: boolean,
  ) {
    this.builtIn = isBuiltIn(resource);
  }

  private async send<R extends KubernetesObject>(method: string, path: string, r: JsonRequest = {}): Promise<R> {
    const sent = await this.api.send<R>(method, path, r);
    return this.builtIn ? (ObjectSerializer.deserialize(sent, getSerializationType(sent?.apiVersion, sent?.kind)) as R) : sent;
  }

  /** The namespace of one object's calls. */
  private ns(namespace: string | undefined, obj?: KubernetesObject): string | undefined {
    if (!this.resource.namespaced) return undefined;
    return namespace ?? obj?.metadata?.namespace ?? this.namespace;
  }

  private path(namespace: string | undefined, name?: string, status = false): string {
    return resourcePath(this.resource, namespace, name) + (status ? '/status' : '');
  }

  /** The wire form of an object or patch. */
  private encode(obj: object): unknown {
    return this.builtIn ? ObjectSerializer.serialize(obj, getSerializationType(apiVersionOf(this.resource), this.resource.kind)) : obj;
  }

  private typed(obj: T): T {
    return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(this.resource), kind: obj.kind ?? this.resource.kind };
  }

  async get(name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.send<T>('GET', this.path(this.ns(namespace), name));
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async list(o: ListOptions = {}): Promise<T[]> {
    return (await this.listObject(o)).items;
  }

  async listObject(o: ListOptions = {}): Promise<KubernetesListObject<T>> {
    const path = this.path(o.namespace ?? (this.listsInNamespace ? this.namespace : undefined));
    const list = await this.send('GET', path, { query: { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector } });
    return list as unknown as KubernetesListObject<T>;
  }

  async create(obj: T): Promise<T> {
    return this.send<T>('POST', this.path(this.ns(undefined, obj)), { body: this.encode(this.typed(obj)) });
  }

  async replace(obj: T): Promise<T> {
    return this.send<T>('PUT', this.path(this.ns(undefined, obj), obj.metadata?.name ?? ''), { body: this.encode(this.typed(obj)) });
  }

  async replaceStatus(obj: T): Promise<T> {
    return this.send<T>('PUT', this.path(this.ns(undefined, obj), obj.metadata?.name ?? '', true), { body: this.encode(this.typed(obj)) });
  }

  async patch(name: string, patch: object, namespace?: string): Promise<T> {
    return this.send<T>('PATCH', this.path(this.ns(namespace), name), { body: this.encode(patch), contentType: PatchStrategy.MergePatch });
  }

  async patchStatus(name: string, status: object, namespace?: string): Promise<T> {
    const body = this.encode({ status });
    return this.send<T>('PATCH', this.path(this.ns(namespace), name, true), { body, contentType: PatchStrategy.MergePatch });
  }

  async apply(obj: T, o: ApplyOptions = {}): Promise<T> {
    return this.send<T>('PATCH', this.path(this.ns(undefined, obj), obj.metadata?.name ?? ''), {
      body: this.encode(this.typed(obj)),
      contentType: PatchStrategy.ServerSideApply,
      query: { fieldManager: o.fieldManager ?? fieldManager, force: o.force ?? true },
    });
  }

  async delete(name: string, namespace?: string): Promise<boolean> {
    try {
      await this.send('DELETE', this.path(this.ns(namespace), name));
      return true;
    } catch (err) {
      if (apiStatus(err) === 404) return false;
      throw err;
    }
  }
}
