import { loadCrdFiles } from '../api/crd-files.js';
import { managedByLabels } from '../api/names.js';
import type { KubeObject } from './types.js';

let crds: readonly KubeObject[] | undefined;

/** The CustomResourceDefinitions of manifests/crds, read once and labelled like every rendered object: every member installs all of them. */
export function renderCrds(): KubeObject[] {
  crds ??= loadCrdFiles().map(({ crd }) => ({ ...crd, metadata: { ...crd.metadata, labels: { ...managedByLabels } } }));
  return structuredClone([...crds]);
}
