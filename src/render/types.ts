import { managedByLabels } from '../api/names.js';

/** A plain Kubernetes object as the renderer emits it (ready for server-side apply or ManifestWork). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}


export function meta(name: string, namespace?: string, extraLabels: Record<string, string> = {}): ObjectMeta {
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels: { ...managedByLabels, ...extraLabels },
  };
}

export function object(apiVersion: string, kind: string, metadata: ObjectMeta, body: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata, ...body };
}
