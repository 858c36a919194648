import { loadCrdFiles } from '../api/crd-files.js';
import { managedByLabels } from '../api/names.js';
import type { KubeObject } from './types.js';

let crds: readonly KubeObject[] | undefined;

/** The CRDs as read once, shared: for renderers that copy what they return (renderCluster), never to be changed. */
export function sharedCrds(): readonly KubeObject[] {
  crds ??= loadCrdFiles().map(({ crd }) => ({ ...crd, metadata: { ...crd.metadata, labels: { ...managedByLabels } } }));
  return crds;
}

/** The CustomResourceDefinitions of manifests/crds, read once and labelled like every rendered object: every member installs all of them. */
export function renderCrds(): KubeObject[] {
  return structuredClone([...sharedCrds()]);
}
